"""Links between tickets (SPEC 5) through GraphQL: both directions together, the refusals, who may link and who
sees which links, and opposite links made at the same moment on PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import httpx
import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from core.enums import LinkType, Role, StatusKind
from models.audit import AuditEntry
from models.links import TicketLink
from models.outbox import OutboxMessage
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from resolvers.tickets.links import REVERSE
from resolvers.tickets.locked import TREE_LOCK_KEY
from tests.helpers import (
    ERRORS,
    STAFF_CHANGE_OUTCOMES,
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
    mutation_outcome,
    status_of,
)

LINK = f"""mutation($i: LinkTicketsInput!) {{ linkTickets(input: $i) {{
  ticket {{ number links {{ type number }} }} {ERRORS} }} }}"""
UNLINK = f"""mutation($i: UnlinkTicketsInput!) {{ unlinkTickets(input: $i) {{
  ticket {{ number links {{ type number }} }} {ERRORS} }} }}"""
LINKS = """query($n: Int!) { ticket(number: $n) { number links { type number subject status { kind } linkedAt }
  parent { type number } children { type number } } }"""

ROLES = ["admin", "staff_in_scope", "staff_out_of_scope", "owner", "other_user", "guest", "anonymous"]


async def link(client: httpx.AsyncClient, token: str, a: int, b: int, kind: str = "RELATED_TO") -> dict[str, Any]:
    data = await gql_data(client, LINK, {"i": {"number": a, "otherNumber": b, "type": kind}}, token)
    payload: dict[str, Any] = data["linkTickets"]
    return payload


async def links_of(client: httpx.AsyncClient, token: str, number: int) -> dict[str, Any] | None:
    ticket: dict[str, Any] | None = (await gql_data(client, LINKS, {"n": number}, token))["ticket"]
    return ticket


async def trail() -> tuple[int, int, int]:
    """What a refused change must not have written: link rows, audit rows, outbox rows."""
    return await TicketLink.all().count(), await AuditEntry.all().count(), await OutboxMessage.all().count()


async def desk() -> tuple[dict[str, Person | Guest | None], list[Ticket]]:
    """Staff in a group scoped to Hardware, one staff member in no group, an owner with two Hardware tickets, another
    user with a Software ticket (nobody's scope), and a guest on a Hardware guest ticket."""
    hardware, software = await make_category("Hardware"), await make_category("Software")
    people: dict[str, Person | Guest | None] = {
        "admin": await make_person(Role.ADMIN),
        "staff_in_scope": await make_person(Role.STAFF),
        "staff_out_of_scope": await make_person(Role.STAFF),
        "owner": await make_person(Role.USER),
        "other_user": await make_person(Role.USER),
        "anonymous": None,
    }
    await make_group("Desk", members=[people["staff_in_scope"]], scope=[(hardware, None)])  # type: ignore[list-item]
    tickets = [
        await make_ticket(hardware, requester=people["owner"], subject="Printer jams"),  # type: ignore[arg-type]
        await make_ticket(hardware, requester=people["owner"], subject="Toner low"),  # type: ignore[arg-type]
        await make_ticket(software, requester=people["other_user"], subject="VPN drops"),  # type: ignore[arg-type]
    ]
    people["guest"] = await make_guest(await make_ticket(hardware, subject="Guest printer"))
    return people, tickets


def token_of(people: dict[str, Person | Guest | None], who: str) -> str | None:
    person = people[who]
    return person.token if person else None


async def test_a_link_appears_on_both_tickets_and_unlinking_either_side_removes_both(
    client: httpx.AsyncClient,
) -> None:
    people, (a, b, _) = await desk()
    staff = people["staff_in_scope"]
    assert staff
    payload = await link(client, staff.token, a.number or 0, b.number or 0, "PARENT_OF")
    assert payload["errors"] == []
    assert payload["ticket"] == {"number": a.number, "links": [{"type": "PARENT_OF", "number": b.number}]}

    seen_a, seen_b = (
        await links_of(client, staff.token, a.number or 0),
        await links_of(client, staff.token, b.number or 0),
    )
    assert seen_a and seen_b
    assert [(x["type"], x["number"], x["subject"], x["status"]["kind"]) for x in seen_a["links"]] == [
        ("PARENT_OF", b.number, "Toner low", "NEW")
    ]
    assert (seen_a["parent"], seen_a["children"]) == (None, [{"type": "PARENT_OF", "number": b.number}])
    assert [(x["type"], x["number"]) for x in seen_b["links"]] == [("CHILD_OF", a.number)]
    assert (seen_b["parent"], seen_b["children"]) == ({"type": "CHILD_OF", "number": a.number}, [])
    # Both rows, both audit entries and both events (one per ticket, as seen from it).
    assert await TicketLink.all().count() == 2
    entries = await AuditEntry.filter(action="link.created").order_by("ticket_id").values("ticket_id", "after")
    assert entries == [
        {"ticket_id": a.id, "after": {"type": "PARENT_OF", "number": b.number}},
        {"ticket_id": b.id, "after": {"type": "CHILD_OF", "number": a.number}},
    ]
    events = await OutboxMessage.filter(topic="ticket.linked").order_by("ticket_id").values(
        "channel", "ticket_id", "payload"
    )
    assert events == [
        {"channel": "event", "ticket_id": a.id, "payload": {"number": a.number, "otherNumber": b.number,
                                                            "type": "PARENT_OF"}},
        {"channel": "event", "ticket_id": b.id, "payload": {"number": b.number, "otherNumber": a.number,
                                                            "type": "CHILD_OF"}},
    ]  # fmt: skip

    # Unlinked from the child's side: both directions go.
    body = await gql_data(client, UNLINK, {"i": {"number": b.number, "otherNumber": a.number}}, staff.token)
    assert body["unlinkTickets"] == {"ticket": {"number": b.number, "links": []}, "errors": []}
    for number in (a.number, b.number):
        seen = await links_of(client, staff.token, number or 0)
        assert seen and (seen["links"], seen["parent"], seen["children"]) == ([], None, [])
    assert await TicketLink.all().count() == 0
    removed = await AuditEntry.filter(action="link.removed").order_by("ticket_id").values("ticket_id", "before")
    assert removed == [
        {"ticket_id": a.id, "before": {"type": "PARENT_OF", "number": b.number}},
        {"ticket_id": b.id, "before": {"type": "CHILD_OF", "number": a.number}},
    ]
    unlinked = await OutboxMessage.filter(topic="ticket.unlinked").order_by("ticket_id").values("ticket_id", "payload")
    assert unlinked == [
        {"ticket_id": a.id, "payload": {"number": a.number, "otherNumber": b.number, "type": "PARENT_OF"}},
        {"ticket_id": b.id, "payload": {"number": b.number, "otherNumber": a.number, "type": "CHILD_OF"}},
    ]


@pytest.mark.parametrize("kind", list(LinkType))
async def test_every_type_reads_as_its_reverse_from_the_other_ticket(client: httpx.AsyncClient, kind: LinkType) -> None:
    people, (a, b, _) = await desk()
    admin = people["admin"]
    assert admin
    assert (await link(client, admin.token, a.number or 0, b.number or 0, kind.value))["errors"] == []
    seen = await links_of(client, admin.token, b.number or 0)
    assert seen and [x["type"] for x in seen["links"]] == [REVERSE[kind].value]


async def test_refusals_name_their_rule_and_leave_nothing(client: httpx.AsyncClient) -> None:
    people, (a, b, c) = await desk()
    admin = people["admin"]
    assert admin
    assert (await link(client, admin.token, a.number or 0, b.number or 0, "RELATED_TO"))["errors"] == []
    before = await trail()
    cases = [
        ((a.number, a.number, "RELATED_TO"), Reason.LINK_TO_ITSELF, "otherNumber"),
        # A second link between the same two tickets, of any type and from either side.
        ((a.number, b.number, "CAUSES"), Reason.ALREADY_LINKED, "otherNumber"),
        ((b.number, a.number, "RELATED_TO"), Reason.ALREADY_LINKED, "otherNumber"),
        ((999_999, c.number, "RELATED_TO"), Reason.TICKET_NOT_FOUND, "number"),
        ((a.number, 999_999, "RELATED_TO"), Reason.TICKET_NOT_FOUND, "otherNumber"),
    ]
    for (number, other, kind), reason, field in cases:
        assert_refused(await link(client, admin.token, number or 0, other or 0, kind), reason, field)
    body = await gql_data(client, UNLINK, {"i": {"number": a.number, "otherNumber": c.number}}, admin.token)
    assert_refused(body["unlinkTickets"], Reason.LINK_NOT_FOUND, "otherNumber")
    assert await trail() == before


async def test_a_parent_cycle_of_any_length_is_refused(client: httpx.AsyncClient) -> None:
    people, (a, b, c) = await desk()
    admin = people["admin"]
    assert admin
    token = admin.token
    # A parent of B parent of C.
    assert (await link(client, token, a.number or 0, b.number or 0, "PARENT_OF"))["errors"] == []
    assert (await link(client, token, c.number or 0, b.number or 0, "CHILD_OF"))["errors"] == []
    before = await trail()
    # C parent of A, said either way round, closes the cycle.
    assert_refused(
        await link(client, token, c.number or 0, a.number or 0, "PARENT_OF"), Reason.LINK_CYCLE, "otherNumber"
    )
    assert_refused(
        await link(client, token, a.number or 0, c.number or 0, "CHILD_OF"), Reason.LINK_CYCLE, "otherNumber"
    )
    # A second parent for C (one parent per ticket: `parent` reads a tree).
    assert_refused(
        await link(client, token, a.number or 0, c.number or 0, "PARENT_OF"), Reason.HAS_PARENT, "otherNumber"
    )
    assert await trail() == before
    # Other kinds of link between them are no cycle.
    assert (await link(client, token, c.number or 0, a.number or 0, "CAUSED_BY"))["errors"] == []
    tree = await links_of(client, token, b.number or 0)
    assert tree and (tree["parent"]["number"], [x["number"] for x in tree["children"]]) == (a.number, [c.number])


LINK_EXPECTED = STAFF_CHANGE_OUTCOMES


@pytest.mark.parametrize("who", ROLES)
async def test_link_and_unlink_matrix(client: httpx.AsyncClient, who: str) -> None:
    people, (a, _, c) = await desk()
    person = people[who]
    # From a Hardware ticket (the scoped staff member's) to a Software one (nobody's scope): staff may link from a
    # ticket they may change to any ticket they may open. A guest tries from their own ticket.
    number = person.ticket.number if isinstance(person, Guest) else a.number
    variables = {"i": {"number": number, "otherNumber": c.number, "type": "DUPLICATE_OF"}}
    body = await gql(client, LINK, variables, token_of(people, who))
    assert mutation_outcome(body, "linkTickets") == LINK_EXPECTED[who]
    assert await TicketLink.all().count() == (2 if LINK_EXPECTED[who] is None else 0)

    admin = people["admin"]
    assert admin
    if LINK_EXPECTED[who] is not None:
        await link(client, admin.token, number or 0, c.number or 0, "DUPLICATE_OF")
    body = await gql(client, UNLINK, {"i": {"number": number, "otherNumber": c.number}}, token_of(people, who))
    assert mutation_outcome(body, "unlinkTickets") == LINK_EXPECTED[who]
    assert await TicketLink.all().count() == (0 if LINK_EXPECTED[who] is None else 2)


async def test_staff_may_not_link_from_a_ticket_outside_their_scope(client: httpx.AsyncClient) -> None:
    people, (a, _, c) = await desk()
    staff = people["staff_in_scope"]
    assert staff
    payload = await link(client, staff.token, c.number or 0, a.number or 0, "CAUSES")
    assert_refused(payload, Reason.OUT_OF_SCOPE, "number")
    assert await TicketLink.all().count() == 0


# Which of A's links (to B, the owner's other ticket, and to C, another user's) each viewer sees on ticket A; None:
# A itself is out of sight. The guest's ticket is linked to A as well, so staff see three.
SEES = {
    "admin": ["B", "C", "G"],
    "staff_in_scope": ["B", "C", "G"],
    "staff_out_of_scope": ["B", "C", "G"],
    "owner": ["B"],
    "other_user": None,
}


@pytest.mark.parametrize("who", ROLES)
async def test_who_sees_which_links(client: httpx.AsyncClient, who: str) -> None:
    people, (a, b, c) = await desk()
    admin, guest = people["admin"], people["guest"]
    assert isinstance(admin, Person) and isinstance(guest, Guest)
    for other in (b, c, guest.ticket):
        assert (await link(client, admin.token, a.number or 0, other.number or 0, "RELATED_TO"))["errors"] == []
    names = {b.number: "B", c.number: "C", guest.ticket.number: "G"}
    token = token_of(people, who)
    if who in ("guest", "anonymous"):
        # A guest may not ask for links at all, even on their own (linked) ticket; anonymous callers see no ticket.
        number = guest.ticket.number if who == "guest" else a.number
        body = await gql(client, "query($n: Int!) { ticket(number: $n) { links { number } } }", {"n": number}, token)
        expected = (
            ("Ticket.links", Reason.FIELD_NOT_ALLOWED) if who == "guest" else ("Query.ticket", Reason.SIGN_IN_REQUIRED)
        )
        assert_query_refused(body, expected[1], expected[0])
        return
    assert token
    seen = await links_of(client, token, a.number or 0)
    assert (None if seen is None else [names[x["number"]] for x in seen["links"]]) == SEES[who]
    # The queue shows the same links as the ticket.
    queue = await gql_data(client, "{ tickets { edges { node { number links { number } } } } }", token=token)
    for edge in queue["tickets"]["edges"]:
        if edge["node"]["number"] == a.number:
            assert [names[x["number"]] for x in edge["node"]["links"]] == SEES[who]
    if who == "other_user":
        # On their own ticket C, the link to A (not theirs) stays hidden.
        mine = await links_of(client, token, c.number or 0)
        assert mine and mine["links"] == []


def named(body: dict[str, Any]) -> str:
    reason = mutation_outcome(body, "linkTickets")
    return reason.name if reason else "linked"


async def _wait_for_waiters(backend: str, waiting: int) -> None:
    """Until `waiting` transactions wait on a lock (bounded polling, not a timed assertion)."""
    conn = connections.get(backend)
    for _ in range(1000):
        # This database's sessions only: other test runs may share the server.
        rows = await conn.execute_query_dict(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if rows[0]["n"] >= waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{waiting} requests never waited for the lock")


async def _at_once(
    client: httpx.AsyncClient, db: str, lock_sql: str, *requests: tuple[str, dict[str, Any], str]
) -> list[dict[str, Any]]:
    """Send the requests together while a transaction holds what they lock (PostgreSQL: `lock_sql`), so that each
    of them is inside its own transaction, waiting, when the holder lets go. SQLite has one writer: together is
    one after the other there."""
    if db != "postgres":
        return list(await asyncio.gather(*(gql(client, q, v, t) for q, v, t in requests)))
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with in_transaction() as conn:
            await conn.execute_query(lock_sql)
            holding.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await holding.wait()
    sent = [asyncio.create_task(gql(client, q, v, t)) for q, v, t in requests]
    try:
        await _wait_for_waiters(db, len(requests))
    finally:
        release.set()
        await holder
        bodies = list(await asyncio.gather(*sent))
    return bodies


async def test_opposite_links_made_at_the_same_moment_leave_one_pair(client: httpx.AsyncClient, db: str) -> None:
    people, (a, b, _) = await desk()
    admin, staff = people["admin"], people["staff_in_scope"]
    assert admin and staff
    bodies = await _at_once(
        client,
        db,
        # NO KEY UPDATE: the links' foreign key checks do not wait for it, only the links' own ticket locks do.
        f'SELECT "id" FROM "tickets" WHERE "id" = {min(a.id, b.id)} FOR NO KEY UPDATE',
        (LINK, {"i": {"number": a.number, "otherNumber": b.number, "type": "RELATED_TO"}}, admin.token),
        (LINK, {"i": {"number": b.number, "otherNumber": a.number, "type": "CAUSES"}}, staff.token),
    )
    # One made the pair; the other found it (never a half pair, never a 500).
    assert sorted(named(body) for body in bodies) == ["ALREADY_LINKED", "linked"], bodies
    # Refused by the check that runs under the lock, which names the link it found.
    (refused,) = [e for body in bodies for e in body["data"]["linkTickets"]["errors"]]
    assert "unlink them first" in refused["message"]
    rows = await TicketLink.all().values_list("source_id", "target_id")
    assert sorted(rows) == sorted([(a.id, b.id), (b.id, a.id)])
    assert await AuditEntry.filter(action="link.created").count() == 2
    assert await OutboxMessage.filter(topic="ticket.linked").count() == 2


async def test_two_parent_links_that_together_close_a_cycle_are_made_one_at_a_time(
    client: httpx.AsyncClient, db: str
) -> None:
    """A parent of B and C parent of D exist; B parent of C and D parent of A each pass the cycle check alone, and
    they lock four different tickets: the tree lock makes the second see the first."""
    people, (a, b, c) = await desk()
    admin = people["admin"]
    assert admin
    d = await make_ticket(await make_category(), subject="D")
    await link(client, admin.token, a.number or 0, b.number or 0, "PARENT_OF")
    await link(client, admin.token, c.number or 0, d.number or 0, "PARENT_OF")
    bodies = await _at_once(
        client,
        db,
        f"SELECT pg_advisory_xact_lock({TREE_LOCK_KEY})",
        (LINK, {"i": {"number": b.number, "otherNumber": c.number, "type": "PARENT_OF"}}, admin.token),
        (LINK, {"i": {"number": d.number, "otherNumber": a.number, "type": "PARENT_OF"}}, admin.token),
    )
    assert sorted(named(body) for body in bodies) == ["LINK_CYCLE", "linked"], bodies
    assert await TicketLink.all().count() == 6


async def test_closed_tickets_link_too_and_links_are_staff_history(client: httpx.AsyncClient) -> None:
    people, (a, b, _) = await desk()
    staff, owner = people["staff_in_scope"], people["owner"]
    assert isinstance(staff, Person) and isinstance(owner, Person)
    await Ticket.filter(id=b.id).update(status_id=(await status_of(StatusKind.CLOSED)).id)
    assert (await link(client, staff.token, a.number or 0, b.number or 0, "DUPLICATE_OF"))["errors"] == []
    seen = await links_of(client, owner.token, a.number or 0)
    assert seen and [(x["type"], x["status"]["kind"]) for x in seen["links"]] == [("DUPLICATE_OF", "CLOSED")]
    history = "query($n: Int!) { ticket(number: $n) { history { action } } }"
    for person, expected in ((staff, ["link.created"]), (owner, [])):
        data = await gql_data(client, history, {"n": a.number}, person.token)
        assert [h["action"] for h in data["ticket"]["history"] if h["action"].startswith("link.")] == expected


async def test_a_long_chain_is_walked_to_its_root(client: httpx.AsyncClient) -> None:
    people, _ = await desk()
    admin = people["admin"]
    assert admin
    category = await make_category()
    chain = [await make_ticket(category, subject=f"Step {i}") for i in range(6)]
    for parent, child in itertools.pairwise(chain):
        assert (await link(client, admin.token, parent.number or 0, child.number or 0, "PARENT_OF"))["errors"] == []
    # The last of six as the parent of the first closes a cycle through every step; of the second, it would be a
    # second parent.
    for child in chain[:2]:
        payload = await link(client, admin.token, chain[-1].number or 0, child.number or 0, "PARENT_OF")
        assert_refused(payload, Reason.HAS_PARENT if child is chain[1] else Reason.LINK_CYCLE, "otherNumber")
    # A ticket outside the chain may still become the root's parent.
    root = await make_ticket(category, subject="Root")
    assert (await link(client, admin.token, root.number or 0, chain[0].number or 0, "PARENT_OF"))["errors"] == []
