"""Events reach subscribers on another process when nothing announces them there (docs/subscriptions.md, "Across
processes"): several `helpdesk serve` processes on the embedded default (one SQLite file, no Redis), and a Redis
that goes away and comes back under two processes on PostgreSQL. Each process's hub reads what it did not hear
of every LIVE_POLL_SECONDS; nothing is delivered twice."""

from __future__ import annotations

from pathlib import Path

from tests import redis_server
from tests.live import TICKET_EVENTS, LiveServer, socket
from tests.notify.live_desk import REPLY, desk_on, run
from tests.notify.test_live_two_instances import PG_URL, fresh_database
from tests.serve import Served, serving

redis_later = redis_server.redis_later
POLL = {"LIVE_POLL_SECONDS": "0.2"}


def live(served: Served) -> LiveServer:
    return LiveServer(str(served.http.base_url).rstrip("/"), served.http)


async def test_processes_without_redis_share_events_through_the_database(tmp_path: Path) -> None:
    # Like `helpdesk serve --workers 2`: the same data directory (SQLite file, secret key), no REDIS_URL.
    async with serving(tmp_path, env=POLL) as served_a, serving(tmp_path, env=POLL) as served_b:
        a, b = live(served_a), live(served_b)
        admin, user, _, number = await desk_on(a)
        async with socket(b, user) as stream:
            await stream.subscribe(TICKET_EVENTS, {"number": number})
            await run(a, REPLY, {"number": number, "body": "Written on the first process."}, admin)
            first = await stream.event()
            await run(a, REPLY, {"number": number, "body": "And a second one."}, admin)
            second = await stream.event()
    assert [first["kind"], second["kind"]] == ["REPLY_ADDED", "REPLY_ADDED"]
    assert first["cursor"] != second["cursor"]


if PG_URL:

    async def test_a_redis_outage_delays_events_on_other_processes_and_loses_none(
        tmp_path: Path, redis_later: redis_server.RedisServer
    ) -> None:
        await redis_later.start()
        env = {**POLL, "DATABASE_URL": await fresh_database("_outage"), "REDIS_URL": redis_later.url(0)}
        async with serving(tmp_path / "a", env=env, ready={"redis": "ok"}) as served_a:
            a = live(served_a)
            admin, user, _, number = await desk_on(a)
            async with serving(tmp_path / "b", env=env, ready={"redis": "ok"}) as served_b:
                async with socket(live(served_b), user) as stream:
                    await stream.subscribe(TICKET_EVENTS, {"number": number})
                    await run(a, REPLY, {"number": number, "body": "Before the outage."}, admin)
                    before = await stream.event()
                    await redis_later.stop()
                    await run(a, REPLY, {"number": number, "body": "During the outage."}, admin)
                    during = await stream.event()
                    await redis_later.start()
                    await served_a.health({"redis": "ok"})
                    await run(a, REPLY, {"number": number, "body": "After it."}, admin)
                    after = await stream.event()
        assert all(event["kind"] == "REPLY_ADDED" for event in (before, during, after))
        assert len({before["cursor"], during["cursor"], after["cursor"]}) == 3

