"""Admins watch email delivery: the outbox of emails with their state, attempts and last error."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from core.enums import OutboxStatus as StoredOutboxStatus
from resolvers.admin import outbox_view as outbox_admin
from resolvers.kernel.pagination import decode_cursor
from schema.context import Info
from schema.errors import query
from schema.pagination import Connection, page_connection


@strawberry.enum(description="Where an outgoing email stands.")
class OutboxStatus(Enum):
    PENDING = strawberry.enum_value(
        "PENDING", description="Waiting to be sent: new, waiting to retry, or no SMTP server is configured."
    )
    SENDING = strawberry.enum_value("SENDING", description="A worker is sending it right now.")
    SENT = strawberry.enum_value("SENT", description="Accepted by the SMTP server.")
    FAILED = strawberry.enum_value(
        "FAILED", description="Given up: too many failed attempts, or it must not be sent; lastError says why."
    )


@strawberry.type(description="One outgoing email (one recipient) and its delivery state.")
class OutboxEmail:
    id: strawberry.ID = strawberry.field(description="Outbox row ID.")
    topic: str = strawberry.field(description="The template it is rendered from, e.g. ticket_created.")
    recipient: str = strawberry.field(description="The address it goes to.")
    ticket_number: int | None = strawberry.field(description="The ticket it is about, if any.")
    status: OutboxStatus = strawberry.field(description="Where delivery stands.")
    attempts: int = strawberry.field(description="How many times sending was tried.")
    last_error: str | None = strawberry.field(description="Why the last attempt failed; null once sent.")
    created_at: datetime = strawberry.field(description="When it was queued (with the change that caused it).")
    next_attempt_at: datetime | None = strawberry.field(
        description="PENDING: not tried again before this time. SENDING: when the worker's claim expires."
    )
    sent_at: datetime | None = strawberry.field(description="When the SMTP server accepted it.")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OutboxEmail:
        return cls(
            id=strawberry.ID(str(row["id"])),
            topic=row["topic"],
            recipient=outbox_admin.recipient(row),
            ticket_number=row["ticket__number"],
            status=OutboxStatus[StoredOutboxStatus(row["status"]).name],
            attempts=row["attempts"],
            last_error=row["last_error"],
            created_at=row["created_at"],
            next_attempt_at=row["next_attempt_at"],
            sent_at=row["sent_at"],
        )


@strawberry.type
class Query:
    @strawberry.field(description="Outgoing emails, newest first, with their delivery state. Admins only.")
    async def outbox(
        self,
        info: Info,
        status: Annotated[OutboxStatus | None, strawberry.argument(description="Only emails in this state.")] = None,
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")] = 25,
        after: Annotated[
            str | None,
            strawberry.argument(description="Continue after this cursor (pageInfo.endCursor of the previous page)."),
        ] = None,
    ) -> Connection[OutboxEmail]:
        stored = None if status is None else StoredOutboxStatus[status.name]
        page = await query(
            info,
            lambda actor: outbox_admin.list_outbox_emails(
                actor, status=stored, first=first, after=decode_cursor(after)
            ),
        )
        return page_connection(page, convert=OutboxEmail.from_row, position=outbox_admin.outbox_position)
