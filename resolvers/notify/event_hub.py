"""This process's subscribers and the committed events that reach them (issue 11.3).

The hub hears the ids of committed outbox rows: straight from this process's commits, and from every other
process's through Redis pub/sub (jobs/live_relay.py). The same id may come by both ways, so the hub keeps the
most recent ids it has handled and drops a repeat. It reads the new events in one statement, and only while
somebody here is subscribed, then offers each to every subscriber; a subscriber takes the events its stream
asked for (one ticket, or any) into its own queue.

Announcements are the fast path. `catch_up`, run every few seconds by the relay while somebody here is subscribed,
reads the events committed since the newest one this hub handled (looking back a little, for transactions that
committed out of id order) and hands out those it never heard of: what a process missed because Redis was away,
a publisher died between its commit and its publish, or there is no Redis and several processes serve
(`helpdesk serve --workers N` on the embedded default).

Each queue is bounded: a subscriber that does not keep up (a client that stopped reading, so the socket's
buffers are full and its stream waits) overflows it, and is dropped: its `on_drop` closes the websocket with
TOO_SLOW, so no process grows its memory for one slow client.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence

from resolvers.notify.live_events import CATCH_UP_BATCH, LiveEvent, latest_event_ids, load_events, missed_events

log = logging.getLogger(__name__)

# Events a subscriber may have waiting before it counts as too slow (LIVE_QUEUE_SIZE).
DEFAULT_QUEUE_SIZE = 256
# Live subscriptions one credential may hold on one process (LIVE_MAX_STREAMS): every stream costs reads at
# every event, so one account must not be able to open thousands.
DEFAULT_MAX_STREAMS = 20
# Ids remembered to drop the second arrival of the same event (local commit, then the Redis echo).
_SEEN_MAX = 10_000
# How far below the newest handled id a catch-up reads again: a transaction that took its id before another but
# committed after it is found there (and dropped if it was handled after all).
LOOKBACK = 200


class SubscriberDropped(Exception):
    """The subscriber's queue overflowed; its stream ends (the socket is closed by `on_drop`)."""


class Subscriber:
    def __init__(
        self, hub: EventHub, wants: Callable[[LiveEvent], bool], size: int, on_drop: Callable[[], None] | None,
        token: str | None,
    ) -> None:  # fmt: skip
        self._hub = hub
        self.token = token
        self._wants = wants
        self._queue: asyncio.Queue[LiveEvent] = asyncio.Queue(maxsize=size)
        self._on_drop = on_drop
        self.dropped = False

    def offer(self, event: LiveEvent) -> None:
        if self.dropped or not self._wants(event):
            return
        try:
            self._queue.put_nowait(event)
            if self.token:
                event.tokens.add(self.token)
        except asyncio.QueueFull:
            self.dropped = True
            self._hub.remove(self)
            log.warning("A subscriber fell %d events behind and was dropped", self._queue.maxsize)
            if self._on_drop is not None:
                self._on_drop()

    async def next(self) -> LiveEvent:
        """The next event for this subscriber, waiting for one; SubscriberDropped once it overflowed."""
        if self.dropped:
            raise SubscriberDropped
        event = await self._queue.get()
        if self.dropped:
            raise SubscriberDropped
        return event

    def close(self) -> None:
        self._hub.remove(self)


class EventHub:
    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE, max_streams: int = DEFAULT_MAX_STREAMS) -> None:
        """`max_streams`: live subscriptions one credential may hold here at once (event_stream refuses more)."""
        self.queue_size = queue_size
        self.max_streams = max_streams
        self._subscribers: set[Subscriber] = set()
        self._seen: OrderedDict[int, None] = OrderedDict()
        # The newest event id handled while somebody listened; None: unknown (nobody listened), read afresh.
        self._high_water: int | None = None
        # One delivery at a time: each subscriber gets events in the order they were handled.
        self._lock = asyncio.Lock()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def streams_of(self, token: str | None) -> int:
        """How many subscribers here hold this credential."""
        return sum(1 for subscriber in self._subscribers if subscriber.token == token)

    def subscribe(
        self, wants: Callable[[LiveEvent], bool], on_drop: Callable[[], None] | None = None, token: str | None = None
    ) -> Subscriber:
        """A subscriber taking the events `wants` accepts; `token` is its credential, which each event checks for
        all its subscribers at once (live_events.credential_now)."""
        subscriber = Subscriber(self, wants, self.queue_size, on_drop, token)
        self._subscribers.add(subscriber)
        return subscriber

    def remove(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def _first_arrivals(self, ids: Sequence[int]) -> list[int]:
        fresh = sorted({i for i in ids if i not in self._seen})
        for i in fresh:
            self._seen[i] = None
        while len(self._seen) > _SEEN_MAX:
            self._seen.popitem(last=False)
        if fresh and self._high_water is not None:
            self._high_water = max(self._high_water, fresh[-1])
        return fresh

    async def deliver_ids(self, ids: Sequence[int]) -> None:
        """Offer the committed events among these outbox ids to every subscriber (nothing to read when there is
        nobody). Never raises: a failed read is logged, and a reconnect with a cursor recovers what it lost."""
        async with self._lock:
            fresh = self._first_arrivals(ids)
            if not fresh or not self._subscribers:
                return
            try:
                events = await load_events(fresh)
            except Exception:  # the database is away: nothing live to hand out; catch-up reads them later
                log.exception("Could not read committed events %s for live subscribers", fresh[:10])
                return
            self._offer(events)

    def _offer(self, events: Sequence[LiveEvent]) -> None:
        for event in events:
            for subscriber in list(self._subscribers):
                subscriber.offer(event)

    async def watch(self) -> None:
        """Call before subscribing: when nobody here listened so far, note where the events stand, so that a
        catch-up hands out only what is committed from now on. The window a catch-up reads again counts as
        handled. One statement, the first time only. Never raises."""
        async with self._lock:
            if self._high_water is not None:
                return
            try:
                recent = await latest_event_ids(LOOKBACK)
            except Exception:  # the database is away: the first catch-up tries again
                log.exception("Could not read where the events stand for live subscribers")
                return
            self._first_arrivals(recent)
            self._high_water = recent[0] if recent else 0

    async def catch_up(self) -> None:
        """Hand out committed events this hub never heard of (see the module's docstring). Nothing to read while
        nobody listens. Never raises."""
        async with self._lock:
            if not self._subscribers:
                self._high_water = None
                return
            if self._high_water is None:
                return  # `watch` failed; the streams still get what is announced
            try:
                after = max(self._high_water - LOOKBACK, 0)
                while True:
                    batch = await missed_events(after)
                    fresh = set(self._first_arrivals([event.id for event in batch]))
                    self._offer([event for event in batch if event.id in fresh])
                    if len(batch) < CATCH_UP_BATCH:
                        return
                    after = batch[-1].id
            except Exception:  # the database is away: the next run tries again
                log.exception("Could not catch up on committed events for live subscribers")
