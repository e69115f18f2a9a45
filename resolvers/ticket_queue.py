"""Reading tickets: one ticket by number, and the queue with filters, sorts and keyset pagination (SPEC 8)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from functools import reduce
from operator import and_, or_
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models.enums import Priority, StatusKind
from models.tickets import Ticket
from resolvers.actor import Actor, require_requester, require_user
from resolvers.errors import Problems, Reason
from resolvers.pagination import clean_page_size, decode_cursor, encode_cursor, not_a_cursor
from resolvers.rows import as_row
from resolvers.validation import MAX_ID, check_list_length, check_moment, has_nul, parse_id
from resolvers.visibility import queue_condition, visible_tickets

TICKET_COLUMNS = (
    "id", "number", "subject", "description", "description_html", "category_id", "type_id", "item_id", "priority",
    "status_id", "requester_id", "guest_email", "assignee_id", "assigned_group_id", "resolution_notes",
    "resolved_at", "closed_at", "reopened", "created_at", "updated_at",
)  # fmt: skip

# Each filter list (statusIds, priorities, groupIds) takes at most this many entries (docs/operations.md): one SQL
# parameter each, and PostgreSQL takes at most 32,767 per statement.
MAX_FILTER_ENTRIES = 100
# No subject is longer (resolvers/tickets.py SUBJECT_MAX), so a longer search cannot match.
MAX_SEARCH_LENGTH = 255


class TicketSort(Enum):
    UPDATED_DESC = (("updated_at", "desc"), ("id", "desc"))
    CREATED_DESC = (("created_at", "desc"), ("id", "desc"))
    CREATED_ASC = (("created_at", "asc"), ("id", "asc"))
    PRIORITY = (("priority", "asc"), ("updated_at", "desc"), ("id", "desc"))


class AssigneeChoice(Enum):
    ME = "ME"
    UNASSIGNED = "UNASSIGNED"


_DATETIME_COLUMNS = {"updated_at", "created_at"}


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


@dataclass
class TicketPage:
    rows: list[dict[str, Any]]
    cursors: list[str]
    total: int
    has_next: bool
    has_previous: bool
    extra: dict[str, Any] = field(default_factory=dict)


async def ticket_row(actor: Actor | None, number: int) -> dict[str, Any] | None:
    """The ticket as a plain row; None when it does not exist or the actor may not open it (same answer).
    A guest opens the ticket of their token only; the list (`list_tickets`) is for people with an account."""
    actor = require_requester(actor)
    rows = await visible_tickets(actor).filter(number=number).values(*TICKET_COLUMNS)
    return rows[0] if rows else None


def _ids(problems: Problems, field: str, raw_ids: list[str]) -> list[int]:
    """The distinct IDs of a filter list; nothing when the list is over MAX_FILTER_ENTRIES (reported)."""
    if not check_list_length(problems, field, raw_ids, MAX_FILTER_ENTRIES):
        return []
    return sorted({i for i in (parse_id(problems, field, raw) for raw in raw_ids) if i is not None})


async def ticket_row_by_id(actor: Actor | None, ticket_id: int) -> dict[str, Any] | None:
    """Like `ticket_row`, by primary key: what a mutation that made the ticket reads back. The number comes from
    the row, so the answer stays right whoever assigns numbers (today `number = id`; imports keep their own)."""
    actor = require_requester(actor)
    rows = await visible_tickets(actor).filter(id=ticket_id).values(*TICKET_COLUMNS)
    return rows[0] if rows else None


def changed_ticket_row(ticket: Ticket) -> dict[str, Any]:
    """A ticket a mutation has just changed (and so the actor may open), as a plain row: the instance the change
    wrote, so the payload costs no statement of its own. Field-level visibility stays with the schema's fields."""
    return as_row(ticket, TICKET_COLUMNS)


