"""Planned execution (schema/planned.py) and the direct path of known documents (schema/known_documents.py) answer
exactly what standard execution answers: the same status and the same response bytes (data and errors), for every
role, for fixed documents and for generated ones. Each request runs against two apps on the same data, one
planning (the server's) and one with planning off; the server's app gets each request twice, so the second (and
every later role's) takes the direct path once the first answered the document without an error."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from core.enums import LinkType, Priority, Role, StatusKind
from models.attachments import Attachment
from models.links import TicketLink
from models.replies import Reply
from models.settings import Setting
from models.sla import SlaPolicy
from models.tickets import Ticket
from models.views import SavedView
from resolvers.tickets.links import REVERSE
from schema import known_documents, planned
from server.app import create_app
from tests.helpers import (
    ascii_gql,
    make_category,
    make_group,
    make_guest,
    make_person,
    make_ticket,
    make_type,
    status_of,
)

USER = "id name email role disabled createdAt lastLoginAt __typename"
TICKET = f"""number subject description descriptionHtml priority reopened createdAt updatedAt resolvedAt guestEmail
  status {{ id name kind color sortOrder pausesSla }} category {{ id name archived }} type {{ name }} item {{ name }}
  requester {{ {USER} }} assignee {{ name email }} assignedGroup {{ id name }}
  replies {{ id body bodyHtml internal deleted createdAt editedAt guestEmail author {{ {USER} }} }}"""
DOCUMENTS = {
    "queue": "query { tickets(first: 30) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
    f" edges {{ cursor node {{ {TICKET} }} }} }} }}",
    "w1": """query { tickets(first: 50) { edges { node { number subject priority status { name }
      requester { name email } assignee { name } category { name }
      replies(last: 5, internal: false) { body author { name } } } } } }""",
    "windows": """query($n: Int) { tickets { edges { node { a: replies(first: 2) { id } b: replies(last: $n) { id }
      notes: replies(internal: true) { id body } public: replies(internal: false, last: 1) { body } } } } }""",
    "bad window": "query { tickets { edges { node { number replies(first: 1, last: 1) { id } } } } }",
    "negative": "query { tickets { edges { node { number replies(last: -1) { id } } } } }",
    "one": f"query($number: Int!) {{ ticket(number: $number) {{ {TICKET} history {{ action actor {{ name }} }} }} }}",
    "fragments": """query($number: Int!) { ticket(number: $number) { ...T ... on Ticket { subject } } }
      fragment T on Ticket { number x: subject status { ...S } requester { name } }
      fragment S on Status { name kind }""",
    "groups": "query { tickets { edges { node { number requester { groups { name } }"
    " assignedGroup { members { name } } } } } }",
    "directive": "query($more: Boolean!) { tickets { edges { node { number subject @include(if: $more) } } } }",
    "search": """query { tickets(first: 25, filter: {search: "printer"}) {
      edges { node { number subject priority updatedAt status { name } } } } }""",
    "missing": "query { ticket(number: 999999) { number } }",
    "counts": """query { s: ticketCounts(groupBy: STATUS) { key label count }
      a: ticketCounts(groupBy: ASSIGNEE, filter: {search: "printer"}) { key label count }
      d: ticketCounts(groupBy: CREATED_DAY) { key count __typename } }""",
    "number": """query { tickets(filter: {search: "#2"}) { totalCount edges { cursor node { number } } } }""",
    "links": """query { tickets(first: 30) { edges { node { number links { type number subject linkedAt
      status { name kind } } parent { number subject status { name } } children { type number } } } } }""",
    "one's links": """query($number: Int!) { ticket(number: $number) { number links { type number }
      parent { number } children { number } } }""",
    "typename": "query { __typename tickets { __typename edges { __typename node { __typename number } } } }",
    "views": "query { savedViews { id name shared mine filter sort createdAt owner { name }"
    " problems { field reason message } } }",
    "queue of a view": """query($view: ID) { tickets(view: $view, filter: {search: "printer"}) { totalCount
      edges { node { number subject status { name } assignee { name } } } } }""",
    "attachments": """query($number: Int!) { ticket(number: $number) { attachments { id filename contentType size
      sha256 replyId createdAt downloadUrl } replies { id attachments { id filename } } } }""",
    "queue attachments": """query { tickets(first: 10) { edges { node { number attachments { id filename }
      replies(last: 2) { attachments { id replyId } } } } } }""",
    "sla": """query { tickets(first: 30, sort: SLA_DUE) { edges { node { number sla { policy { name priority
      firstResponseMinutes category { name } } responseDueAt resolutionDueAt firstResponseAt state pausedSince }
      } } } }""",
    # A dry run changes nothing, so both apps answer it on the same data.
    "bulk dry run": """mutation { bulkUpdateTickets(input: {numbers: [1, 2, 3, 4, 5, 6, 7, 999], priority: LOW,
      dryRun: true}) { dryRun results { number outcome errors { code reason field message }
      ticket { number priority status { name } assignee { name } assignedGroup { name } } }
      errors { reason } } }""",
}
VARIABLES = {"n": 2, "more": True}


@pytest.fixture(scope="module")
def standard_app() -> Any:
    return create_app(manage_db=False, planned=False)


@pytest.fixture
async def standard(db: str, standard_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=standard_app), base_url="http://testserver") as http:
        yield http


async def roles() -> tuple[dict[str, str | None], int]:
    """The role matrix on one desk: tickets with replies, notes, a deleted reply, a guest ticket; returns each
    role's token and a ticket number everybody but the other user may open (the guest's)."""
    category, other = await make_category("Hardware"), await make_category("Software")
    staff, outsider = await make_person(Role.STAFF, name="Sam"), await make_person(Role.STAFF, name="Out")
    admin, owner, stranger = await make_person(Role.ADMIN), await make_person(name="Olive"), await make_person()
    group = await make_group("Desk", members=[staff], scope=[(category, None), (other, await make_type(other))])
    for i in range(6):
        ticket = await make_ticket(
            category if i % 2 else other, requester=owner, assignee=staff if i % 3 else None,
            group=group if i == 4 else None, priority=list(Priority)[i % 4], subject=f"Printer {i}",
            status=await status_of(StatusKind.RESOLVED if i == 5 else StatusKind.NEW),
        )  # fmt: skip
        for r in range(4):
            await Reply.create(ticket=ticket, author=(staff if r % 2 else owner).user, body=f"**r{r}** of {i}",
                               internal=r == 2)  # fmt: skip
        await Reply.filter(ticket_id=ticket.id, body__startswith="**r3**").update(deleted_at=ticket.created_at)
    await _sla_data(category)
    guest = await make_guest(await make_ticket(category, subject="Guest printer"), email="g@example.net")
    # A shared view whose group was deleted: savedViews shows the problem.
    gone = await make_group("Gone")
    await SavedView.create(owner=admin.user, name="Team", shared=True, sort="PRIORITY",
                           filters={"priorities": ["HIGH", "LOW"], "group_ids": [str(gone.id)]})  # fmt: skip
    await gone.delete()
    reply = await Reply.create(ticket=guest.ticket, guest_email="g@example.net", body="from the guest")
    note = await Reply.create(ticket=guest.ticket, author=staff.user, body="note", internal=True)
    for n, reply_id in enumerate([None, reply.id, note.id]):
        await Attachment.create(ticket=guest.ticket, reply_id=reply_id, filename=f"f{n}.txt", content_type="text/plain",
                                size=n, sha256="0" * 64, storage_name=f"{n:064x}")  # fmt: skip
    # Links: a parent with two children, a cause, and a link to another requester's ticket (hidden from the owner).
    stranger_ticket = await make_ticket(category, requester=stranger, subject="Stranger's printer")
    first = ticket.id - 5
    for source, target, kind in ((first, first + 1, LinkType.PARENT_OF), (first, first + 2, LinkType.PARENT_OF),
                                 (first + 3, first, LinkType.CAUSES), (first, stranger_ticket.id, LinkType.RELATED_TO),
                                 (first + 4, guest.ticket.id, LinkType.DUPLICATE_OF)):  # fmt: skip
        await TicketLink.create(source_id=source, target_id=target, type=kind)
        await TicketLink.create(source_id=target, target_id=source, type=REVERSE[kind])
    tokens = {
        "admin": admin.token, "staff in scope": staff.token, "staff out of scope": outsider.token,
        "owner": owner.token, "other user": stranger.token, "guest": guest.token, "anonymous": None,
    }  # fmt: skip
    return tokens, guest.ticket.number or 0


async def _sla_data(category: Any) -> None:
    """SLA on, and clocks on every other ticket: one breached, the others far from any boundary."""
    await Setting.create(key="sla_enabled", value=True)
    policy = await SlaPolicy.create(name="Standard", category=category, first_response_minutes=60,
                                    resolution_minutes=600, match_key="-:1")  # fmt: skip
    now = datetime.now(UTC)
    ids = await Ticket.all().order_by("id").values_list("id", flat=True)
    for i, ticket_id in enumerate(ids[::2]):
        due = now + timedelta(days=i - 1)
        await Ticket.filter(id=ticket_id).update(
            sla_policy_id=policy.id, sla_response_minutes=60, sla_resolution_minutes=600, response_due_at=due,
            resolution_due_at=due, sla_warn_at=due, sla_breach_at=due, sla_due_at=due,
            sla_paused_since=now if i == 2 else None,
        )  # fmt: skip


async def both(
    planning: httpx.AsyncClient, standard: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None
) -> tuple[Any, Any]:
    """The server's answer and the standard one, after checking that the server answers the same bytes twice
    (the second time by the direct path when the document is known by then)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"query": query, "variables": variables}
    first = await planning.post("/graphql", json=body, headers=headers)
    again = await planning.post("/graphql", json=body, headers=headers)
    second = await standard.post("/graphql", json=body, headers=headers)
    assert first.status_code == again.status_code == second.status_code == 200
    assert first.content == again.content
    assert first.headers == again.headers
    return first.json(), second.json()


