"""Every mutation that changes a ticket answers with the ticket, as the caller may see it (issue 7, point 6):
a client learns the new status and `reopened` flag without a second request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from tortoise import connections

from core import clock
from core.enums import Role, StatusKind
from models.replies import Reply
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from tests.conftest import QueryCounter
from tests.helpers import (
    ERRORS,
    Guest,
    Person,
    assert_query_refused,
    assert_refused,
    gql,
    gql_data,
    make_category,
    make_group,
    make_guest,
    make_person,
    make_ticket,
    status_of,
)

RESOLVED_AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
# What a guest may ask for of a ticket (resolvers/guests/fields.py), and what people with an account may ask for.
SEEN_BY_GUEST = "number status { kind } reopened resolutionNotes guestEmail replies { body internal }"
SEEN = f"{SEEN_BY_GUEST} requester {{ name }} assignee {{ name }} history {{ action }}"


def add_document(seen: str) -> str:
    return f"""mutation($i: AddReplyInput!) {{ addReply(input: $i) {{
  reply {{ id body }} ticket {{ {seen} }} {ERRORS} }} }}"""


def edit_document(seen: str) -> str:
    return f"""mutation($i: EditReplyInput!) {{ editReply(input: $i) {{
  reply {{ body }} ticket {{ {seen} }} {ERRORS} }} }}"""


def delete_document(seen: str) -> str:
    return f"""mutation($i: DeleteReplyInput!) {{ deleteReply(input: $i) {{
  reply {{ deleted }} ticket {{ {seen} }} {ERRORS} }} }}"""


def seen_by(who: Person | Guest) -> str:
    return SEEN_BY_GUEST if isinstance(who, Guest) else SEEN


ADD = add_document(SEEN)
NOTE = "Check the fuse first"


async def world(client: httpx.AsyncClient) -> dict[str, Any]:
    """An owner's ticket and a guest's ticket, both assigned to in-scope staff, each carrying an internal note."""
    category = await make_category("Hardware")
    staff = await make_person(Role.STAFF, name="Sam Staff")
    w: dict[str, Any] = {
        "admin": await make_person(Role.ADMIN),
        "staff": staff,
        "owner": await make_person(Role.USER, name="Olive Owner"),
    }
    await make_group("Desk", members=[staff], scope=[(category, None)])
    w["ticket"] = await make_ticket(category, requester=w["owner"], assignee=staff)
    w["guest"] = await make_guest(await make_ticket(category, assignee=staff), email="visitor@example.net")
    for ticket in (w["ticket"], w["guest"].ticket):
        await add(client, staff, ticket.number, NOTE, internal=True)
    return w


async def add(
    client: httpx.AsyncClient, who: Person | Guest, number: int | None, body: str, internal: bool = False
) -> dict[str, Any]:
    variables = {"i": {"number": number, "body": body, "internal": internal}}
    data = await gql_data(client, add_document(seen_by(who)), variables, who.token)
    payload: dict[str, Any] = data["addReply"]
    assert payload["errors"] == [], payload["errors"]
    return payload


async def test_a_requesters_reply_inside_the_window_returns_the_ticket_new_and_reopened(
    client: httpx.AsyncClient,
) -> None:
    category = await make_category()
    owner, staff = await make_person(Role.USER), await make_person(Role.STAFF)
    ticket = await make_ticket(category, requester=owner, assignee=staff, status=await status_of(StatusKind.RESOLVED))
    await Ticket.filter(id=ticket.id).update(resolved_at=RESOLVED_AT, resolution_notes="Replaced toner")
    clock.set_now(RESOLVED_AT + timedelta(days=2))
    payload = await add(client, owner, ticket.number, "Still broken")
    shown = payload["ticket"]
    assert (shown["number"], shown["status"], shown["reopened"]) == (ticket.number, {"kind": "NEW"}, True)
    assert shown["resolutionNotes"] == "Replaced toner"
    assert [r["body"] for r in shown["replies"]] == ["Still broken"]
    # The same answer a fresh read gives.
    fresh = await gql_data(client, "query($n: Int!) { ticket(number: $n) { status { kind } reopened } }",
                           {"n": ticket.number}, owner.token)  # fmt: skip
    assert fresh["ticket"] == {"status": {"kind": "NEW"}, "reopened": True}


async def test_a_staff_reply_on_a_resolved_ticket_returns_it_still_resolved(client: httpx.AsyncClient) -> None:
    category = await make_category()
    owner, admin = await make_person(Role.USER), await make_person(Role.ADMIN)
    ticket = await make_ticket(category, requester=owner, status=await status_of(StatusKind.RESOLVED))
    await Ticket.filter(id=ticket.id).update(resolved_at=clock.now())
    shown = (await add(client, admin, ticket.number, "FYI"))["ticket"]
    assert (shown["status"], shown["reopened"]) == ({"kind": "RESOLVED"}, False)


@pytest.mark.parametrize("who", ["admin", "staff", "owner", "guest"])
async def test_the_returned_ticket_shows_each_role_what_it_may_see(client: httpx.AsyncClient, who: str) -> None:
    w = await world(client)
    person = w[who]
    ticket = person.ticket if isinstance(person, Guest) else w["ticket"]
    shown = (await add(client, person, ticket.number, "Thanks"))["ticket"]
    assert shown["number"] == ticket.number
    if who in ("admin", "staff"):
        # Staff see the note and the whole history, replies included.
        assert shown["replies"] == [{"body": NOTE, "internal": True}, {"body": "Thanks", "internal": False}]
        assert [h["action"] for h in shown["history"]] == ["reply.created", "reply.created"]
    else:
        # A requester or guest never sees a note through the payload.
        assert shown["replies"] == [{"body": "Thanks", "internal": False}]
    if who == "guest":
        # Only guest fields (SEEN_BY_GUEST): their own email. Asking the payload for anyone's account or the
        # history refuses the whole mutation before it runs, so nothing is posted.
        assert shown["guestEmail"] == "visitor@example.net"
        for hidden, field in (("requester { name }", "Ticket.requester"), ("assignee { name }", "Ticket.assignee"),
                              ("history { action }", "Ticket.history")):  # fmt: skip
            document = add_document(f"{SEEN_BY_GUEST} {hidden}")
            refused = await gql(client, document, {"i": {"number": ticket.number, "body": "x"}}, person.token)
            assert_query_refused(refused, Reason.FIELD_NOT_ALLOWED, field)
        assert not await Reply.filter(ticket_id=ticket.id, body="x").exists()
    else:
        if who == "owner":
            assert shown["history"] == []  # reply entries are staff history
        assert (shown["requester"], shown["assignee"]) == ({"name": "Olive Owner"}, {"name": "Sam Staff"})
        assert shown["guestEmail"] is None


@pytest.mark.parametrize("who", ["owner", "guest"])
async def test_edit_and_delete_return_the_ticket_without_notes(client: httpx.AsyncClient, who: str) -> None:
    w = await world(client)
    person = w[who]
    ticket = person.ticket if isinstance(person, Guest) else w["ticket"]
    reply_id = (await add(client, person, ticket.number, "First try"))["reply"]["id"]
    seen = seen_by(person)
    edit = edit_document(seen)
    edited = await gql_data(client, edit, {"i": {"replyId": reply_id, "body": "Second try"}}, person.token)
    assert edited["editReply"]["ticket"]["replies"] == [{"body": "Second try", "internal": False}]
    deleted = await gql_data(client, delete_document(seen), {"i": {"replyId": reply_id}}, person.token)
    assert deleted["deleteReply"]["reply"] == {"deleted": True}
    assert deleted["deleteReply"]["ticket"]["replies"] == []
    if who == "guest":
        assert deleted["deleteReply"]["ticket"]["guestEmail"] == "visitor@example.net"
    else:
        assert deleted["deleteReply"]["ticket"]["assignee"] == {"name": "Sam Staff"}


async def test_a_refused_reply_returns_no_ticket(client: httpx.AsyncClient) -> None:
    w = await world(client)
    data = await gql_data(client, ADD, {"i": {"number": w["ticket"].number, "body": " "}}, w["owner"].token)
    assert data["addReply"]["ticket"] is None and data["addReply"]["reply"] is None
    assert_refused(data["addReply"], Reason.REQUIRED, "body")


TICKET_MUTATIONS = [
    "createTicket", "updateTicket", "changeStatus", "resolveTicket", "reopenTicket", "addReply", "editReply",
    "deleteReply", "submitGuestTicket",
]  # fmt: skip
PAYLOAD_FIELDS = """{ __schema { mutationType { fields { name
  type { ofType { name fields { name type { name kind } } } } } } } }"""


async def test_every_mutation_that_changes_a_ticket_has_it_in_its_payload(client: httpx.AsyncClient) -> None:
    data = await gql_data(client, PAYLOAD_FIELDS)
    payloads = {f["name"]: f["type"]["ofType"] for f in data["__schema"]["mutationType"]["fields"]}
    for name in TICKET_MUTATIONS:
        fields = {f["name"]: f["type"] for f in payloads[name]["fields"]}
        assert fields.get("ticket") == {"name": "Ticket", "kind": "OBJECT"}, name


@pytest.mark.parametrize(
    ("name", "extra", "role"),
    [("addReply", {"body": "Hi"}, "owner"), ("resolveTicket", {}, "admin")],
    ids=["addReply", "resolveTicket"],
)
async def test_the_returned_ticket_costs_no_statement_of_its_own(
    client: httpx.AsyncClient, count_queries: QueryCounter, name: str, extra: dict[str, Any], role: str
) -> None:
    """The payload reuses the ticket the mutation wrote; only the relations a client selects are read."""
    category = await make_category()
    people = {"owner": await make_person(Role.USER), "admin": await make_person(Role.ADMIN)}
    first, second = [await make_ticket(category, requester=people["owner"]) for _ in range(2)]
    kind = name[0].upper() + name[1:] + "Input"

    async def statements(ticket: Ticket, selection: str) -> int:
        document = f"mutation($i: {kind}!) {{ {name}(input: $i) {{ {selection} errors {{ code }} }} }}"
        count_queries.statements.clear()
        data = await gql_data(client, document, {"i": {"number": ticket.number, **extra}}, people[role].token)
        assert data[name]["errors"] == []
        return count_queries.count

    without = await statements(first, "")
    assert await statements(second, "ticket { number reopened updatedAt }") == without, count_queries.statements
    # Nothing reads the ticket again once the change has written it.
    writes = [i for i, sql in enumerate(count_queries.statements) if sql.startswith('UPDATE "tickets"')]
    assert writes, count_queries.statements
    assert not [sql for sql in count_queries.statements[writes[-1] :] if 'FROM "tickets"' in sql]


# createTicket once read its new ticket back by `number = <id>`. That held only while numbers equal ids, which
# the model keeps apart on purpose (imports keep their numbers). A trigger makes the database assign other
# numbers, as an import-aware numbering would, so the two differ and a lookup by the wrong key shows.
_RENUMBER = {
    "sqlite": [
        "CREATE TRIGGER renumber_for_test AFTER UPDATE OF number ON tickets WHEN NEW.number = NEW.id "
        "BEGIN UPDATE tickets SET number = NEW.id + 1000 WHERE id = NEW.id; END",
    ],
    "postgres": [
        "CREATE FUNCTION renumber_for_test() RETURNS trigger AS $$ BEGIN "
        "IF NEW.number = NEW.id THEN NEW.number := NEW.id + 1000; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER renumber_for_test BEFORE UPDATE OF number ON tickets FOR EACH ROW "
        "EXECUTE FUNCTION renumber_for_test()",
    ],
}
_UNRENUMBER = {
    "sqlite": ["DROP TRIGGER renumber_for_test"],
    "postgres": ["DROP TRIGGER renumber_for_test ON tickets", "DROP FUNCTION renumber_for_test()"],
}
CREATE = """mutation($i: CreateTicketInput!) { createTicket(input: $i) {
  ticket { id number subject } errors { code field message } } }"""


async def test_create_ticket_answers_with_the_new_ticket_when_numbers_are_not_ids(
    client: httpx.AsyncClient, db: str
) -> None:
    category = await make_category()
    owner = await make_person(Role.USER)
    conn = connections.get(db)
    for statement in _RENUMBER[db]:
        await conn.execute_script(statement)
    try:
        data = await gql_data(client, CREATE, {"i": {"subject": "Screen flickers", "description": "Since Monday",
                                                     "categoryId": str(category.id)}}, owner.token)  # fmt: skip
    finally:
        for statement in _UNRENUMBER[db]:
            await conn.execute_script(statement)
    stored = await Ticket.get(subject="Screen flickers")
    assert stored.number == stored.id + 1000  # the trigger did its part
    assert data["createTicket"]["errors"] == []
    shown = data["createTicket"]["ticket"]
    assert shown == {"id": str(stored.id), "number": stored.number, "subject": "Screen flickers"}
