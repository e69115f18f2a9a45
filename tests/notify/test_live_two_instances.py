"""Two app processes on one PostgreSQL and one Redis (issue 11.3, DESIGN "Scale-out"): two real `helpdesk
serve`, a real websocket client on the second, every change made through the first. Events cross between them
through Redis pub/sub; the rules (notes for staff only, a disabled account's stream closed) hold on the process
that delivers; a reconnect to the other process with a cursor gets what was missed, once.

PostgreSQL only (it is what two processes share in production): the test is defined when TEST_DATABASE_URL is
set, which CI requires (tests/conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis

from tests.conftest import fresh_postgres
from tests.helpers import redis_url_for_tests
from tests.live import TICKET_EVENTS, LiveServer, socket
from tests.notify.live_desk import REPLY, UPDATE_USER, desk_on, run
from tests.serve import serving

PG_URL = os.environ.get("TEST_DATABASE_URL")
# Its own Redis database: the two servers queue email jobs there, which no worker test may pick up.
LIVE_REDIS_DB = 12


async def fresh_database(suffix: str) -> str:
    """An empty database beside the test database: both servers migrate and share it."""
    assert PG_URL
    parts = urlsplit(PG_URL)
    url = urlunsplit(parts._replace(path=parts.path + suffix))
    await fresh_postgres(url)
    return url


async def fresh_redis() -> str:
    parts = urlsplit(redis_url_for_tests())
    url = urlunsplit(parts._replace(path=f"/{LIVE_REDIS_DB}"))
    redis = Redis.from_url(url)
    try:
        await redis.flushdb()
    finally:
        await redis.aclose()
    return url


if PG_URL:

    async def test_a_change_through_one_instance_reaches_subscribers_on_the_other(tmp_path: Path) -> None:
        env = {"DATABASE_URL": await fresh_database("_live"), "REDIS_URL": await fresh_redis()}
        async with serving(tmp_path / "a", env=env, ready={"redis": "ok"}) as served_a:
            a = LiveServer(str(served_a.http.base_url).rstrip("/"), served_a.http)
            admin, user, user_id, number = await desk_on(a)
            async with serving(tmp_path / "b", env=env, ready={"redis": "ok"}) as served_b:
                b = LiveServer(str(served_b.http.base_url).rstrip("/"), served_b.http)
                async with socket(b, admin) as staff_stream, socket(b, user) as user_stream:
                    await staff_stream.subscribe(TICKET_EVENTS, {"number": number})
                    await user_stream.subscribe(TICKET_EVENTS, {"number": number})
                    await run(a, REPLY, {"number": number, "body": "Disk is dying.", "internal": True}, admin)
                    await run(a, REPLY, {"number": number, "body": "A new disk is on its way."}, admin)
                    note, reply = await staff_stream.event(), await staff_stream.event()
                    # The note came first; the user's first event is the public reply.
                    users_first = await user_stream.event()

                    await run(a, UPDATE_USER, {"userId": user_id, "disabled": True}, admin)
                    await run(a, REPLY, {"number": number, "body": "Anything else?"}, admin)
                    closed, _ = await user_stream.closed()
                    last = await staff_stream.event()
                # Back on the other process, from the note's cursor: what followed it, once, then live events.
                async with socket(a, admin) as again:
                    await again.subscribe(TICKET_EVENTS, {"number": number, "after": note["cursor"]})
                    missed = [await again.event(), await again.event()]
                    await run(b, REPLY, {"number": number, "body": "Through the second process."}, admin)
                    live = await again.event()

        assert (note["kind"], note["reply"]["internal"]) == ("NOTE_ADDED", True)
        assert (reply["kind"], reply["reply"]["internal"]) == ("REPLY_ADDED", False)
        assert (users_first["kind"], users_first["cursor"]) == ("REPLY_ADDED", reply["cursor"])
        assert closed == 4403
        assert [e["cursor"] for e in missed] == [reply["cursor"], last["cursor"]]
        assert live["kind"] == "REPLY_ADDED" and live["cursor"] not in {note["cursor"], *(e["cursor"] for e in missed)}