async def test_fixed_documents_answer_alike_for_every_role(
    client: httpx.AsyncClient, standard: httpx.AsyncClient
) -> None:
    tokens, number = await roles()
    before, direct = planned.counts["planned"], known_documents.counts["direct"]
    for name, query in DOCUMENTS.items():
        for role, token in tokens.items():
            variables = {**VARIABLES, "number": number, "view": str((await SavedView.get(name="Team")).id)}
            got, expected = await both(client, standard, query, variables, token)
            assert got == expected, (name, role)
    # Not vacuous: the plans ran (the queue, the thread and the search plan for every role with an account), and
    # the direct path answered most requests after the first of each document.
    assert planned.counts["planned"] - before >= 5 * 5
    assert known_documents.counts["direct"] - direct >= 10 * 5


async def test_known_documents_still_refuse_what_each_request_brings(
    client: httpx.AsyncClient, standard: httpx.AsyncClient
) -> None:
    """The checks the direct path repeats per request: the guest field gate (a document an admin made known asks
    for fields guests may not see), the lone-surrogate guard (variables), variables that do not coerce, a
    resolver's refusal, and a mutation (never known: each one runs the standard way)."""
    tokens, number = await roles()
    search = "query($s: String) { tickets(first: 5, filter: {search: $s}) { edges { node { number } } } }"
    for query, variables in [(DOCUMENTS["one"], {"number": number}), (search, {"s": "printer"})]:
        await both(client, standard, query, variables, tokens["admin"])  # known now
        for role, token in tokens.items():
            got, expected = await both(client, standard, query, variables, token)
            assert got == expected, (query, role)
    # The guest may open its ticket but not ask for its requester's account or the history.
    refused, _ = await both(client, standard, DOCUMENTS["one"], {"number": number}, tokens["guest"])
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # A lone surrogate in the variables of a known document, even one no resolver reads (the field is skipped):
    # refused before anything runs, as before.
    skipped = "query($s: String, $go: Boolean!) { tickets(filter: {search: $s}) @include(if: $go) { totalCount } }"
    await both(client, standard, skipped, {"s": "a", "go": False}, tokens["admin"])
    for http in (client, standard):
        for query, variables in [(search, {"s": "\ud800"}), (skipped, {"s": "\ud800", "go": False})]:
            body = await ascii_gql(http, query, variables, tokens["admin"])
            (error,) = body["errors"]
            assert (error["extensions"]["reason"], body["data"]) == ("INVALID_UNICODE", None)
    # Variables that do not coerce, and a number nobody may open: the standard path's errors, byte for byte.
    for variables in ({"s": 5}, {"s": ["a"]}):
        got, expected = await both(client, standard, search, variables, tokens["admin"])
        assert got == expected and got["errors"]
    # A known document whose resolver refuses this time (a negative window), and one that finds nothing.
    await both(client, standard, DOCUMENTS["windows"], {"n": 2}, tokens["admin"])
    got, expected = await both(client, standard, DOCUMENTS["windows"], {"n": -1}, tokens["admin"])
    assert got == expected and got["errors"]
    got, expected = await both(client, standard, DOCUMENTS["one"], {"number": 999_999}, tokens["admin"])
    assert got == expected == {"data": {"ticket": None}}
    mutation = "mutation { logout { __typename } }"
    standard_runs = known_documents.counts["direct"]
    await both(client, standard, mutation, {}, None)
    assert known_documents.counts["direct"] == standard_runs


