"""Reading the whole audit log (SPEC 12: admins read the whole log; staff read a ticket's history through
`ticket.history`, see resolvers/thread.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from models.audit import AuditEntry
from resolvers.actor import Actor, require_admin
from resolvers.errors import Problems
from resolvers.pagination import Page, clean_page_size, keyset_page, read_position
from resolvers.thread import HISTORY_COLUMNS
from resolvers.validation import parse_id


@dataclass
class AuditFilter:
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    actor_id: str | None = None
    ticket_number: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def audit_position(row: dict[str, Any]) -> list[Any]:
    """Keyset position in list order (newest id first)."""
    return [row["id"]]


async def list_audit_entries(
    actor: Actor | None, wanted: AuditFilter | None = None, first: int | None = None, after: list[Any] | None = None
) -> Page:
    """Admins only: every audit entry, newest first, filtered in SQL and paged by id."""
    require_admin(actor)
    wanted = wanted or AuditFilter()
    problems = Problems()
    size = clean_page_size(problems, first)
    actor_id = parse_id(problems, "filter.actorId", wanted.actor_id)
    problems.raise_if_any()
    query = AuditEntry.all()
    if wanted.action:
        query = query.filter(action=wanted.action)
    if wanted.entity_type:
        query = query.filter(entity_type=wanted.entity_type)
    if wanted.entity_id:
        query = query.filter(entity_id=wanted.entity_id)
    if actor_id is not None:
        query = query.filter(actor_id=actor_id)
    if wanted.ticket_number is not None:
        query = query.filter(ticket__number=wanted.ticket_number)
    if wanted.since is not None:
        query = query.filter(created_at__gte=wanted.since)
    if wanted.until is not None:
        query = query.filter(created_at__lt=wanted.until)
    start = read_position(after, int)
    following = Q(id__lt=start[0]) if start else None
    return await keyset_page(query, after=following, order=("-id",), size=size, columns=HISTORY_COLUMNS)
