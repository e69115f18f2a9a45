"""The app's link to Redis in queue mode: never in the way of start-up or of a request, and back by itself.

Redis only carries the fast path (announcing committed emails as arq jobs); the outbox is the record. So an app
that cannot reach Redis keeps serving: it logs the outage once, stops announcing (the emails wait in the outbox
for the worker's pending pass), and a background task tries again after 1, 2, 4, 8 s, then every 15 s, until
Redis answers, which it logs once too. An outage noticed while running (an enqueue or a health ping fails) starts
the same loop. Every Redis operation here is bounded by OPERATION_TIMEOUT_SECONDS, so a request that announces an
email, or a /health probe, never waits on Redis for long.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import default_queue_name, job_key_prefix
from arq.jobs import serialize_job
from arq.utils import timestamp_ms
from redis.exceptions import RedisError

from core import clock

log = logging.getLogger(__name__)

RECONNECT_FIRST_SECONDS = 1.0
RECONNECT_MAX_SECONDS = 15.0
OPERATION_TIMEOUT_SECONDS = 2.0
# What a lost connection looks like: redis-py's errors, the socket's (OSError) and our own timeouts.
REDIS_FAILURES = (RedisError, OSError, TimeoutError)

OK = "ok"
UNREACHABLE = "unreachable"


def redacted(url: str) -> str:
    """The URL without its password, for log lines and messages (REDIS_URL may carry one)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}{port}", parts.path, parts.query, parts.fragment))


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


async def connect(url: str, queue_name: str | None = None) -> ArqRedis:
    """An arq pool on `url` after one PING, or a REDIS_FAILURES error; bounded by OPERATION_TIMEOUT_SECONDS.

    No retries (arq's default is 5, a second apart, which is what kept the app from starting): callers decide."""
    settings = RedisSettings.from_dsn(url)
    settings.conn_retries = 0
    pool = create_pool(settings, default_queue_name=queue_name or default_queue_name)
    return await asyncio.wait_for(pool, OPERATION_TIMEOUT_SECONDS)


async def enqueue_new(pool: ArqRedis, function: str, args: tuple[Any, ...], queue_name: str | None) -> str:
    """What arq's `enqueue_job` writes for a job under a fresh random id, in one round trip instead of three.

    `enqueue_job` WATCHes the job's key and asks whether it or its result exists before its MULTI/EXEC: that
    guards ids a caller chose, and a fresh uuid4 is nobody else's. The same two writes (the serialized job with
    arq's expiry, the id on the queue scored by now) go in one MULTI/EXEC. Returns the job id."""
    job_id = uuid4().hex
    now = timestamp_ms()
    job = serialize_job(function, args, {}, None, now, serializer=pool.job_serializer)
    async with pool.pipeline(transaction=True) as pipe:
        pipe.psetex(job_key_prefix + job_id, pool.expires_extra_ms, job)
        pipe.zadd(queue_name or pool.default_queue_name, {job_id: now})
        await pipe.execute()
    return job_id


class RedisLink:
    """An arq connection that may be down. `pool` adopts an open one (the worker's own), which is never closed."""

    def __init__(self, url: str | None, *, queue_name: str | None = None, pool: ArqRedis | None = None) -> None:
        self.url = url
        self.queue_name = queue_name
        self._pool = pool
        self._owns_pool = pool is None
        self._up = pool is not None
        self._reconnecting: asyncio.Task[None] | None = None

    @property
    def up(self) -> bool:
        return self._up

    @property
    def name(self) -> str:
        return f"Redis at {redacted(self.url)}" if self.url else "Redis"

    async def start(self) -> None:
        """Connect once (bounded); when that fails, log it and keep trying in the background. Never raises."""
        if self._up:
            return
        try:
            await self._connect()
        except REDIS_FAILURES as error:
            self._lost(error, at_start=True)

    async def stop(self) -> None:
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            await asyncio.gather(self._reconnecting, return_exceptions=True)
            self._reconnecting = None
        if self._pool is not None and self._owns_pool:
            await self._pool.aclose(close_connection_pool=True)
            self._pool = None
        self._up = False

    async def enqueue(self, function: str, *args: Any) -> bool:
        """Queue one arq job; False (and the outage noted) when Redis is down or fails now."""
        if not self._up or self._pool is None:
            return False
        try:
            await asyncio.wait_for(enqueue_new(self._pool, function, args, self.queue_name), OPERATION_TIMEOUT_SECONDS)
        except REDIS_FAILURES as error:
            self._lost(error)
            return False
        return True

    async def status(self) -> str:
        """OK when Redis answers a PING now, UNREACHABLE otherwise (without waiting while it is known down)."""
        if not self._up or self._pool is None:
            return UNREACHABLE
        try:
            await asyncio.wait_for(self._pool.ping(), OPERATION_TIMEOUT_SECONDS)
        except REDIS_FAILURES as error:
            self._lost(error)
            return UNREACHABLE
        return OK

    async def _connect(self) -> None:
        if self._pool is None:
            assert self.url is not None
            self._pool = await connect(self.url, self.queue_name)  # the reconnect loop is the retry
        else:
            await asyncio.wait_for(self._pool.ping(), OPERATION_TIMEOUT_SECONDS)
        self._up = True

    def _lost(self, error: BaseException, *, at_start: bool = False) -> None:
        was_up = self._up
        self._up = False
        if was_up or at_start:
            when = "at start-up" if at_start else "now"
            log.warning(
                "%s is unreachable %s (%s): serving without it; emails wait in the outbox and rate limits count "
                "per process until it is back; reconnecting in the background",
                self.name,
                when,
                describe(error),
            )
        if self._reconnecting is None or self._reconnecting.done():
            self._reconnecting = asyncio.create_task(self._reconnect(), name="redis:reconnect")

    async def _reconnect(self) -> None:
        delay = RECONNECT_FIRST_SECONDS
        while True:
            await clock.sleep(delay)
            try:
                await self._connect()
            except REDIS_FAILURES as error:
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)
                log.debug("%s still unreachable (%s); next try in %.0f s", self.name, describe(error), delay)
                continue
            log.warning("%s is reachable again: committed emails are queued for the worker again", self.name)
            return
