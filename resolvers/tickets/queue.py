"""Reading tickets: one ticket by number, and the queue with filters, sorts and keyset pagination (SPEC 8)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models.tickets import Ticket
from resolvers.kernel.actor import Actor, require_requester, require_user
from resolvers.kernel.errors import Problems, Reason, forbidden
from resolvers.kernel.pagination import clean_page_size
from resolvers.kernel.rows import as_row
from resolvers.kernel.settings import get_setting
from resolvers.kernel.sql import Row, Statement
from resolvers.tickets import sla
from resolvers.tickets.queue_cursor import TicketSort, after_cursor, read_ticket_cursor, ticket_cursor
from resolvers.tickets.queue_filters import FILTER_CLAUSES, TicketFilter, search_text
from resolvers.tickets.rows import TICKET_COLUMNS, T, fetch_tickets, ticket_select
from resolvers.tickets.search import ticket_number
from resolvers.tickets.visibility import EVERYTHING, as_sql, queue_parts, visible_parts

__all__ = ["TICKET_COLUMNS", "TicketPage", "TicketSort", "list_tickets", "ticket_row"]


@dataclass
class TicketPage:
    rows: list[Row]
    sort: TicketSort
    total: int
    has_next: bool
    has_previous: bool
    # When the walk this page belongs to started: the first page's read (see resolvers/tickets/queue_cursor.py).
    started: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def cursor(self, index: int) -> str:
        """The cursor of the row at `index`: made when asked for (a page's cursors cost as much as its JSON)."""
        return ticket_cursor(self.sort, self.rows[index], self.started)


async def _one(actor: Actor, column: str, value: int, relations: Collection[str]) -> Row | None:
    statement = Statement()
    text = ticket_select(relations) + f' WHERE {T}."{column}" = {statement.param(value)}'
    visible = as_sql(visible_parts(actor), statement, T)
    rows = await fetch_tickets(statement, text + (f" AND {visible}" if visible else ""), relations)
    return rows[0] if rows else None


async def ticket_row(actor: Actor | None, number: int, relations: Collection[str] = ()) -> Row | None:
    """The ticket as a plain row (with `relations` joined: resolvers/tickets/rows.py); None when it does not exist
    or the actor may not open it (same answer). A guest opens the ticket of their token only; the list
    (`list_tickets`) is for people with an account. One statement."""
    return await _one(require_requester(actor), "number", number, relations)


async def ticket_row_by_id(actor: Actor | None, ticket_id: int, relations: Collection[str] = ()) -> Row | None:
    """Like `ticket_row`, by primary key: what a mutation that made the ticket reads back. The number comes from
    the row, so the answer stays right whoever assigns numbers (today `number = id`; imports keep their own)."""
    return await _one(require_requester(actor), "id", ticket_id, relations)


def changed_ticket_row(ticket: Ticket) -> dict[str, Any]:
    """A ticket a mutation has just changed (and so the actor may open), as a plain row: the instance the change
    wrote, so the payload costs no statement of its own. Field-level visibility stays with the schema's fields."""
    return as_row(ticket, TICKET_COLUMNS)


async def queue_where(actor: Actor, wanted: TicketFilter, problems: Problems, statement: Statement) -> list[str]:
    """The actor's queue (resolvers/tickets/visibility.py) and the filter, as SQL conditions to AND: what `tickets`
    lists and `ticketCounts` counts. A search that is a ticket number is that ticket, if the actor may open it,
    regardless of scope and of the other filters (SPEC 8; resolvers/tickets/search.py)."""
    await check_sla_allowed(actor, "filter.slaStates" if wanted.sla_states else None)
    number = ticket_number(search_text(Problems(), wanted))
    if number is not None:
        # Parameters in text order (SQLite numbers them by position): the number first.
        by_number = f'{T}."number" = {statement.param(number)}'
        visible = as_sql(visible_parts(actor), statement, T)
        return [by_number, *([visible] if visible else [])]
    parts = await queue_parts(actor)
    scope = None if parts == EVERYTHING else as_sql(parts, statement, T)
    conditions = [scope] if scope else []
    for clause in FILTER_CLAUSES:
        condition = clause(actor, wanted, problems, statement)
        if condition:
            conditions.append(condition)
    return conditions


async def check_sla_allowed(actor: Actor, field: str | None) -> None:
    """Filtering or sorting by SLA (`field`, None when neither) is for staff (requesters do not see SLA data, and
    ordering their tickets by it would show it) and needs the setting on: otherwise there is no SLA data to use."""
    if field and not actor.is_staff:
        raise forbidden(f"{field} is for staff: SLA data is not shown to requesters.", Reason.STAFF_ONLY, field)
    if field and not await get_setting("sla_enabled"):
        raise forbidden(
            f"{field} needs SLA, and the slaEnabled setting is off; leave it out.", Reason.SLA_DISABLED, field
        )


def check_filter(actor: Actor, wanted: TicketFilter, problems: Problems) -> None:
    """Report into `problems` what `list_tickets` would refuse in this filter (a saved view's, before it is saved)."""
    statement = Statement()
    for clause in FILTER_CLAUSES:
        clause(actor, wanted, problems, statement)


@dataclass
class PageQuery:
    """The statement of one queue page, ready to run (and to EXPLAIN: tests/tickets/test_search.py)."""

    statement: Statement
    text: str
    size: int
    started: datetime | None


async def page_query(
    actor: Actor,
    wanted: TicketFilter,
    sort: TicketSort,
    first: int | None,
    after: str | None,
    relations: Collection[str] = (),
) -> PageQuery:
    """The page's SELECT: scope and filter (`queue_where`), the position after the cursor, the sort, and one row
    more than the page to tell whether another page follows. Refusals are raised here, before any statement."""
    problems = Problems()
    size = clean_page_size(problems, first)
    statement = Statement()
    where = await queue_where(actor, wanted, problems, statement)
    problems.raise_if_any()
    await check_sla_allowed(actor, "sort" if sort is TicketSort.SLA_DUE else None)
    # The walk starts at its first page: its cursors carry the newest change that page could see, read with it
    # (`walk_started`), so "changed since" compares times the database wrote (resolvers/tickets/queue_cursor.py).
    started: datetime | None = None
    if after:
        values, started = read_ticket_cursor(sort, after)
        where.append(after_cursor(sort, values, started, statement))
    order = ", ".join(f'{T}."{column}" {direction.upper()}' for column, direction in sort.value)
    if sort is TicketSort.SLA_DUE:
        order = sla.sort_order(T)
    select = ticket_select(relations, walk_started=sort.moves and not after)
    text = select + where_clause(where) + f" ORDER BY {order} LIMIT {statement.param(size + 1)}"
    return PageQuery(statement, text, size, started)


async def list_tickets(
    actor: Actor | None,
    wanted: TicketFilter | None = None,
    sort: TicketSort = TicketSort.UPDATED_DESC,
    first: int | None = None,
    after: str | None = None,
    *,
    with_total: bool = True,
    relations: Collection[str] = (),
) -> TicketPage:
    """The actor's queue, filtered in SQL, with `relations` joined (resolvers/tickets/rows.py): one statement for
    the page and one for the count, whatever the page size. The count scans every matching row, so callers that
    do not show it pass `with_total=False` (total is then -1)."""
    actor = require_user(actor)
    wanted = wanted or TicketFilter()
    page = await page_query(actor, wanted, sort, first, after, relations)
    walk_starts = sort.moves and not after
    rows = await fetch_tickets(page.statement, page.text, relations, walk_started=walk_starts)
    started = rows[0]["walk_started"] if rows and walk_starts else page.started
    total = await _count(actor, wanted) if with_total else -1
    return TicketPage(
        rows=rows[: page.size],
        sort=sort,
        total=total,
        has_next=len(rows) > page.size,
        has_previous=bool(after),
        started=started,
    )


def where_clause(conditions: list[str]) -> str:
    return (" WHERE " + " AND ".join(conditions)) if conditions else ""


async def _count(actor: Actor, wanted: TicketFilter) -> int:
    statement = Statement()
    where = await queue_where(actor, wanted, Problems(), statement)
    text = f'SELECT COUNT(*) AS "n" FROM "tickets" AS {T} JOIN "statuses" AS s ON s."id" = {T}."status_id"'
    rows = await statement.rows(text + where_clause(where))
    return int(rows[0]["n"])
