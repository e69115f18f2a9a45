"""Reading the whole audit log (SPEC 12: admins read the whole log; staff read a ticket's history through
`ticket.history`, see resolvers/thread.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core import clock
from models.audit import AuditEntry
from resolvers.actor import Actor, require_admin
from resolvers.errors import Problems, validation
from resolvers.pagination import clean_page_size
from resolvers.thread import HISTORY_COLUMNS
from resolvers.validation import check_column_text, check_moment, parse_id

# The columns' lengths (models/audit.py): a longer filter value cannot match, and Tortoise refuses to send one.
MAX_ACTION_LENGTH = 64
MAX_ENTITY_TYPE_LENGTH = 32
MAX_ENTITY_ID_LENGTH = 64


@dataclass
class AuditFilter:
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    actor_id: str | None = None
    ticket_number: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        # Bounds are instants: in UTC from here on, whatever offset the client wrote (core/clock.py, as_utc).
        self.since = clock.as_utc_if_in_range(self.since)
        self.until = clock.as_utc_if_in_range(self.until)


@dataclass
class AuditPage:
    rows: list[dict[str, Any]]
    has_next_page: bool
    has_previous_page: bool
    total_count: int


def audit_position(row: dict[str, Any]) -> list[Any]:
    """Keyset position in list order (newest id first)."""
    return [row["id"]]


async def list_audit_entries(
    actor: Actor | None, wanted: AuditFilter | None = None, first: int | None = None, after: list[Any] | None = None
) -> AuditPage:
    """Admins only: every audit entry, newest first, filtered in SQL and paged by id. Text filters are compared as
    given: no NUL, no longer than their column."""
    require_admin(actor)
    wanted = wanted or AuditFilter()
    problems = Problems()
    size = clean_page_size(problems, first)
    action = check_column_text(problems, "filter.action", wanted.action, MAX_ACTION_LENGTH)
    entity_type = check_column_text(problems, "filter.entityType", wanted.entity_type, MAX_ENTITY_TYPE_LENGTH)
    entity_id = check_column_text(problems, "filter.entityId", wanted.entity_id, MAX_ENTITY_ID_LENGTH)
    actor_id = parse_id(problems, "filter.actorId", wanted.actor_id)
    since = check_moment(problems, "filter.since", wanted.since)
    until = check_moment(problems, "filter.until", wanted.until)
    problems.raise_if_any()
    query = AuditEntry.all()
    if action:
        query = query.filter(action=action)
    if entity_type:
        query = query.filter(entity_type=entity_type)
    if entity_id:
        query = query.filter(entity_id=entity_id)
    if actor_id is not None:
        query = query.filter(actor_id=actor_id)
    if wanted.ticket_number is not None:
        query = query.filter(ticket__number=wanted.ticket_number)
    if since is not None:
        query = query.filter(created_at__gte=since)
    if until is not None:
        query = query.filter(created_at__lt=until)
    total = await query.count()
    start = _position(after)
    if start is not None:
        query = query.filter(id__lt=start)
    rows = await query.order_by("-id").limit(size + 1).values(*HISTORY_COLUMNS)
    return AuditPage(
        rows=rows[:size], has_next_page=len(rows) > size, has_previous_page=start is not None, total_count=total
    )


def _position(after: list[Any] | None) -> int | None:
    if after is None:
        return None
    if len(after) != 1 or not isinstance(after[0], int) or isinstance(after[0], bool):
        raise validation("after", "after is not a cursor from this list.")
    return after[0]
