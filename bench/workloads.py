"""W1-W4 as each system is asked for them (issue 8), and how each answer is reduced to one common shape so that
`bench.check` can compare the three.

- W1: the 50 most recently updated non-Closed tickets with number, subject, priority, status name, requester
  name and email, assignee name, category name, and their 5 latest public replies with body and author name.
- W2: one ticket by number with its whole thread (what staff see: internal notes included).
- W3: add a public reply as a staff member (bench/write_set.py: the same rows in all three).
- W4: subject search ("printer"), first 25 open tickets, newest activity first.

Requests are templates: `@NUMBER@` becomes a ticket number and `@TOKEN@` the client's session token, in Python
(`render`) or in wrk's Lua (bench/load.py), so every request of a run is built the same way for each system.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.enums import Priority

OURS, POSTGRAPHILE, RAW = "ours", "postgraphile", "raw"
SYSTEMS = (OURS, POSTGRAPHILE, RAW)
SYSTEM_NAMES = {OURS: "our server", POSTGRAPHILE: "PostGraphile 4.14.1", RAW: "raw SQL endpoint"}
WORKLOADS = ("W1", "W2", "W3", "W4")
DESCRIPTIONS = {
    "W1": "queue page of 50 + people + 5 latest public replies",
    "W2": "one ticket by number + whole thread",
    "W3": "add a reply (reply, ticket bump, audit, outbox)",
    "W4": 'subject search "printer", first 25',
}
PAGE = 50
SEARCH = "printer"
SEARCH_PAGE = 25
REPLY_BODY = "Thanks, we are on it: a technician will come by this afternoon."

PERSON = "{ name email }"

# Our server's `Ticket.replies` takes no arguments today, so W1 fetches every reply and keeps five; once it takes
# `last` and `internal` (issue 8, point 2) the bench asks for five (`ours_replies_arguments`).
OURS_W1 = """query W1($first: Int!) { tickets(first: $first) { edges { node {
  number subject priority status { name } category { name } requester { name email } assignee { name }
  replies%s { body internal author { name } } } } } }"""
OURS_W2 = """query W2($number: Int!) { ticket(number: $number) {
  number subject description priority createdAt updatedAt status { name } category { name }
  requester { name email } assignee { name } replies { id body internal createdAt author { name } } } }"""
OURS_W3 = """mutation W3($input: AddReplyInput!) { addReply(input: $input) {
  reply { id body internal createdAt author { name } } errors { code field message } } }"""
OURS_W4 = """query W4($search: String!, $first: Int!) { tickets(first: $first, filter: {search: $search}) {
  edges { node { number subject priority status { name } updatedAt } } } }"""

NOT_CLOSED = 'status: {kind: {notEqualTo: "CLOSED"}}'
PGL_W1 = """query W1($first: Int!) {
  tickets(first: $first, orderBy: [UPDATED_AT_DESC, ID_DESC], filter: {NOT_CLOSED}) { nodes {
  number subject priority status { name } category { name } requester { name email } assignee { name }
  replies(first: 5, orderBy: [CREATED_AT_DESC, ID_DESC], condition: {internal: false},
          filter: {deletedAt: {isNull: true}}) { nodes { body author { name } } } } } }""".replace(
    "NOT_CLOSED", NOT_CLOSED
)
PGL_W2 = """query W2($number: Int!) { ticketByNumber(number: $number) {
  number subject description priority createdAt updatedAt status { name } category { name }
  requester { name email } assignee { name }
  replies(orderBy: [CREATED_AT_ASC, ID_ASC]) { nodes { id body internal createdAt author { name } } } } }"""
PGL_W3 = """mutation W3($input: AddReplyInput!) { addReply(input: $input) {
  reply { id body internal createdAt author { name } } } }"""
PGL_W4 = """query W4($search: String!, $first: Int!) {
  tickets(first: $first, orderBy: [UPDATED_AT_DESC, ID_DESC], filter: {subject: {includesInsensitive: $search},
          NOT_CLOSED}) { nodes { number subject priority status { name } updatedAt } } }""".replace(
    "NOT_CLOSED", NOT_CLOSED
)


@dataclass(frozen=True)
class RequestTemplate:
    path: str
    # JSON text with @NUMBER@ (a bare integer) and @TOKEN@ (inside a string) still to fill in.
    body: str
    # Whether the token goes into an Authorization header (PostGraphile's W3 takes it as an argument instead).
    bearer: bool


def _graphql(query: str, variables: dict[str, Any]) -> str:
    return json.dumps({"query": query, "variables": variables}, separators=(",", ":")).replace('"@NUMBER@"', "@NUMBER@")


def template(system: str, workload: str, *, ours_replies_arguments: str = "") -> RequestTemplate:
    number = "@NUMBER@"
    if system == OURS:
        queries: dict[str, tuple[str, dict[str, Any]]] = {
            "W1": (OURS_W1 % ours_replies_arguments, {"first": PAGE}),
            "W2": (OURS_W2, {"number": number}),
            "W3": (OURS_W3, {"input": {"number": number, "body": REPLY_BODY}}),
            "W4": (OURS_W4, {"search": SEARCH, "first": SEARCH_PAGE}),
        }
        query, variables = queries[workload]
        return RequestTemplate("/graphql", _graphql(query, variables), bearer=True)
    if system == POSTGRAPHILE:
        queries = {
            "W1": (PGL_W1, {"first": PAGE}),
            "W2": (PGL_W2, {"number": number}),
            "W3": (PGL_W3, {"input": {"token": "@TOKEN@", "number": number, "body": REPLY_BODY}}),
            "W4": (PGL_W4, {"search": SEARCH, "first": SEARCH_PAGE}),
        }
        query, variables = queries[workload]
        return RequestTemplate("/graphql", _graphql(query, variables), bearer=workload != "W3")
    bodies = {
        "W1": {"first": PAGE},
        "W2": {"number": number},
        "W3": {"number": number, "body": REPLY_BODY},
        "W4": {"search": SEARCH, "first": SEARCH_PAGE},
    }
    body = json.dumps(bodies[workload], separators=(",", ":")).replace('"@NUMBER@"', "@NUMBER@")
    return RequestTemplate(f"/{workload.lower()}", body, bearer=True)


def render(request: RequestTemplate, number: int, token: str) -> tuple[str, dict[str, str]]:
    """The body and headers of one request."""
    body = request.body.replace("@NUMBER@", str(number)).replace("@TOKEN@", token)
    headers = {"Content-Type": "application/json"}
    if request.bearer:
        headers["Authorization"] = f"Bearer {token}"
    return body, headers


# --- one shape for all three ---------------------------------------------------------------------------------


def _priority(value: Any) -> str:
    return Priority(value).name if isinstance(value, int) else str(value)


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _name(value: dict[str, Any] | None) -> str | None:
    return value["name"] if value else None


def _nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    if "nodes" in connection:
        return list(connection["nodes"])
    return [edge["node"] for edge in connection["edges"]]


def _reply_author(reply: dict[str, Any]) -> str | None:
    author = reply.get("author")
    return author if isinstance(author, str) or author is None else author["name"]


def _w1_ticket(ticket: dict[str, Any], system: str) -> dict[str, Any]:
    replies = ticket["replies"]
    if system == OURS:
        # Everything staff see, oldest first: keep the five latest public ones, like a client would.
        replies = [r for r in replies if not r["internal"] and r["body"] is not None][-5:]
    elif system == POSTGRAPHILE:
        replies = list(reversed(_nodes(replies)))
    return {
        "number": ticket["number"],
        "subject": ticket["subject"],
        "priority": _priority(ticket["priority"]),
        "status": _name(ticket["status"]) if isinstance(ticket["status"], dict) else ticket["status"],
        "category": _name(ticket["category"]) if isinstance(ticket["category"], dict) else ticket["category"],
        "requester": ticket["requester"],
        "assignee": _name(ticket["assignee"]),
        "replies": [{"body": r["body"], "author": _reply_author(r)} for r in replies],
    }


def _w2_ticket(ticket: dict[str, Any] | None, system: str) -> dict[str, Any] | None:
    if ticket is None:
        return None
    replies = _nodes(ticket["replies"]) if system == POSTGRAPHILE else ticket["replies"]
    return {
        "number": ticket["number"],
        "subject": ticket["subject"],
        "description": ticket["description"],
        "priority": _priority(ticket["priority"]),
        "createdAt": _moment(ticket["createdAt"]),
        "updatedAt": _moment(ticket["updatedAt"]),
        "status": _name(ticket["status"]) if isinstance(ticket["status"], dict) else ticket["status"],
        "category": _name(ticket["category"]) if isinstance(ticket["category"], dict) else ticket["category"],
        "requester": ticket["requester"],
        "assignee": _name(ticket["assignee"]),
        "replies": [
            {
                "id": int(r["id"]),
                "body": r["body"],
                "internal": r["internal"],
                "createdAt": _moment(r["createdAt"]),
                "author": _reply_author(r),
            }
            for r in replies
        ],
    }


def _w4_ticket(ticket: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": ticket["number"],
        "subject": ticket["subject"],
        "priority": _priority(ticket["priority"]),
        "status": _name(ticket["status"]) if isinstance(ticket["status"], dict) else ticket["status"],
        "updatedAt": _moment(ticket["updatedAt"]),
    }


class AnswerError(Exception):
    """The system answered with errors or without data."""


def normalise(system: str, workload: str, body: dict[str, Any]) -> Any:
    """The answer in the common shape; AnswerError when the answer carries an error."""
    if body.get("errors") or body.get("data") is None:
        raise AnswerError(json.dumps(body)[:500])
    data = body["data"]
    if system == RAW:
        root = data
    else:
        key = {"W1": "tickets", "W2": "ticket" if system == OURS else "ticketByNumber", "W3": "addReply",
               "W4": "tickets"}[workload]  # fmt: skip
        root = data[key]
    if workload == "W1":
        tickets = root if system == RAW else _nodes(root)
        return [_w1_ticket(t, system) for t in tickets]
    if workload == "W2":
        return _w2_ticket(root, system)
    if workload == "W3":
        if system == OURS and root["errors"]:
            raise AnswerError(json.dumps(root["errors"]))
        reply = root["reply"]
        return {"body": reply["body"], "internal": reply["internal"], "author": _reply_author(reply)}
    tickets = root if system == RAW else _nodes(root)
    return [_w4_ticket(t) for t in tickets]
