"""The whole audit log, for admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from resolvers.admin import audit_log
from resolvers.kernel.pagination import decode_cursor
from schema.context import Info
from schema.errors import query
from schema.pagination import Connection, page_connection
from schema.tickets.replies import HistoryEntry


@strawberry.input(description="Audit log filters; all given ones must match.")
class AuditLogFilterInput:
    action: str | None = strawberry.field(
        default=None, description="Exactly this action, e.g. ticket.resolved (at most 64 characters)."
    )
    entity_type: str | None = strawberry.field(
        default=None, description="What changed: ticket, reply, user... (at most 32 characters)."
    )
    entity_id: str | None = strawberry.field(
        default=None, description="The ID of what changed (at most 64 characters)."
    )
    actor_id: strawberry.ID | None = strawberry.field(default=None, description="Changes made by this user.")
    ticket_number: int | None = strawberry.field(default=None, description="Changes about this ticket.")
    since: datetime | None = strawberry.field(default=None, description="At or after this time.")
    until: datetime | None = strawberry.field(default=None, description="Before this time.")

    def to_domain(self) -> audit_log.AuditFilter:
        return audit_log.AuditFilter(
            action=self.action, entity_type=self.entity_type, entity_id=self.entity_id,
            actor_id=self.actor_id, ticket_number=self.ticket_number, since=self.since, until=self.until,
        )  # fmt: skip


@strawberry.type
class Query:
    @strawberry.field(
        description="Every recorded change, newest first: actor, action, entity, before/after. Admins only."
    )
    async def audit_log(
        self,
        info: Info,
        filter: Annotated[AuditLogFilterInput | None, strawberry.argument(description="What to show.")] = None,
        first: Annotated[int | None, strawberry.argument(description="Page size: default 25, at most 100.")] = None,
        after: Annotated[str | None, strawberry.argument(description="Continue after this cursor.")] = None,
    ) -> Connection[HistoryEntry]:
        wanted = filter.to_domain() if filter else None
        page = await query(info, lambda actor: audit_log.list_audit_entries(actor, wanted, first, decode_cursor(after)))
        return page_connection(page, convert=HistoryEntry.from_row, position=audit_log.audit_position)
