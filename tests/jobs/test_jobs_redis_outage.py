"""Queue mode (REDIS_URL set) while Redis is away: the app starts and serves anyway, committed emails wait in the
outbox, /health says "degraded", and the app finds Redis again by itself, without a restart.

Real pieces only: the app's own lifespan (create_app with the job runtime), a loopback port where nothing listens,
then a real redis-server started on that very port (tests/redis_server.py), a real arq worker and a real SMTP
server. The reconnect loop waits on the controllable clock (core/clock.py), so the test moves the clock past its
back-off instead of sleeping. `helpdesk serve` itself in this situation: tests/jobs/test_jobs_cli.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker

from core import clock
from core.config import get_config
from core.enums import OutboxStatus
from jobs.redis_link import RECONNECT_FIRST_SECONDS, RECONNECT_MAX_SECONDS
from jobs.worker import WorkerSettings
from models.outbox import OutboxMessage
from server.app import create_app
from tests import redis_server, smtp
from tests.jobs.test_jobs_runtime import file_ticket, run_burst
from tests.redis_server import RedisServer
from tests.smtp import SmtpServer

redis_later = redis_server.redis_later
smtp_server = smtp.smtp_server
# arq's Worker.close() calls redis-py's deprecated close(); the warning is arq's, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")

START = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
DEGRADED = {"status": "degraded", "database": "ok", "redis": "unreachable", "subscribers": 0}
HEALTHY = {"status": "ok", "database": "ok", "redis": "ok", "subscribers": 0}


@asynccontextmanager
async def running_app(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app with REDIS_URL=`redis_url`, its lifespan run as uvicorn runs it (the database is the test's)."""
    app = create_app(dataclasses.replace(get_config(), redis_url=redis_url), manage_db=False, run_jobs=True)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def health(http: httpx.AsyncClient) -> dict[str, Any]:
    response = await http.get("/health")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def until_healthy(http: httpx.AsyncClient) -> None:
    """Poll /health (bounded) until Redis is back in it; the reconnect loop runs meanwhile."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while (body := await health(http)) != HEALTHY:
        assert body == DEGRADED
        assert loop.time() < deadline, "the app did not find Redis again"
        await asyncio.sleep(0.02)


async def until_asleep_until(moment: datetime) -> None:
    """Wait (bounded) until the reconnect loop sleeps until `moment`: its previous try is over."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while clock.sleepers() != [moment]:
        assert loop.time() < deadline, f"the reconnect loop waits until {clock.sleepers()}, not {moment}"
        await asyncio.sleep(0.01)


def redis_lines(caplog: pytest.LogCaptureFixture, words: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "jobs.redis_link" and words in r.getMessage()]


async def queued_jobs(server: RedisServer) -> list[tuple[str, tuple[Any, ...]]]:
    pool = await create_pool(RedisSettings.from_dsn(server.url()))
    try:
        return [(job.function, job.args) for job in await pool.queued_jobs()]
    finally:
        await pool.aclose(close_connection_pool=True)


async def email_rows() -> list[tuple[int, OutboxStatus]]:
    return [(r.id, r.status) for r in await OutboxMessage.filter(channel="email").order_by("id")]


async def test_the_app_starts_without_redis_keeps_emails_in_the_outbox_and_reconnects_when_it_returns(
    db: str, redis_later: RedisServer, smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock.set_now(START)
    async with running_app(redis_later.url()) as http:
        # Started (the lifespan did not fail) and says what is missing, with 200: the database is what matters.
        assert await health(http) == DEGRADED
        [outage] = redis_lines(caplog, "unreachable at start-up")
        assert outage.exc_info is None and redis_later.url() in outage.getMessage()

        # GraphQL works; the committed email stays in the outbox for the worker's pending pass.
        first_requester, _ = await file_ticket(http)
        [(waiting, status)] = await email_rows()
        assert status is OutboxStatus.PENDING
        # The reconnect loop tries again after 1, 2 and 4 s; each try fails, and none adds a line to the log.
        for delay in (1, 2, 4):
            clock.advance(timedelta(seconds=delay))
            await until_asleep_until(clock.now() + timedelta(seconds=min(delay * 2, RECONNECT_MAX_SECONDS)))
        assert len(redis_lines(caplog, "unreachable")) == 1  # no line per request or per retry

        # Redis comes up on that port. The reconnect loop's next try (the clock moves to it) finds it; nobody
        # restarts the app.
        await redis_later.start()
        clock.set_now(clock.sleepers()[0])
        await until_healthy(http)
        assert len(redis_lines(caplog, "reachable again")) == 1

        # The next committed email is announced to that Redis as an arq job; the one that waited is not.
        second_requester, _ = await file_ticket(http)
        [_, (announced, _)] = await email_rows()
        assert await queued_jobs(redis_later) == [("deliver_emails", ([announced],))]

    # A worker on that Redis delivers both: the announced email as its job, the waiting one in the pending pass.
    pool = await create_pool(RedisSettings.from_dsn(redis_later.url()))
    try:
        await pool.enqueue_job("deliver_pending_emails")
    finally:
        await pool.aclose(close_connection_pool=True)
    worker = Worker(
        functions=WorkerSettings.functions,
        redis_settings=RedisSettings.from_dsn(redis_later.url()),
        burst=True,
        handle_signals=False,
        poll_delay=0.01,
    )
    await run_burst(worker)
    assert (worker.jobs_complete, worker.jobs_failed) == (2, 0)
    assert await email_rows() == [(waiting, OutboxStatus.SENT), (announced, OutboxStatus.SENT)]
    assert sorted(r.recipients[0] for r in smtp_server.received) == sorted([first_requester, second_requester])


async def test_redis_lost_while_running_is_logged_once_and_found_again(
    db: str, redis_later: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    await redis_later.start()
    clock.set_now(START)
    async with running_app(redis_later.url()) as http:
        assert await health(http) == HEALTHY
        await file_ticket(http)
        assert len(await queued_jobs(redis_later)) == 1

        await redis_later.stop()
        # Requests keep working; the first announcement that fails notes the outage, the next skips Redis.
        await file_ticket(http)
        await file_ticket(http)
        assert [status for _, status in await email_rows()] == [OutboxStatus.PENDING] * 3
        [outage] = redis_lines(caplog, "unreachable")
        assert outage.exc_info is None and "unreachable now" in outage.getMessage()
        assert await health(http) == DEGRADED

        await redis_later.start()  # back, empty (no persistence)
        await until_asleep_until(clock.now() + timedelta(seconds=RECONNECT_FIRST_SECONDS))
        clock.set_now(clock.sleepers()[0])
        await until_healthy(http)
        await file_ticket(http)
        [*_, (announced, _)] = await email_rows()
        assert await queued_jobs(redis_later) == [("deliver_emails", ([announced],))]
    assert len(redis_lines(caplog, "unreachable")) == 1
    assert len(redis_lines(caplog, "reachable again")) == 1


async def test_without_redis_url_health_says_redis_is_not_configured(db: str) -> None:
    app = create_app(dataclasses.replace(get_config(), redis_url=None), manage_db=False, run_jobs=True)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            assert await health(http) == {"status": "ok", "database": "ok", "redis": "not configured", "subscribers": 0}
