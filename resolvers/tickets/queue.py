"""Reading tickets: one ticket by number, and the queue with filters, sorts and keyset pagination (SPEC 8)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from core.enums import Priority, StatusKind
from models.tickets import Ticket
from resolvers.kernel.actor import Actor, require_requester, require_user
from resolvers.kernel.errors import Problems, Reason, forbidden
from resolvers.kernel.pagination import clean_page_size, decode_cursor, encode_cursor, not_a_cursor
from resolvers.kernel.rows import as_row
from resolvers.kernel.settings import get_setting
from resolvers.kernel.sql import Row, Statement
from resolvers.kernel.validation import MAX_ID, check_list_length, check_moment, has_nul, parse_id
from resolvers.tickets import sla
from resolvers.tickets.rows import TICKET_COLUMNS, T, fetch_tickets, ticket_select
from resolvers.tickets.visibility import EVERYTHING, as_sql, queue_parts, visible_parts

__all__ = ["TICKET_COLUMNS", "TicketFilter", "TicketPage", "TicketSort", "list_tickets", "ticket_row"]

# Each filter list (statusIds, priorities, groupIds) takes at most this many entries (docs/operations.md): one SQL
# parameter each, and PostgreSQL takes at most 32,767 per statement.
MAX_FILTER_ENTRIES = 100
# No subject is longer (resolvers/tickets/filing.py SUBJECT_MAX), so a longer search cannot match.
MAX_SEARCH_LENGTH = 255


class TicketSort(Enum):
    UPDATED_DESC = (("updated_at", "desc"), ("id", "desc"))
    CREATED_DESC = (("created_at", "desc"), ("id", "desc"))
    CREATED_ASC = (("created_at", "asc"), ("id", "asc"))
    PRIORITY = (("priority", "asc"), ("updated_at", "desc"), ("id", "desc"))
    # Earliest deadline still to be met first, tickets without one last (resolvers/tickets/sla.py).
    SLA_DUE = (("sla_due_at", "asc"), ("id", "asc"))


class AssigneeChoice(Enum):
    ME = "ME"
    UNASSIGNED = "UNASSIGNED"


_DATETIME_COLUMNS = {"updated_at", "created_at", "sla_due_at"}


@dataclass
class TicketFilter:
    status_ids: list[str] | None = None
    priorities: list[Priority] | None = None
    assignee: AssigneeChoice | None = None
    assignee_id: str | None = None
    group_ids: list[str] | None = None
    category_id: str | None = None
    type_id: str | None = None
    item_id: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    reopened: bool | None = None
    search: str | None = None
    sla_states: list[sla.SlaState] | None = None


@dataclass
class TicketPage:
    rows: list[Row]
    sort: TicketSort
    total: int
    has_next: bool
    has_previous: bool
    extra: dict[str, Any] = field(default_factory=dict)

    def cursor(self, index: int) -> str:
        """The cursor of the row at `index`: made when asked for (a page's cursors cost as much as its JSON)."""
        return ticket_cursor(self.sort, self.rows[index])


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


def _ids(problems: Problems, field: str, raw_ids: list[str]) -> list[int]:
    """The distinct IDs of a filter list; nothing when the list is over MAX_FILTER_ENTRIES (reported)."""
    if not check_list_length(problems, field, raw_ids, MAX_FILTER_ENTRIES):
        return []
    return sorted({i for i in (parse_id(problems, field, raw) for raw in raw_ids) if i is not None})


async def ticket_row_by_id(actor: Actor | None, ticket_id: int, relations: Collection[str] = ()) -> Row | None:
    """Like `ticket_row`, by primary key: what a mutation that made the ticket reads back. The number comes from
    the row, so the answer stays right whoever assigns numbers (today `number = id`; imports keep their own)."""
    return await _one(require_requester(actor), "id", ticket_id, relations)


def changed_ticket_row(ticket: Ticket) -> dict[str, Any]:
    """A ticket a mutation has just changed (and so the actor may open), as a plain row: the instance the change
    wrote, so the payload costs no statement of its own. Field-level visibility stays with the schema's fields."""
    return as_row(ticket, TICKET_COLUMNS)


def _like_pattern(search: str) -> str:
    """A LIKE pattern for "contains", with LIKE's own characters escaped (as Tortoise's icontains does)."""
    return "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _in(statement: Statement, column: str, values: list[Any]) -> str:
    return f'{T}."{column}" IN {statement.params_in(values)}' if values else "1 = 0"


def _conditions(actor: Actor, wanted: TicketFilter, problems: Problems, statement: Statement) -> list[str]:
    """The filter as SQL conditions on the tickets table (`t`) and its status (`s`), parameters in text order."""
    conditions: list[str] = []
    if wanted.status_ids:
        conditions.append(_in(statement, "status_id", _ids(problems, "filter.statusIds", wanted.status_ids)))
    else:
        # Default: everything except Closed (SPEC 8).
        conditions.append(f's."kind" <> {statement.param(StatusKind.CLOSED.value)}')
    if wanted.priorities and check_list_length(problems, "filter.priorities", wanted.priorities, MAX_FILTER_ENTRIES):
        conditions.append(_in(statement, "priority", sorted({int(p) for p in wanted.priorities})))
    if wanted.assignee is AssigneeChoice.ME:
        conditions.append(f'{T}."assignee_id" = {statement.param(actor.user_id)}')
    elif wanted.assignee is AssigneeChoice.UNASSIGNED:
        conditions.append(f'{T}."assignee_id" IS NULL AND {T}."assigned_group_id" IS NULL')
    if wanted.assignee_id is not None:
        assignee_id = parse_id(problems, "filter.assigneeId", wanted.assignee_id)
        conditions.append(f'{T}."assignee_id" = {statement.param(assignee_id)}')
    if wanted.group_ids:
        conditions.append(_in(statement, "assigned_group_id", _ids(problems, "filter.groupIds", wanted.group_ids)))
    for column, raw in (("category_id", wanted.category_id), ("type_id", wanted.type_id), ("item_id", wanted.item_id)):
        if raw is not None:
            camel = "filter." + column.replace("_id", "Id")
            conditions.append(f'{T}."{column}" = {statement.param(parse_id(problems, camel, raw))}')
    created_after = check_moment(problems, "filter.createdAfter", wanted.created_after)
    if created_after is not None:
        conditions.append(f'{T}."created_at" >= {statement.param(created_after)}')
    created_before = check_moment(problems, "filter.createdBefore", wanted.created_before)
    if created_before is not None:
        conditions.append(f'{T}."created_at" < {statement.param(created_before)}')
    if wanted.reopened is not None:
        conditions.append(f'{T}."reopened" = {statement.param(wanted.reopened)}')
    if wanted.sla_states:
        conditions.append(sla.state_condition(set(wanted.sla_states), statement, T))
    # A NUL cannot be in any subject, and PostgreSQL refuses it in a query: a VALIDATION error, not a 500.
    search = (wanted.search or "").strip()
    if len(search) > MAX_SEARCH_LENGTH:
        problems.add(
            "filter.search",
            f"filter.search is {len(search)} characters; the maximum is {MAX_SEARCH_LENGTH}.",
            Reason.TOO_LONG,
        )
    elif search and not has_nul(problems, "filter.search", search):
        pattern = statement.param(_like_pattern(search))
        conditions.append(f"UPPER(CAST({T}.\"subject\" AS VARCHAR)) LIKE UPPER({pattern}) ESCAPE '\\'")
    return conditions


async def _where(actor: Actor, wanted: TicketFilter, problems: Problems, statement: Statement) -> list[str]:
    """The queue's scope and the filter, as conditions to AND."""
    search = (wanted.search or "").strip()
    # ASCII digits only ("²".isdigit() is true), not over the search limit (int() refuses 4,300 digits) and within
    # the key range, so odd input is a search, not a 500.
    numeric = len(search) <= MAX_SEARCH_LENGTH and search.isascii() and search.isdigit()
    if numeric and int(search) <= MAX_ID and actor.is_staff:
        # A number typed by staff opens that ticket regardless of scope and other filters (SPEC 8).
        visible = as_sql(visible_parts(actor), statement, T)
        return [f'{T}."number" = {statement.param(int(search))}', *([visible] if visible else [])]
    parts = await queue_parts(actor)
    scope = None if parts == EVERYTHING else as_sql(parts, statement, T)
    return [*([scope] if scope else []), *_conditions(actor, wanted, problems, statement)]


async def _check_sla_allowed(actor: Actor, wanted: TicketFilter, sort: TicketSort) -> None:
    """Filtering or sorting by SLA is for staff (requesters do not see SLA data, and ordering their tickets by it
    would show it) and needs the setting on: otherwise there is no SLA data to use (SLA_DISABLED)."""
    field = "filter.slaStates" if wanted.sla_states else "sort" if sort is TicketSort.SLA_DUE else None
    if field and not actor.is_staff:
        raise forbidden(f"{field} is for staff: SLA data is not shown to requesters.", Reason.STAFF_ONLY, field)
    if field and not await get_setting("sla_enabled"):
        raise forbidden(
            f"{field} needs SLA, and the slaEnabled setting is off; leave it out.", Reason.SLA_DISABLED, field
        )


def ticket_cursor(sort: TicketSort, row: dict[str, Any]) -> str:
    """The row's position in this sort, tagged with the sort so a cursor cannot be replayed in another one."""
    if sort is TicketSort.SLA_DUE:
        # No deadline sorts last; written as "" since the cursor codec has no null.
        due = row["sla_due_at"]
        return encode_cursor([sort.name, [due.isoformat() if due else "", int(row["id"])]])
    values = [row[column] for column, _ in sort.value]
    return encode_cursor([sort.name, [v.isoformat() if isinstance(v, datetime) else int(v) for v in values]])


def _cursor_value(column: str, value: Any) -> Any:
    """One value of a ticket cursor as ticket_cursor wrote it: an aware ISO time (within the calendar once in UTC)
    for a time column, an integer (the codec checked its range) otherwise."""
    if column not in _DATETIME_COLUMNS:
        if not isinstance(value, int):
            raise TypeError("not a whole number")
        return value
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a time without a time zone")
    return moment.astimezone(UTC)  # OverflowError past year 1 or 9999


def read_ticket_cursor(sort: TicketSort, cursor: str) -> list[Any]:
    position = decode_cursor(cursor) or []
    try:
        name, values = position
        if name != sort.name or len(values) != len(sort.value):
            raise ValueError("cursor of another sort")
        if sort is TicketSort.SLA_DUE and values[0] == "":
            return [None, _cursor_value("id", values[1])]
        return [_cursor_value(column, v) for (column, _), v in zip(sort.value, values, strict=True)]
    except (ValueError, TypeError, OverflowError):
        raise not_a_cursor(hint=" and sort; start again without it") from None


def _after(sort: TicketSort, values: list[Any], statement: Statement) -> str:
    """Rows strictly after the cursor in the sort order: a bound on the first column (so an index range starts at
    the cursor and the last page costs what the first does), then (a > x) or (a = x and b > y) or ..."""
    if sort is TicketSort.SLA_DUE:
        return sla.after_condition(values[0], values[1], statement, T)
    (first, direction), *_ = sort.value
    bound = f'{T}."{first}" {">=" if direction == "asc" else "<="} {statement.param(values[0])}'
    alternatives: list[str] = []
    for i, (column, direction) in enumerate(sort.value):
        equal = [f'{T}."{prev}" = {statement.param(values[j])}' for j, (prev, _) in enumerate(sort.value[:i])]
        op = ">" if direction == "asc" else "<"
        alternatives.append(" AND ".join([*equal, f'{T}."{column}" {op} {statement.param(values[i])}']))
    return f"{bound} AND (" + " OR ".join(f"({a})" for a in alternatives) + ")"


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
    problems = Problems()
    size = clean_page_size(problems, first)
    statement = Statement()
    where = await _where(actor, wanted, problems, statement)
    problems.raise_if_any()
    await _check_sla_allowed(actor, wanted, sort)
    if after:
        where.append(_after(sort, read_ticket_cursor(sort, after), statement))
    order = ", ".join(f'{T}."{column}" {direction.upper()}' for column, direction in sort.value)
    if sort is TicketSort.SLA_DUE:
        order = sla.sort_order(T)
    text = ticket_select(relations) + _where_clause(where) + f" ORDER BY {order} LIMIT {statement.param(size + 1)}"
    rows = await fetch_tickets(statement, text, relations)
    total = await _count(actor, wanted) if with_total else -1
    has_next = len(rows) > size
    rows = rows[:size]
    return TicketPage(
        rows=rows,
        sort=sort,
        total=total,
        has_next=has_next,
        has_previous=bool(after),
    )


def _where_clause(conditions: list[str]) -> str:
    return (" WHERE " + " AND ".join(conditions)) if conditions else ""


async def _count(actor: Actor, wanted: TicketFilter) -> int:
    statement = Statement()
    where = await _where(actor, wanted, Problems(), statement)
    text = f'SELECT COUNT(*) AS "n" FROM "tickets" AS {T} JOIN "statuses" AS s ON s."id" = {T}."status_id"'
    rows = await statement.rows(text + _where_clause(where))
    return int(rows[0]["n"])
