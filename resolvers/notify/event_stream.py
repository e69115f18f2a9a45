"""The streams behind `ticketEvents` and `queueEvents` (issue 11.3): who may start one, what each event must pass
before it is delivered, and the catch-up after a reconnect.

Every event is checked as it is about to go out, with the credential read afresh (for all of an event's
subscribers at once: live_events.credential_now): a disabled account, a revoked key, an ended session or an
expired guest link ends the stream (and the socket) with CREDENTIALS_ENDED at the next event; so does a changed
role. Then the same rules as queries: the kind of event (`may_receive`: notes and SLA events for staff only) and
the ticket's visibility now (`event_ticket`; for a queue, the actor's queue and the filter: `in_queue`).

Catch-up: with `after` (an event's cursor), the stream first subscribes to live events, then reads from the
outbox every event after the cursor, then delivers the live ones it has not already sent: nothing is missed in
between, nothing is sent twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from resolvers.accounts.authentication import authenticate
from resolvers.kernel.actor import Actor, require_requester, require_user
from resolvers.kernel.errors import DomainError, Reason, not_found
from resolvers.notify.event_hub import EventHub, Subscriber, SubscriberDropped
from resolvers.notify.live_events import (
    CATCH_UP_BATCH,
    LiveEvent,
    check_cursor,
    credential_now,
    event_position,
    event_ticket,
    may_receive,
    missed_events,
    same_access,
)  # fmt: skip
from resolvers.tickets.queue import ticket_row
from resolvers.tickets.queue_filters import TicketFilter
from resolvers.tickets.queue_membership import check_queue_filter, in_queue

# Websocket close codes (docs/subscriptions.md): the credential stopped being valid (or its role changed), and a
# subscriber that fell too far behind.
CREDENTIALS_ENDED = 4403
TOO_SLOW = 4429


def subscriptions_only() -> DomainError:
    """A query or mutation sent over a websocket: it would run with the credential of connection_init, which may
    have stopped being valid since (POST authenticates every request)."""
    return DomainError(
        Reason.SUBSCRIPTIONS_ONLY,
        "This socket carries subscriptions only; send queries and mutations with POST /graphql.",
    )


def needs_a_socket() -> DomainError:
    return DomainError(Reason.SUBSCRIPTIONS_ONLY, "Subscriptions run over a websocket on /graphql (graphql-ws).")


@dataclass(frozen=True)
class Delivery:
    """An event cleared for one subscriber, with the actor it was checked as (the fields below it resolve as
    that actor). `in_view` is False for a queue stream's last event about a ticket that has just left it."""

    actor: Actor
    event: LiveEvent
    in_view: bool = True


class StreamEnded(Exception):
    """The stream must stop and its socket close with `code` (CREDENTIALS_ENDED, TOO_SLOW)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


Check = Callable[[Actor, LiveEvent], Awaitable[Delivery | None]]


async def ticket_stream(
    hub: EventHub, token: str | None, number: int, after: str | None, on_drop: Callable[[], None] | None = None
) -> AsyncIterator[Delivery]:
    """Events of one ticket, for anyone who may open it: staff, its requester, the guest of its link."""
    actor = require_requester(await _starting_as(token))
    row = await ticket_row(actor, number)
    if row is None:
        raise not_found(f"Ticket {number}", "number", Reason.TICKET_NOT_FOUND)
    ticket_id = int(row["id"])

    async def check(now: Actor, event: LiveEvent) -> Delivery | None:
        if not may_receive(now, event) or await event_ticket(now, event) is None:
            return None
        return Delivery(now, event)

    subscriber = await _subscribe(hub, lambda event: event.ticket_id == ticket_id, on_drop, token)
    async for delivery in _stream(subscriber, token, actor, after, ticket_id, check):
        yield delivery


async def queue_stream(
    hub: EventHub, token: str | None, wanted: TicketFilter, after: str | None, on_drop: Callable[[], None] | None = None
) -> AsyncIterator[Delivery]:
    """Events of every ticket in the actor's queue under `wanted` (the `tickets` filter), for people with an
    account. A ticket that leaves the view (closed under an open-only filter, moved out of scope) gets one last
    event with `in_view` False, if this stream showed it before, so a live list can drop it."""
    actor = require_user(await _starting_as(token))
    await check_queue_filter(actor, wanted)
    shown: set[int] = set()

    async def check(now: Actor, event: LiveEvent) -> Delivery | None:
        ticket_id = event.ticket_id
        if ticket_id is None or not may_receive(now, event):
            return None
        if await in_queue(now, wanted, ticket_id):
            shown.add(ticket_id)
            return Delivery(now, event)
        if ticket_id in shown and await event_ticket(now, event) is not None:
            shown.discard(ticket_id)
            return Delivery(now, event, in_view=False)
        return None

    subscriber = await _subscribe(hub, lambda event: event.ticket_id is not None, on_drop, token)
    async for delivery in _stream(subscriber, token, actor, after, None, check):
        yield delivery


async def _starting_as(token: str | None) -> Actor | None:
    """Who the socket's credential stands for as a stream starts (None: there is none); one that no longer
    authenticates ends the stream and closes the socket, as it would at the next event."""
    actor = await authenticate(token)
    if token and actor is None:
        raise StreamEnded(CREDENTIALS_ENDED, "Forbidden: the credential is no longer valid")
    return actor


async def _subscribe(
    hub: EventHub, wants: Callable[[LiveEvent], bool], on_drop: Callable[[], None] | None, token: str | None
) -> Subscriber:
    if hub.streams_of(token) >= hub.max_streams:
        raise DomainError(
            Reason.TOO_MANY_STREAMS,
            f"This credential already has {hub.max_streams} live subscriptions open here; end one before starting "
            "another (one socket carries many).",
        )
    await hub.watch()
    return hub.subscribe(wants, on_drop, token)


async def _stream(
    subscriber: Subscriber, token: str | None, first: Actor, after: str | None, ticket_id: int | None,
    check: Check,
) -> AsyncIterator[Delivery]:  # fmt: skip
    try:
        after_id = event_position(after)
        sent: set[int] = set()
        if after_id is not None:
            await check_cursor(after_id)
            while True:
                batch = await missed_events(after_id, ticket_id=ticket_id)
                actor = _still_the_same(first, await authenticate(token))
                for event in batch:
                    sent.add(event.id)
                    if (delivery := await check(actor, event)) is not None:
                        yield delivery
                if len(batch) < CATCH_UP_BATCH:
                    break
                after_id = batch[-1].id
        while True:
            try:
                event = await subscriber.next()
            except SubscriberDropped:
                raise StreamEnded(TOO_SLOW, "Too slow: fell too many events behind; reconnect with after") from None
            if event.id in sent:
                continue
            actor = _still_the_same(first, await credential_now(event, token))
            if (delivery := await check(actor, event)) is not None:
                yield delivery
    finally:
        subscriber.close()


def _still_the_same(first: Actor, now: Actor | None) -> Actor:
    if now is None:
        raise StreamEnded(CREDENTIALS_ENDED, "Forbidden: the credential is no longer valid")
    if not same_access(first, now):
        raise StreamEnded(CREDENTIALS_ENDED, "Forbidden: the account's role changed; connect again")
    return now
