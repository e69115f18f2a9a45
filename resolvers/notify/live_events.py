"""Ticket events as subscriptions see them (issue 11.3): the outbox's event rows, their cursors, the catch-up
read after a reconnect, and who may receive which event.

An event is an outbox row on the "event" channel, written in the transaction of the change (resolvers/notify/
outbox.py): the same rows webhooks deliver. Its id is its cursor, so a client that reconnects with the cursor of
the last event it saw gets every later one still inside the retention window, from the table, before live ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core import clock
from models.outbox import OutboxMessage
from models.replies import Reply
from resolvers.kernel.actor import Actor
from resolvers.kernel.errors import DomainError, Reason
from resolvers.kernel.pagination import decode_cursor, encode_cursor, not_a_cursor
from resolvers.kernel.sql import Row
from resolvers.notify.outbox import EVENT
from resolvers.tickets.thread import REPLY_COLUMNS, visible_reply_condition

# How far back a reconnect may ask: older cursors are refused with CURSOR_EXPIRED (refetch, then subscribe anew).
RETENTION = timedelta(hours=24)
# Events read per statement while catching up.
CATCH_UP_BATCH = 500
_CURSOR_TAG = "event"

# Events for staff only: internal notes never reach requesters or guests (SPEC 4), nor does SLA data
# (resolvers/tickets/visibility.py `shows_sla`: staff only). Assignment is kept from guests, who do not see who
# works on their ticket (resolvers/guests/fields.py).
STAFF_ONLY = frozenset({"ticket.note_added", "ticket.sla_at_risk", "ticket.sla_breached"})
NOT_FOR_GUESTS = STAFF_ONLY | {"ticket.assigned"}
_COLUMNS = ("id", "topic", "ticket_id", "payload", "created_at")


@dataclass(frozen=True)
class LiveEvent:
    id: int
    topic: str
    ticket_id: int | None
    payload: dict[str, Any]
    created_at: datetime

    @property
    def number(self) -> int | None:
        number = self.payload.get("number")
        return number if isinstance(number, int) else None

    @property
    def reply_id(self) -> int | None:
        reply_id = self.payload.get("replyId")
        return reply_id if isinstance(reply_id, int) else None

    @property
    def cursor(self) -> str:
        return encode_cursor([_CURSOR_TAG, self.id])

    @classmethod
    def from_row(cls, row: Row) -> LiveEvent:
        payload = row["payload"] if isinstance(row["payload"], dict) else {}
        ticket_id = row["ticket_id"]
        return cls(int(row["id"]), str(row["topic"]), None if ticket_id is None else int(ticket_id), payload,
                   row["created_at"])  # fmt: skip


def event_position(after: str | None) -> int | None:
    """The event id inside a subscription's `after` cursor; None without one. Anything else is INVALID_CURSOR."""
    position = decode_cursor(after)
    if position is None:
        return None
    if len(position) != 2 or position[0] != _CURSOR_TAG or type(position[1]) is not int:
        raise not_a_cursor(hint=" (an event's cursor)")
    return int(position[1])


async def load_events(ids: Sequence[int]) -> list[LiveEvent]:
    """These outbox rows that are events, in id order. One statement."""
    if not ids:
        return []
    rows = await OutboxMessage.filter(id__in=list(ids), channel=EVENT).order_by("id").values(*_COLUMNS)
    return [LiveEvent.from_row(row) for row in rows]


async def latest_event_ids(count: int) -> list[int]:
    """The ids of the newest `count` events, newest first. One statement."""
    query = OutboxMessage.filter(channel=EVENT).order_by("-id").limit(count)
    rows: list[Any] = await query.values_list("id", flat=True)
    return [int(i) for i in rows]


async def check_cursor(after_id: int) -> None:
    """The event a cursor names must still be inside the retention window; otherwise what followed it may be
    gone, and the client must refetch instead of trusting a partial catch-up."""
    rows: list[Any] = await OutboxMessage.filter(id=after_id, channel=EVENT).values_list("created_at", flat=True)
    if not rows or rows[0] < clock.now() - RETENTION:
        raise DomainError(
            Reason.CURSOR_EXPIRED,
            f"after names an event older than the {int(RETENTION.total_seconds() // 3600)}-hour replay window (or "
            "none); read the current state again and subscribe without after.",
            "after",
        )


async def missed_events(after_id: int, *, ticket_id: int | None = None, upto: int | None = None) -> list[LiveEvent]:
    """Events after `after_id` (of one ticket, or all), oldest first, at most CATCH_UP_BATCH; call again with
    the last id for more. One statement."""
    query = OutboxMessage.filter(channel=EVENT, id__gt=after_id)
    if ticket_id is not None:
        query = query.filter(ticket_id=ticket_id)
    if upto is not None:
        query = query.filter(id__lte=upto)
    rows = await query.order_by("id").limit(CATCH_UP_BATCH).values(*_COLUMNS)
    return [LiveEvent.from_row(row) for row in rows]


def may_receive(actor: Actor, event: LiveEvent) -> bool:
    """Whether this kind of event is for this actor at all (the ticket's visibility is checked separately)."""
    if event.topic in STAFF_ONLY and not actor.is_staff:
        return False
    return not (actor.is_guest and event.topic in NOT_FOR_GUESTS)


def same_access(first: Actor, now: Actor) -> bool:
    """Whether the credential still stands for the same account with the same role (a changed role ends the
    stream: the client subscribes again under its new rights). Group changes need no new stream: every event's
    visibility is read afresh."""
    return (first.user_id, first.role, first.guest_ticket_id) == (now.user_id, now.role, now.guest_ticket_id)


async def event_reply(actor: Actor, event: LiveEvent) -> Row | None:
    """The reply a reply or note event is about, if the actor may see it now (not deleted, not a note for a
    requester). One statement."""
    if event.reply_id is None or event.ticket_id is None:
        return None
    query = Reply.filter(visible_reply_condition(actor), id=event.reply_id, ticket_id=event.ticket_id)
    rows = await query.values(*REPLY_COLUMNS)
    return rows[0] if rows else None
