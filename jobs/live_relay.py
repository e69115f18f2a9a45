"""Committed ticket events to every app process's subscribers (issue 11.3; DESIGN "Scale-out").

After a change commits, its outbox ids are announced (resolvers/notify/outbox.py). The relay hands the event
ids to this process's hub at once (the embedded default needs nothing else) and, with REDIS_URL, publishes
them on a Redis channel that every app process listens to, so a reply posted through one process reaches a
subscriber on another. Only ids travel: each hub reads the rows itself, and only while it has subscribers.
Workers publish too (the sweep's and the SLA pass's events) but listen to nothing.

Redis is the fast path here as for jobs: when it is away the change still commits and this process's subscribers
still get it at once. Every `poll_seconds` while somebody here is subscribed, the hub also reads what was
committed that it never heard of (`EventHub.catch_up`), so subscribers elsewhere get it a few seconds later, and
so do the processes of `helpdesk serve --workers N` without Redis at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any
from urllib.parse import urlsplit

import orjson
from redis.asyncio import Redis

from jobs.redis_link import OPERATION_TIMEOUT_SECONDS, REDIS_FAILURES, describe, redacted
from resolvers.notify import outbox
from resolvers.notify.event_hub import EventHub

log = logging.getLogger(__name__)


def channel_for(database: object) -> str:
    """Pub/sub channels are shared by every database of a Redis server; the database number keeps two help
    desks (or two test runs) on one server apart."""
    return f"helpdesk:{database or 0}:events"


class LiveRelay:
    def __init__(
        self, redis_url: str | None, hub: EventHub | None, *, redis: Redis | None = None, poll_seconds: float = 2.0
    ) -> None:
        """`hub` None: publish only (the worker, which passes its own open connection as `redis`)."""
        self.redis_url = redis_url
        self.hub = hub
        self.poll_seconds = poll_seconds
        self._away = False
        self._redis: Redis | None = redis
        self._owns_redis = redis is None
        database = urlsplit(redis_url).path.strip("/") if redis_url else None
        if redis is not None:
            database = redis.connection_pool.connection_kwargs.get("db")
        self.channel = channel_for(database)
        self.name = redacted(redis_url) if redis_url else "Redis"
        self._listener: asyncio.Task[None] | None = None
        # Strong references to hand-overs in flight (the loop keeps only weak ones).
        self._sending: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        if self._redis is None and self.redis_url is not None:
            self._redis = Redis.from_url(self.redis_url, socket_timeout=None, socket_connect_timeout=2)
        if self.hub is not None:
            listen = self._listen() if self._redis is not None else self._poll()
            self._listener = asyncio.create_task(listen, name="live-events:listen")
        outbox.add_listener(self.on_committed)

    async def stop(self) -> None:
        outbox.remove_listener(self.on_committed)
        if self._sending:
            await asyncio.wait(set(self._sending), timeout=OPERATION_TIMEOUT_SECONDS)
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None
        if self._redis is not None and self._owns_redis:
            await self._redis.aclose()
        self._redis = None

    async def on_committed(self, ids: list[int]) -> None:
        """An outbox listener: never raises and never waits on Redis or the database (the request that committed
        is still answering)."""
        event_ids = await outbox.event_ids(ids)
        if not event_ids:
            return
        if self.hub is not None:
            self._spawn(self.hub.deliver_ids(event_ids))
        if self._redis is not None:
            self._spawn(self._publish(event_ids))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _publish(self, ids: Sequence[int]) -> None:
        assert self._redis is not None
        try:
            await asyncio.wait_for(
                self._redis.publish(self.channel, orjson.dumps(list(ids))), OPERATION_TIMEOUT_SECONDS
            )
        except REDIS_FAILURES as error:
            log.warning(
                "Could not publish events %s to %s (%s): subscribers on other processes get them when they "
                "reconnect with their cursor", list(ids)[:10], self.name, describe(error),
            )  # fmt: skip

    async def _poll(self) -> None:
        """No Redis: only the catch-up, for the other processes' commits."""
        assert self.hub is not None
        while True:
            await asyncio.sleep(self.poll_seconds)
            await self.hub.catch_up()

    async def _listen(self) -> None:
        """Hand every published batch to the hub, and catch up every `poll_seconds`; while Redis is away, catch up
        and try to subscribe again every `poll_seconds`."""
        assert self._redis is not None and self.hub is not None
        while True:
            try:
                async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.channel)
                    if self._away:
                        log.warning("Live events from %s flow again", self.name)
                        self._away = False
                    await self._hear(pubsub)
            except REDIS_FAILURES as error:
                if not self._away:
                    log.warning(
                        "Live events from %s interrupted (%s): reading them from the database every %.0f s until it "
                        "is back", self.name, describe(error), self.poll_seconds,
                    )  # fmt: skip
                    self._away = True
            await self.hub.catch_up()
            await asyncio.sleep(self.poll_seconds)

    async def _hear(self, pubsub: Any) -> None:
        assert self.hub is not None
        loop = asyncio.get_running_loop()
        await self.hub.catch_up()  # what was committed while nobody here was listening to Redis
        next_catch_up = loop.time() + self.poll_seconds
        while True:
            message = await pubsub.get_message(timeout=self.poll_seconds)
            ids = _ids(message.get("data")) if message else []
            if ids:
                await self.hub.deliver_ids(ids)
            if loop.time() >= next_catch_up:
                await self.hub.catch_up()
                next_catch_up = loop.time() + self.poll_seconds


def _ids(data: object) -> list[int]:
    """The ids of one published batch; anything else on the channel is ignored."""
    try:
        value = orjson.loads(data) if isinstance(data, bytes | str) else None
    except orjson.JSONDecodeError:
        return []
    return [i for i in value if type(i) is int] if isinstance(value, list) else []
