"""Per-address rate limits on what needs no account (SPEC 10): in this process, or shared through Redis."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from core import clock
from core.config import load_config, reset_config
from models.settings import Setting
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from resolvers.kernel.rate_limit import KEY_PREFIX, REDIS_RETRY_SECONDS, client_key, reset_local_counters
from tests import redis_server
from tests.helpers import (
    ERRORS,
    assert_refused,
    gql_data,
    make_category,
    redis_rate_limits,
    redis_url_for_tests,
    refusals,
)
from tests.redis_server import RedisServer

redis_later = redis_server.redis_later

LINK = f"""mutation($i: RequestGuestLinkInput!) {{ requestGuestLink(input: $i) {{ accepted {ERRORS} }} }}"""
SUBMIT = f"""mutation($i: SubmitGuestTicketInput!) {{ submitGuestTicket(input: $i) {{
  trackingRef {ERRORS} }} }}"""
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # on a 10-minute boundary


@pytest.fixture
def limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """3 attempts per 10 minutes, in-process counters from zero, a clock at the start of a window."""
    monkeypatch.setenv("GUEST_RATE_LIMIT", "3/600")
    reset_config()
    reset_local_counters()
    clock.set_now(START)
    yield
    monkeypatch.delenv("GUEST_RATE_LIMIT")
    reset_config()
    reset_local_counters()


def client_at(app: Any, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 4321)), base_url="http://t")


async def ask(http: httpx.AsyncClient) -> Reason | None:
    data = await gql_data(http, LINK, {"i": {"email": "visitor@example.net", "trackingRef": "ABCDEFGHIJ"}})
    found = refusals(data["requestGuestLink"])
    return found[0][0] if found else None


async def test_link_requests_are_limited_per_address_and_window(db: str, app: Any, limit: None) -> None:
    async with client_at(app, "203.0.113.7") as first, client_at(app, "198.51.100.2") as second:
        assert [await ask(first) for _ in range(3)] == [None, None, None]
        body = await gql_data(first, LINK, {"i": {"email": "visitor@example.net", "trackingRef": "ABCDEFGHIJ"}})
        assert_refused(body["requestGuestLink"], Reason.TOO_MANY_ATTEMPTS)
        # The message says what the limit is and when to try again.
        message = body["requestGuestLink"]["errors"][0]["message"]
        assert "at most 3 every 10 minutes" in message and "Try again in 10 minutes" in message
        # Another address has its own budget.
        assert await ask(second) is None
        # The next window starts from zero.
        clock.set_now(START + timedelta(minutes=10))
        assert await ask(first) is None


async def test_submissions_count_every_attempt_even_refused_ones(db: str, app: Any, limit: None) -> None:
    await Setting.create(key="guest_submission_enabled", value=True)
    category = await make_category()
    async with client_at(app, "203.0.113.7") as http:
        bad = {"email": "nope", "subject": "s", "description": "d", "categoryId": str(category.id)}
        for _ in range(3):
            result = (await gql_data(http, SUBMIT, {"i": bad}))["submitGuestTicket"]
            assert_refused(result, Reason.INVALID_EMAIL, "email")
        good = {**bad, "email": "visitor@example.net"}
        result = (await gql_data(http, SUBMIT, {"i": good}))["submitGuestTicket"]
        assert_refused(result, Reason.TOO_MANY_ATTEMPTS)
        assert await Ticket.all().count() == 0
        # Submissions and link requests are separate actions with separate budgets.
        assert await ask(http) is None


def test_client_keys() -> None:
    assert client_key("203.0.113.7") == "203.0.113.7"
    # One IPv6 host usually owns a /64: the whole network shares a budget.
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert client_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert client_key(None) == "unknown"


@pytest.mark.parametrize("value", ["10", "0/600", "ten/600", "10/-1", "/"])
def test_a_malformed_guest_rate_limit_is_refused_at_start(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("GUEST_RATE_LIMIT", value)
    with pytest.raises(ValueError, match="GUEST_RATE_LIMIT"):
        load_config()


@pytest.fixture
async def shared_limit(monkeypatch: pytest.MonkeyPatch, limit: None) -> AsyncIterator[Redis]:
    """The same limit kept in Redis (REDIS_URL set), with this test's keys removed before and after."""
    async with redis_rate_limits(
        monkeypatch, redis_url_for_tests("redis://127.0.0.1:6379/11"), f"{KEY_PREFIX}:*"
    ) as redis:
        yield redis


async def test_redis_counters_are_shared_by_every_process(db: str, app: Any, shared_limit: Redis) -> None:
    async with client_at(app, "203.0.113.7") as http:
        assert [await ask(http) for _ in range(3)] == [None, None, None]
        # Another app process has empty local counters; the count lives in Redis, so it is refused there too.
        reset_local_counters()
        assert await ask(http) is Reason.TOO_MANY_ATTEMPTS
    keys = [key async for key in shared_limit.scan_iter(match=f"{KEY_PREFIX}:guest_link:203.0.113.7:*")]
    assert len(keys) == 1
    assert int(await shared_limit.get(keys[0])) == 4
    assert 0 < await shared_limit.ttl(keys[0]) <= 600


def rate_limit_lines(caplog: pytest.LogCaptureFixture, words: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "resolvers.kernel.rate_limit" and words in r.getMessage()]


async def test_while_redis_is_away_the_process_counts_alone_and_goes_back_to_redis_when_it_returns(
    db: str,
    app: Any,
    limit: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    redis_later: RedisServer,
) -> None:
    # Nothing listens on that port yet: Redis is down, guests are still served and still limited per process.
    monkeypatch.setenv("REDIS_URL", redis_later.url())
    reset_config()
    try:
        async with client_at(app, "203.0.113.7") as http:
            assert [await ask(http) for _ in range(4)] == [None, None, None, Reason.TOO_MANY_ATTEMPTS]
            # Past the retry interval Redis is tried again, and fails again: still counted here, still one line for
            # the whole outage, not one per attempt or per retry.
            clock.advance(timedelta(seconds=REDIS_RETRY_SECONDS))
            assert await ask(http) is Reason.TOO_MANY_ATTEMPTS
            [outage] = rate_limit_lines(caplog, "Redis unavailable")
            assert outage.exc_info is None

            # Redis is back. Within the retry interval the process still counts alone (no attempt per request)...
            await redis_later.start()
            clock.advance(timedelta(seconds=REDIS_RETRY_SECONDS - 1))
            assert await ask(http) is Reason.TOO_MANY_ATTEMPTS
            redis = redis_later.client()
            try:
                assert [key async for key in redis.scan_iter(match=f"{KEY_PREFIX}:*")] == []
                # ...then the next attempt goes to Redis, and so do the ones after it.
                clock.advance(timedelta(seconds=1))
                assert [await ask(http), await ask(http)] == [None, None]
                keys = [key async for key in redis.scan_iter(match=f"{KEY_PREFIX}:guest_link:203.0.113.7:*")]
                assert len(keys) == 1 and int(await redis.get(keys[0])) == 2
            finally:
                await redis.aclose()
            assert len(rate_limit_lines(caplog, "reachable again")) == 1
            assert len(rate_limit_lines(caplog, "Redis unavailable")) == 1
    finally:
        monkeypatch.delenv("REDIS_URL")
        reset_config()