def _conditions(actor: Actor, wanted: TicketFilter, problems: Problems) -> list[Q]:
    conditions: list[Q] = []
    if wanted.status_ids:
        conditions.append(Q(status_id__in=_ids(problems, "filter.statusIds", wanted.status_ids)))
    else:
        # Default: everything except Closed (SPEC 8).
        conditions.append(~Q(status__kind=StatusKind.CLOSED))
    if wanted.priorities and check_list_length(problems, "filter.priorities", wanted.priorities, MAX_FILTER_ENTRIES):
        conditions.append(Q(priority__in=sorted(set(wanted.priorities))))
    if wanted.assignee is AssigneeChoice.ME:
        conditions.append(Q(assignee_id=actor.user_id))
    elif wanted.assignee is AssigneeChoice.UNASSIGNED:
        conditions.append(Q(assignee_id__isnull=True, assigned_group_id__isnull=True))
    if wanted.assignee_id is not None:
        conditions.append(Q(assignee_id=parse_id(problems, "filter.assigneeId", wanted.assignee_id)))
    if wanted.group_ids:
        conditions.append(Q(assigned_group_id__in=_ids(problems, "filter.groupIds", wanted.group_ids)))
    for column, raw in (("category_id", wanted.category_id), ("type_id", wanted.type_id), ("item_id", wanted.item_id)):
        if raw is not None:
            camel = "filter." + column.replace("_id", "Id")
            by_column: dict[str, Any] = {column: parse_id(problems, camel, raw)}
            conditions.append(Q(**by_column))
    created_after = check_moment(problems, "filter.createdAfter", wanted.created_after)
    if created_after is not None:
        conditions.append(Q(created_at__gte=created_after))
    created_before = check_moment(problems, "filter.createdBefore", wanted.created_before)
    if created_before is not None:
        conditions.append(Q(created_at__lt=created_before))
    if wanted.reopened is not None:
        conditions.append(Q(reopened=wanted.reopened))
    # A NUL cannot be in any subject, and PostgreSQL refuses it in a query: a VALIDATION error, not a 500.
    search = (wanted.search or "").strip()
    if len(search) > MAX_SEARCH_LENGTH:
        problems.add(
            "filter.search",
            f"filter.search is {len(search)} characters; the maximum is {MAX_SEARCH_LENGTH}.",
            Reason.TOO_LONG,
        )
    elif search and not has_nul(problems, "filter.search", search):
        conditions.append(Q(subject__icontains=search))
    return conditions


async def _base(actor: Actor, wanted: TicketFilter, problems: Problems) -> QuerySet[Ticket]:
    search = (wanted.search or "").strip()
    # ASCII digits only ("²".isdigit() is true), not over the search limit (int() refuses 4,300 digits) and within
    # the key range, so odd input is a search, not a 500.
    numeric = len(search) <= MAX_SEARCH_LENGTH and search.isascii() and search.isdigit()
    if numeric and int(search) <= MAX_ID and actor.is_staff:
        # A number typed by staff opens that ticket regardless of scope and other filters (SPEC 8).
        return visible_tickets(actor).filter(number=int(search))
    conditions = _conditions(actor, wanted, problems)
    return Ticket.filter(await queue_condition(actor), *conditions)


def ticket_cursor(sort: TicketSort, row: dict[str, Any]) -> str:
    """The row's position in this sort, tagged with the sort so a cursor cannot be replayed in another one."""
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
        return [_cursor_value(column, v) for (column, _), v in zip(sort.value, values, strict=True)]
    except (ValueError, TypeError, OverflowError):
        raise not_a_cursor(hint=" and sort; start again without it") from None


def _after(sort: TicketSort, values: list[Any]) -> Q:
    """Rows strictly after the cursor in the sort order: (a > x) or (a = x and b > y) or ..."""
    alternatives: list[Q] = []
    for i, (column, direction) in enumerate(sort.value):
        op = "gt" if direction == "asc" else "lt"
        equal = [Q(**{prev: values[j]}) for j, (prev, _) in enumerate(sort.value[:i])]
        alternatives.append(reduce(and_, [*equal, Q(**{f"{column}__{op}": values[i]})]))
    return reduce(or_, alternatives)


async def list_tickets(
    actor: Actor | None,
    wanted: TicketFilter | None = None,
    sort: TicketSort = TicketSort.UPDATED_DESC,
    first: int | None = None,
    after: str | None = None,
    *,
    with_total: bool = True,
) -> TicketPage:
    """The actor's queue, filtered in SQL: two statements (page and count) whatever the page size. The count
    scans every matching row, so callers that do not show it pass `with_total=False` (total is then -1)."""
    actor = require_user(actor)
    problems = Problems()
    size = clean_page_size(problems, first)
    base = await _base(actor, wanted or TicketFilter(), problems)
    problems.raise_if_any()
    page_query = base
    if after:
        page_query = page_query.filter(_after(sort, read_ticket_cursor(sort, after)))
    order = [("-" if direction == "desc" else "") + column for column, direction in sort.value]
    rows = await page_query.order_by(*order).limit(size + 1).values(*TICKET_COLUMNS)
    total = await base.count() if with_total else -1
    has_next = len(rows) > size
    rows = rows[:size]
    return TicketPage(
        rows=rows,
        cursors=[ticket_cursor(sort, row) for row in rows],
        total=total,
        has_next=has_next,
        has_previous=bool(after),
    )
