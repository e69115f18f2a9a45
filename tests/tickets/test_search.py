"""Quick search (resolvers/tickets/search.py): a substring of the subject with one case rule on both databases,
served by the trigram indexes of migration 2, and a number that opens that ticket for whoever may open it."""

from __future__ import annotations

from typing import Any

import httpx
from tortoise import connections

from core.enums import Priority, Role, StatusKind
from models.tickets import Ticket
from resolvers.accounts.authentication import authenticate
from resolvers.kernel.errors import Reason
from resolvers.tickets.queue import TicketSort, page_query
from resolvers.tickets.queue_filters import TicketFilter
from resolvers.tickets.search import FTS_TABLE
from tests.helpers import (
    assert_query_refused,
    gql,
    gql_data,
    make_category,
    make_group,
    make_guest,
    make_person,
    make_ticket,
    status_of,
)
from tests.tickets.queue_world import ascii_folded

FIND = """query($filter: TicketFilterInput) {
  tickets(filter: $filter, sort: CREATED_ASC, first: 100) { totalCount edges { node { number subject } } } }"""

CORPUS = [
    "Printer jams on tray 2", "PRINTER OFFLINE", "printer toner", "Écran noir", "écran cassé", "ÉCRAN",
    "Straße gesperrt",
    "Mail quota 100% full", "Mail quota 1000 full", "mail_box rule", "mailXbox rule", "back\\slash in path",
    "PC will not boot", "Ωmega ωmega", "Ab", "x",
]  # fmt: skip
QUERIES = [
    "printer", "PRINTER", "Printer J", "écran", "ÉCRAN", "cran", "straße", "STRASSE", "100%", "0%", "mail_", "l_b",
    "\\", "slash in", "pc", "Pc", "ab", "x", "Ω", "ωmega", "  toner  ", "zzz", "%", "_",
]  # fmt: skip


async def found(client: httpx.AsyncClient, token: str, filter: dict[str, Any]) -> list[int]:
    data = (await gql_data(client, FIND, {"filter": filter}, token))["tickets"]
    assert data["totalCount"] == len(data["edges"])
    return [edge["node"]["number"] for edge in data["edges"]]


