"""Admins watch everything the help desk sends: emails, webhook deliveries and events, in one list."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from core.enums import OutboxStatus as StoredStatus
from resolvers.admin import outgoing_messages as outgoing
from resolvers.kernel.pagination import decode_cursor
from schema.context import Info
from schema.errors import query
from schema.pagination import Connection, asks_for, page_connection


@strawberry.enum(description="What kind of outgoing message a row is.")
class OutgoingKind(Enum):
    EMAIL = strawberry.enum_value("EMAIL", description="An email to one recipient (an outbox row).")
    WEBHOOK = strawberry.enum_value("WEBHOOK", description="One event POSTed to one webhook (a delivery).")
    EVENT = strawberry.enum_value(
        "EVENT", description="A domain event such as ticket.created, which webhooks (and subscriptions) fan out."
    )


@strawberry.enum(description="Where an outgoing message stands.")
class OutgoingStatus(Enum):
    PENDING = strawberry.enum_value(
        "PENDING",
        description="Waiting: new, waiting to retry, no SMTP server configured, or (events) not fanned out yet.",
    )
    SENDING = strawberry.enum_value("SENDING", description="A worker is sending it right now.")
    SENT = strawberry.enum_value(
        "SENT",
        description="Done: accepted by the SMTP server, answered 2xx by the receiver, or (events) fanned out.",
    )
    FAILED = strawberry.enum_value("FAILED", description="Given up, or must not be sent; lastError says why.")


@strawberry.type(description="One outgoing email, webhook delivery or event, and its delivery state.")
class OutgoingMessage:
    id: strawberry.ID = strawberry.field(
        description="Unique across kinds, e.g. EMAIL:12 (sourceId is the row's own ID)."
    )
    kind: OutgoingKind = strawberry.field(description="Email, webhook delivery or event.")
    source_id: strawberry.ID = strawberry.field(
        description="The row's ID in its own list: outbox's id for emails, webhookDeliveries' id for webhooks."
    )
    destination: str | None = strawberry.field(
        description="Where it goes: the email address, or the webhook's URL; null for events."
    )
    topic: str = strawberry.field(description="The email template (ticket_created) or event name (ticket.created).")
    status: OutgoingStatus = strawberry.field(description="Where delivery stands.")
    attempts: int = strawberry.field(description="How many times sending was tried (0 for events).")
    next_attempt_at: datetime | None = strawberry.field(
        description="PENDING: not tried again before this time. SENDING: when the worker's claim expires."
    )
    last_error: str | None = strawberry.field(description="Why the last attempt failed; null once sent.")
    response_code: int | None = strawberry.field(
        description="Webhooks: the receiver's last HTTP status; null otherwise or without an answer."
    )
    fanned_out: bool | None = strawberry.field(
        description="Events: whether it has been turned into webhook deliveries; null for other kinds."
    )
    ticket_number: int | None = strawberry.field(description="The ticket it is about, if any.")
    created_at: datetime = strawberry.field(description="When it was queued.")
    sent_at: datetime | None = strawberry.field(
        description="When it was accepted (email), answered 2xx (webhook) or fanned out (event)."
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OutgoingMessage:
        kind = OutgoingKind[outgoing.OutgoingKind(int(row["kind"])).name]
        return cls(
            id=strawberry.ID(f"{kind.name}:{row['id']}"),
            kind=kind,
            source_id=strawberry.ID(str(row["id"])),
            destination=row["destination"],
            topic=row["topic"],
            status=OutgoingStatus[StoredStatus(row["status"]).name],
            attempts=row["attempts"],
            next_attempt_at=row["next_attempt_at"],
            last_error=row["last_error"],
            response_code=row["response_code"],
            fanned_out=row["fanned_out"],
            ticket_number=row["ticket_number"],
            created_at=row["created_at"],
            sent_at=row["sent_at"],
        )


@strawberry.type
class Query:
    @strawberry.field(
        description="Everything the help desk sends, newest first: emails, webhook deliveries and events, with "
        "their delivery state. Admins only. (`outbox` lists the emails alone.)"
    )
    async def outgoing_messages(
        self,
        info: Info,
        kind: Annotated[OutgoingKind | None, strawberry.argument(description="Only messages of this kind.")] = None,
        status: Annotated[
            OutgoingStatus | None, strawberry.argument(description="Only messages in this state.")
        ] = None,
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")] = 25,
        after: Annotated[
            str | None,
            strawberry.argument(description="Continue after this cursor (pageInfo.endCursor of the previous page)."),
        ] = None,
    ) -> Connection[OutgoingMessage]:
        wanted = outgoing.OutgoingFilter(
            kind=None if kind is None else outgoing.OutgoingKind[kind.name],
            status=None if status is None else StoredStatus[status.name],
        )
        count = asks_for(info, "totalCount")
        page = await query(
            info,
            lambda actor: outgoing.list_outgoing_messages(
                actor, filter=wanted, first=first, after=decode_cursor(after), count=count
            ),
        )
        return page_connection(page, convert=OutgoingMessage.from_row, position=outgoing.outgoing_position)
