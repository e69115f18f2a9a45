"""Live ticket events over websockets: `ticketEvents(number)` and `queueEvents(filter)` (issue 11.3).

The streams, their checks and their catch-up are resolvers/notify/event_stream.py; the socket side (the
credential of `connection_init`, closing with a code) is schema/notify/sockets.py. Each event carries the ticket
as it is now, read for the actor the event was checked as, so a dashboard updates from the event alone.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from resolvers.notify import event_stream, live_events
from resolvers.tickets.queue_filters import TicketFilter
from schema.context import Info
from schema.notify.sockets import live
from schema.tickets.inputs import TicketFilterInput
from schema.tickets.replies import Reply
from schema.tickets.types import Ticket, read_ticket


@strawberry.enum(description="What happened to the ticket.")
class TicketEventKind(Enum):
    CREATED = strawberry.enum_value("ticket.created", description="The ticket was filed.")
    UPDATED = strawberry.enum_value("ticket.updated", description="Subject, priority or classification changed.")
    STATUS_CHANGED = strawberry.enum_value("ticket.status_changed", description="It moved to another status.")
    RESOLVED = strawberry.enum_value("ticket.resolved", description="It was resolved.")
    CLOSED = strawberry.enum_value("ticket.closed", description="It was closed.")
    REOPENED = strawberry.enum_value("ticket.reopened", description="It was reopened.")
    REPLY_ADDED = strawberry.enum_value("ticket.reply_added", description="A public reply was posted.")
    NOTE_ADDED = strawberry.enum_value("ticket.note_added", description="An internal note was posted (staff only).")
    REPLY_EDITED = strawberry.enum_value(
        "ticket.reply_edited", description="A reply was edited (a note's edit reaches staff only)."
    )
    REPLY_DELETED = strawberry.enum_value(
        "ticket.reply_deleted", description="A reply was deleted (a note's deletion reaches staff only)."
    )
    ASSIGNED = strawberry.enum_value("ticket.assigned", description="Its assignee or group changed.")
    LINKED = strawberry.enum_value("ticket.linked", description="It was linked to another ticket.")
    UNLINKED = strawberry.enum_value("ticket.unlinked", description="A link to another ticket was removed.")
    SLA_AT_RISK = strawberry.enum_value("ticket.sla_at_risk", description="Its SLA deadline is near (staff only).")
    SLA_BREACHED = strawberry.enum_value("ticket.sla_breached", description="Its SLA deadline passed (staff only).")


# The topic of each kind: strawberry turns each `enum_value` into its plain value.
_KINDS: dict[str, TicketEventKind] = {str(kind.value): kind for kind in TicketEventKind}


@strawberry.type(description="One change to a ticket, as it happened; `ticket` is the ticket as it is now.")
class TicketEvent:
    cursor: str = strawberry.field(
        description="Where this event is in the stream: subscribe again with `after` set to it to get what followed."
    )
    kind: TicketEventKind = strawberry.field(description="What happened.")
    number: int = strawberry.field(description="The ticket's number.")
    occurred_at: datetime = strawberry.field(description="When the change was committed.")
    in_view: bool = strawberry.field(
        description="queueEvents: false when this change took the ticket out of the subscribed view (drop it from "
        "the list). Always true for ticketEvents."
    )
    _delivery: strawberry.Private[event_stream.Delivery]

    @strawberry.field(description="The ticket as it is now; null if you may no longer open it.")
    async def ticket(self, info: Info) -> Ticket | None:
        actor, event = self._delivery.actor, self._delivery.event
        return await read_ticket(info, lambda relations: live_events.event_ticket(actor, event, relations))

    @strawberry.field(
        description="REPLY_ADDED, NOTE_ADDED, REPLY_EDITED, REPLY_DELETED: the reply or note as you may see it now "
        "(a deleted one: staff see its placeholder, others null)."
    )
    async def reply(self) -> Reply | None:
        row = await live_events.event_reply(self._delivery.actor, self._delivery.event)
        return Reply.from_row(row) if row is not None else None


def _event(delivery: event_stream.Delivery) -> TicketEvent | None:
    kind = _KINDS.get(delivery.event.topic)
    if kind is None or delivery.event.number is None:
        return None  # an event kind this API does not publish (yet)
    return TicketEvent(
        cursor=delivery.event.cursor, kind=kind, number=delivery.event.number,
        occurred_at=delivery.event.created_at, in_view=delivery.in_view, _delivery=delivery,
    )  # fmt: skip


_AFTER = "The cursor of the last event you received: the events since then (within 24 hours) come first."


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Changes to one ticket, live: for staff, its requester and the guest of its link. Notes and SLA "
        'events reach staff only. Authenticate in connection_init\'s payload ({"Authorization": "Bearer …"}).'
    )
    async def ticket_events(
        self,
        info: Info,
        number: Annotated[int, strawberry.argument(description="The ticket number.")],
        after: Annotated[str | None, strawberry.argument(description=_AFTER)] = None,
    ) -> AsyncGenerator[TicketEvent, None]:
        stream = live(info, lambda hub, on_drop: event_stream.ticket_stream(
            hub, info.context.token, number, after, on_drop))  # fmt: skip
        async for delivery in stream:
            if (event := _event(delivery)) is not None:
                yield event

    @strawberry.subscription(
        description="Changes to the tickets of your queue under a filter (the `tickets` filter), live. People with "
        "an account only; what each event shows follows the same rules as `tickets`."
    )
    async def queue_events(
        self,
        info: Info,
        filter: Annotated[TicketFilterInput | None, strawberry.argument(description="Which tickets.")] = None,
        after: Annotated[str | None, strawberry.argument(description=_AFTER)] = None,
    ) -> AsyncGenerator[TicketEvent, None]:
        wanted = filter.to_domain() if filter else TicketFilter()
        stream = live(info, lambda hub, on_drop: event_stream.queue_stream(
            hub, info.context.token, wanted, after, on_drop))  # fmt: skip
        async for delivery in stream:
            if (event := _event(delivery)) is not None:
                yield event
