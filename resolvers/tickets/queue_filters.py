"""The queue's filter (SPEC 8): what `tickets`, `ticketCounts`, saved views and `queueEvents` are given, and one SQL
condition per part of it (resolvers/tickets/queue.py puts them together with the actor's queue)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from core.enums import Priority, StatusKind
from resolvers.kernel.actor import Actor
from resolvers.kernel.errors import Problems, Reason
from resolvers.kernel.sql import Statement
from resolvers.kernel.validation import check_list_length, check_moment, has_nul, parse_id
from resolvers.tickets import sla
from resolvers.tickets.rows import T
from resolvers.tickets.search import subject_condition

# Each filter list (statusIds, priorities, groupIds) takes at most this many entries (docs/operations.md): one SQL
# parameter each, and PostgreSQL takes at most 32,767 per statement.
MAX_FILTER_ENTRIES = 100
# No subject is longer (resolvers/tickets/filing.py SUBJECT_MAX), so a longer search cannot match.
MAX_SEARCH_LENGTH = 255


class AssigneeChoice(Enum):
    ME = "ME"
    UNASSIGNED = "UNASSIGNED"


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


def _ids(problems: Problems, field: str, raw_ids: list[str]) -> list[int]:
    """The distinct IDs of a filter list; nothing when the list is over MAX_FILTER_ENTRIES (reported)."""
    if not check_list_length(problems, field, raw_ids, MAX_FILTER_ENTRIES):
        return []
    return sorted({i for i in (parse_id(problems, field, raw) for raw in raw_ids) if i is not None})


def _in(statement: Statement, column: str, values: list[Any]) -> str:
    return f'{T}."{column}" IN {statement.params_in(values)}' if values else "1 = 0"


# One function per filter clause: the SQL condition on the tickets table (`t`) and its status (`s`) for one part
# of the filter, or None when that part is not given. Each adds its parameters as it writes its text, and the
# clauses run in FILTER_CLAUSES order, which is their order in the statement. A new filter (SLA state, a saved
# view's extra) is one more function in that tuple.
Clause = Callable[[Actor, TicketFilter, Problems, Statement], str | None]


def _status_clause(actor: Actor, wanted: TicketFilter, problems: Problems, statement: Statement) -> str | None:
    if wanted.status_ids:
        return _in(statement, "status_id", _ids(problems, "filter.statusIds", wanted.status_ids))
    # Default: everything except Closed (SPEC 8).
    return f's."kind" <> {statement.param(StatusKind.CLOSED.value)}'


def _priority_clause(actor: Actor, wanted: TicketFilter, problems: Problems, statement: Statement) -> str | None:
    if not wanted.priorities or not check_list_length(
        problems, "filter.priorities", wanted.priorities, MAX_FILTER_ENTRIES
    ):
        return None
    return _in(statement, "priority", sorted({int(p) for p in wanted.priorities}))


def _assignee_clause(actor: Actor, wanted: TicketFilter, problems: Problems, statement: Statement) -> str | None:
    if wanted.assignee is AssigneeChoice.ME:
        return f'{T}."assignee_id" = {statement.param(actor.user_id)}'
    if wanted.assignee is AssigneeChoice.UNASSIGNED:
        return f'{T}."assignee_id" IS NULL AND {T}."assigned_group_id" IS NULL'
    return None


def _assignee_id_clause(actor: Actor, wanted: TicketFilter, problems: Problems, statement: Statement) -> str | None:
    if wanted.assignee_id is None:
        return None
    return f'{T}."assignee_id" = {statement.param(parse_id(problems, "filter.assigneeId", wanted.assignee_id))}'


def _group_clause(actor: Actor, wanted: TicketFilter, problems: Problems, statement: Statement) -> str | None:
    if not wanted.group_ids:
        return None
    return _in(statement, "assigned_group_id", _ids(problems, "filter.groupIds", wanted.group_ids))


def _classification_clause(actor: Actor, wanted: TicketFilter, problems: Problems, statement: Statement) -> str | None:
    conditions = []
    for column, raw in (("category_id", wanted.category_id), ("type_id", wanted.type_id), ("item_id", wanted.item_id)):
        if raw is not None:
            camel = "filter." + column.replace("_id", "Id")
            conditions.append(f'{T}."{column}" = {statement.param(parse_id(problems, camel, raw))}')
    return " AND ".join(conditions) or None


def _created_clause(actor: Actor, wanted: TicketFilter, problems: Problems, statement: Statement) -> str | None:
    conditions = []
    created_after = check_moment(problems, "filter.createdAfter", wanted.created_after)
    if created_after is not None:
        conditions.append(f'{T}."created_at" >= {statement.param(created_after)}')
    created_before = check_moment(problems, "filter.createdBefore", wanted.created_before)
    if created_before is not None:
        conditions.append(f'{T}."created_at" < {statement.param(created_before)}')
    return " AND ".join(conditions) or None


def _reopened_clause(actor: Actor, wanted: TicketFilter, problems: Problems, statement: Statement) -> str | None:
    return None if wanted.reopened is None else f'{T}."reopened" = {statement.param(wanted.reopened)}'


def _search_clause(actor: Actor, wanted: TicketFilter, problems: Problems, statement: Statement) -> str | None:
    """Subject search (resolvers/tickets/search.py); a ticket number never gets here (`queue_where`)."""
    search = search_text(problems, wanted)
    return subject_condition(statement, T, search) if search else None


def _sla_clause(actor: Actor, wanted: TicketFilter, problems: Problems, statement: Statement) -> str | None:
    """The SLA state now (resolvers/tickets/sla.py); who may filter by it is `check_sla_allowed`'s."""
    return sla.state_condition(set(wanted.sla_states), statement, T) if wanted.sla_states else None


FILTER_CLAUSES: tuple[Clause, ...] = (
    _status_clause,
    _priority_clause,
    _assignee_clause,
    _assignee_id_clause,
    _group_clause,
    _classification_clause,
    _created_clause,
    _reopened_clause,
    _sla_clause,
    _search_clause,
)


def search_text(problems: Problems, wanted: TicketFilter) -> str:
    """The trimmed search; empty when there is none or it is refused (reported). A NUL cannot be in any subject,
    and PostgreSQL refuses it in a query: a VALIDATION error, not a 500."""
    search = (wanted.search or "").strip()
    if len(search) > MAX_SEARCH_LENGTH:
        problems.add(
            "filter.search",
            f"filter.search is {len(search)} characters; the maximum is {MAX_SEARCH_LENGTH}.",
            Reason.TOO_LONG,
        )
        return ""
    return "" if not search or has_nul(problems, "filter.search", search) else search