async def test_search_finds_substrings_with_ascii_case_folding_on_both_databases(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    category = await make_category()
    tickets = [await make_ticket(category, subject=subject) for subject in CORPUS]
    for query in QUERIES:
        text = query.strip()
        # The rule written out again: ASCII letters fold, every other character is compared as typed.
        want = [t.number for t in tickets if ascii_folded(text) in ascii_folded(t.subject)]
        assert await found(client, admin.token, {"search": query}) == want, query
    # Spot checks that the rule above is the one meant (so the comprehension cannot drift with the code).
    assert await found(client, admin.token, {"search": "écran"}) == [tickets[4].number]
    assert await found(client, admin.token, {"search": "100%"}) == [tickets[7].number]
    assert await found(client, admin.token, {"search": "mail_"}) == [tickets[9].number]


async def test_the_index_follows_subject_changes_and_deletions(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    category = await make_category()
    ticket = await make_ticket(category, subject="Keyboard sticky")
    assert await found(client, admin.token, {"search": "sticky"}) == [ticket.number]
    update = """mutation($input: UpdateTicketInput!) { updateTicket(input: $input) { errors { reason } } }"""
    data = await gql_data(client, update, {"input": {"number": ticket.number, "subject": "Mouse drifts"}}, admin.token)
    assert data["updateTicket"]["errors"] == []
    assert await found(client, admin.token, {"search": "sticky"}) == []
    assert await found(client, admin.token, {"search": "drifts"}) == [ticket.number]
    await Ticket.filter(id=ticket.id).delete()
    assert await found(client, admin.token, {"search": "drifts"}) == []


async def test_a_number_opens_that_ticket_for_whoever_may_open_it(client: httpx.AsyncClient) -> None:
    admin, staff_in, staff_out = [await make_person(r) for r in (Role.ADMIN, Role.STAFF, Role.STAFF)]
    owner, other = await make_person(), await make_person()
    hardware, network = await make_category("Hardware"), await make_category("Network")
    await make_group(members=[staff_in], scope=[(hardware, None)])
    await make_group(members=[staff_out], scope=[(network, None)])
    # Closed and HIGH: a number ignores the default status filter and the other filters.
    mine = await make_ticket(
        hardware, requester=owner, priority=Priority.HIGH, status=await status_of(StatusKind.CLOSED)
    )
    theirs = await make_ticket(hardware, requester=other, subject=f"Room {mine.number} heating")
    guest = await make_guest(await make_ticket(hardware))
    for spelling in (str(mine.number), f"#{mine.number}", f"  #{mine.number} "):
        for person in (admin, staff_in, staff_out, owner):
            got = await found(client, person.token, {"search": spelling, "priorities": ["LOW"]})
            assert got == [mine.number], (spelling, person.user.role)
        # Another requester: not theirs, so nothing (and no subject search either: "Room N heating" is not shown).
        assert await found(client, other.token, {"search": spelling}) == []
    assert await found(client, other.token, {"search": f"#{theirs.number}"}) == [theirs.number]
    assert await found(client, owner.token, {"search": f"#{theirs.number}"}) == []
    # Not a number: a subject search.
    assert await found(client, admin.token, {"search": f"Room {mine.number}"}) == [theirs.number]
    assert await found(client, admin.token, {"search": f"# {mine.number}"}) == []
    assert await found(client, admin.token, {"search": "#999999"}) == []
    body = await gql(client, FIND, {"filter": {"search": str(mine.number)}}, guest.token)
    assert_query_refused(body, Reason.FIELD_NOT_ALLOWED, "Query.tickets")
    body = await gql(client, FIND, {"filter": {"search": str(mine.number)}})
    assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Query.tickets")


async def _plan(backend: str, token: str, search: str) -> str:
    """The database's plan for exactly the page statement the queue sends for this search."""
    actor = await authenticate(token)
    assert actor is not None
    page = await page_query(actor, TicketFilter(search=search), TicketSort.UPDATED_DESC, 25, None)
    conn = connections.get(backend)
    prefix = "EXPLAIN (FORMAT JSON) " if backend == "postgres" else "EXPLAIN QUERY PLAN "
    rows = await conn.execute_query_dict(prefix + page.text, page.statement.params)
    return str(rows)


async def test_the_search_uses_the_trigram_index(client: httpx.AsyncClient, db: str) -> None:
    admin = await make_person(Role.ADMIN)
    category = await make_category()
    status = await status_of(StatusKind.NEW)
    conn = connections.get(db)
    if db == "postgres":
        # A table large enough that a scan costs more than the index: 20,000 tickets, 20 of them printers.
        await conn.execute_query(
            "INSERT INTO tickets (number, subject, description, priority, reopened, sla_paused_seconds, created_at,"
            " updated_at, category_id, status_id) SELECT g, 'Ticket ' || g || CASE WHEN g % 1000 = 0 THEN"
            " ' Printer jam' ELSE ' about the ' || (ARRAY['mail', 'vpn', 'badge', 'phone'])[g % 4 + 1] END, 'd', 3,"
            " false, 0, now(), now(), $1, $2 FROM generate_series(1, 20000) AS g",
            [category.id, status.id],
        )
        # What autovacuum does on a live database: statistics, and the GIN index's pending list merged into it.
        await conn.execute_script("VACUUM ANALYZE tickets")
        plan = await _plan(db, admin.token, "printer jam")
        assert "idx_tickets_subject_trgm" in plan, plan
        assert len(await found(client, admin.token, {"search": "printer jam"})) == 20
    else:
        await make_ticket(category, subject="Printer jam")
        plan = await _plan(db, admin.token, "printer jam")
        # FTS5 answers the LIKE from its trigram index ("L0": the LIKE constraint went to the virtual table).
        assert f"SCAN {FTS_TABLE} VIRTUAL TABLE INDEX 0:L0" in plan, plan
        # Under three characters no trigram exists: the plain LIKE, no trigram table.
        assert FTS_TABLE not in await _plan(db, admin.token, "pr")