def generated(seed: int) -> str:
    """A random selection of a ticket's fields, relations and replies, with aliases and a fragment."""
    pick = random.Random(seed)
    leaves = ["number", "subject", "priority", "reopened", "createdAt", "guestEmail", "descriptionHtml", "__typename"]
    relations = {
        "status": ["name", "kind", "id"], "category": ["name", "id"], "type": ["name"], "item": ["name"],
        "requester": ["name", "email", "role", "lastLoginAt"], "assignee": ["name", "email"],
        "assignedGroup": ["name"], "links": ["type", "number", "subject", "linkedAt"], "parent": ["number"],
        "children": ["type", "number"],
    }  # fmt: skip
    parts = pick.sample(leaves, pick.randint(1, 4))
    for relation in pick.sample(sorted(relations), pick.randint(0, 4)):
        alias = f"{relation}Alias: " if pick.random() < 0.3 else ""
        fields = pick.sample(relations[relation], pick.randint(1, min(2, len(relations[relation]))))
        parts.append(f"{alias}{relation} {{ {' '.join(fields)} }}")
    if pick.random() < 0.7:
        window = pick.choice(["", "(first: 1)", "(last: 3)", "(internal: false)", "(last: 2, internal: true)"])
        author = " author { name email }" if pick.random() < 0.6 else ""
        parts.append(f"replies{window} {{ body internal deleted{author} }}")
    fragment = pick.random() < 0.4
    node = "...F" if fragment else " ".join(parts)
    query = f"query {{ tickets(first: {pick.randint(1, 10)}) {{ edges {{ node {{ {node} }} }} }} }}"
    return query + (f" fragment F on Ticket {{ {' '.join(parts)} }}" if fragment else "")


async def test_generated_documents_answer_alike_for_every_role(
    client: httpx.AsyncClient, standard: httpx.AsyncClient
) -> None:
    tokens, _ = await roles()
    for seed in range(25):
        query = generated(seed)
        for role, token in tokens.items():
            got, expected = await both(client, standard, query, {}, token)
            assert got == expected, (seed, role, query)
