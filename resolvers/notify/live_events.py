"""Ticket events as subscriptions see them (issue 11.3): the outbox's event rows, their cursors, the catch-up
read after a reconnect, and who may receive which event.

An event is an outbox row on the "event" channel, written in the transaction of the change (resolvers/notify/
outbox.py): the same rows webhooks deliver. Its id is its cursor, so a client that reconnects with the cursor of
the last event it saw gets every later one still inside the retention window, from the table, before live ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from core import clock
from models.outbox import OutboxMessage
from models.replies import Reply
from resolvers.accounts.authentication import authenticate, authenticate_many
from resolvers.kernel.actor import Actor
from resolvers.kernel.errors import DomainError, Reason
from resolvers.kernel.pagination import decode_cursor, encode_cursor, not_a_cursor
from resolvers.kernel.sql import Row
from resolvers.notify.outbox import EVENT
from resolvers.tickets.queue import ticket_row_by_id
from resolvers.tickets.thread import REPLY_COLUMNS, visible_reply_condition
from resolvers.tickets.visibility import EVERYTHING, visible_parts

# How far back a reconnect may ask: older cursors are refused with CURSOR_EXPIRED (refetch, then subscribe anew).
RETENTION = timedelta(hours=24)
# Events read per statement while catching up.
CATCH_UP_BATCH = 500
_CURSOR_TAG = "event"

# Events for staff only: internal notes never reach requesters or guests (SPEC 4), nor does SLA data
# (resolvers/tickets/visibility.py `shows_sla`: staff only). Assignment is kept from guests, who do not see who
# works on their ticket (resolvers/guests/fields.py). An event about a note that says so (`"internal": true`: an
# edit or a deletion) is for staff too.
STAFF_ONLY = frozenset({"ticket.note_added", "ticket.sla_at_risk", "ticket.sla_breached"})
NOT_FOR_GUESTS = STAFF_ONLY | {"ticket.assigned"}
_COLUMNS = ("id", "topic", "ticket_id", "payload", "created_at")
T = TypeVar("T")


@dataclass(frozen=True)
class LiveEvent:
    id: int
    topic: str
    ticket_id: int | None
    payload: dict[str, Any]
    created_at: datetime
    # What subscribers who see the same thing read about this event, read once for all of them (`_shared`): a
    # hub hands one instance to each of its subscribers.
    reads: dict[Any, asyncio.Future[Any]] = field(default_factory=dict, compare=False, repr=False)
    # The credentials of the subscribers it was handed to, checked together as it goes out (`credential_now`).
    tokens: set[str] = field(default_factory=set, compare=False, repr=False)

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
    if (event.topic in STAFF_ONLY or event.payload.get("internal") is True) and not actor.is_staff:
        return False
    return not (actor.is_guest and event.topic in NOT_FOR_GUESTS)


def same_access(first: Actor, now: Actor) -> bool:
    """Whether the credential still stands for the same account with the same role (a changed role ends the
    stream: the client subscribes again under its new rights). Group changes need no new stream: every event's
    visibility is read afresh."""
    return (first.user_id, first.role, first.guest_ticket_id) == (now.user_id, now.role, now.guest_ticket_id)


async def _shared(event: LiveEvent, key: Any, read: Callable[[], Awaitable[T]]) -> T:
    """`read()` once per event and key, whoever asks first; the others wait for the same answer. Shielded: a
    subscriber that goes away while it reads does not cancel the read the others wait for."""
    future = event.reads.get(key)
    if future is None:
        future = asyncio.ensure_future(read())
        event.reads[key] = future
    result: T = await asyncio.shield(future)
    return result


async def credential_now(event: LiveEvent, token: str | None) -> Actor | None:
    """Who `token` stands for as this event goes out (None: it no longer authenticates): one read of every
    credential the event was handed to, for all of its subscribers (resolvers/accounts/authentication.py)."""
    if not token:
        return None
    if token not in event.tokens:  # an event read for one stream (a catch-up after a reconnect)
        return await authenticate(token)
    actors = await _shared(event, "credentials", lambda: authenticate_many(event.tokens))
    return actors.get(token)


async def event_ticket(actor: Actor, event: LiveEvent, relations: Collection[str] = ()) -> Row | None:
    """The event's ticket as the actor may read it now, with `relations` joined (resolvers/tickets/rows.py);
    None when they may not open it. Staff and admins may open every ticket, so what they read is one read for all
    of them; a requester's or guest's is their own. A copy: each subscriber's fields may add to it."""
    ticket_id = event.ticket_id
    if ticket_id is None:
        return None
    if visible_parts(actor) != EVERYTHING:
        return await ticket_row_by_id(actor, ticket_id, relations)
    key = ("ticket", tuple(sorted(relations)))
    row = await _shared(event, key, lambda: ticket_row_by_id(actor, ticket_id, relations))
    return dict(row) if row is not None else None


async def event_reply(actor: Actor, event: LiveEvent) -> Row | None:
    """The reply a reply or note event is about, if the actor may see it now (not deleted, not a note for a
    requester): one read per event for staff and one for everyone else (the rule depends on nothing else)."""
    reply_id, ticket_id = event.reply_id, event.ticket_id
    if reply_id is None or ticket_id is None:
        return None

    async def read() -> Row | None:
        query = Reply.filter(visible_reply_condition(actor), id=reply_id, ticket_id=ticket_id)
        rows = await query.values(*REPLY_COLUMNS)
        return rows[0] if rows else None

    row = await _shared(event, ("reply", actor.is_staff), read)
    return dict(row) if row is not None else None
