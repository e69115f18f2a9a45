"""`helpdesk sweep` and `helpdesk worker`, run for real in subprocesses against a fresh SQLite database."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from arq import create_pool
from arq.connections import RedisSettings

from tests.helpers import redis_url_for_tests

ROOT = Path(__file__).resolve().parent.parent

# arq's Worker.close() calls redis-py's deprecated close(); the warning is arq's, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")


async def helpdesk(*args: str, data_dir: Path, redis_url: str | None = None) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SMTP_HOST")}
    env.update(HELPDESK_DATA_DIR=str(data_dir), PASSWORD_HASH_PROFILE="fast")
    if redis_url:
        env["REDIS_URL"] = redis_url
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", *args, cwd=ROOT, env=env, stdout=-1, stderr=-1
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def add_expired_ticket(database: Path) -> int:
    """Insert a Resolved ticket resolved 30 days ago, straight into a migrated SQLite file."""
    long_ago = (datetime.now(UTC) - timedelta(days=30)).isoformat(" ")
    with closing(sqlite3.connect(database)) as conn, conn:
        (resolved,) = conn.execute("SELECT id FROM statuses WHERE kind = 'RESOLVED'").fetchone()
        category = conn.execute(
            "INSERT INTO categories (name, sort_order, archived, created_at) VALUES (?, 0, 0, ?)",
            (f"Hardware {uuid.uuid4().hex}", long_ago),
        ).lastrowid
        ticket = conn.execute(
            "INSERT INTO tickets (subject, description, category_id, priority, status_id, guest_email, reopened,"
            " sla_paused_seconds, resolved_at, created_at, updated_at)"
            " VALUES ('Old', 'x', ?, 3, ?, 'g@example.org', 0, 0, ?, ?, ?)",
            (category, resolved, long_ago, long_ago, long_ago),
        ).lastrowid
    assert ticket is not None
    return ticket


def status_kind_in(database: Path, ticket_id: int) -> str:
    with closing(sqlite3.connect(database)) as conn:
        row = conn.execute(
            "SELECT s.kind FROM tickets t JOIN statuses s ON s.id = t.status_id WHERE t.id = ?", (ticket_id,)
        ).fetchone()
    return str(row[0])


async def test_cli_sweep_closes_expired_tickets_once(tmp_path: Path) -> None:
    assert (await helpdesk("migrate", data_dir=tmp_path))[0] == 0
    database = tmp_path / "helpdesk.sqlite3"
    ticket_id = add_expired_ticket(database)
    code, out, err = await helpdesk("sweep", data_dir=tmp_path)
    assert code == 0, err
    assert "Closed 1 ticket(s)" in out
    assert status_kind_in(database, ticket_id) == "CLOSED"
    code, out, _ = await helpdesk("sweep", data_dir=tmp_path)
    assert code == 0 and "Closed 0 ticket(s)" in out


async def test_cli_worker_without_redis_says_what_is_missing(tmp_path: Path) -> None:
    code, _, err = await helpdesk("worker", data_dir=tmp_path)
    assert code == 1
    assert "REDIS_URL" in err


async def test_cli_worker_runs_queued_jobs_with_the_production_settings(tmp_path: Path) -> None:
    """`helpdesk worker --burst` on the default queue of a Redis database of its own: migrations, the worker's
    start-up (database) and shut-down, and the sweep job."""
    url = redis_url_for_tests()
    assert (await helpdesk("migrate", data_dir=tmp_path))[0] == 0
    database = tmp_path / "helpdesk.sqlite3"
    ticket_id = add_expired_ticket(database)
    pool = await create_pool(RedisSettings.from_dsn(url))
    try:
        await pool.delete(pool.default_queue_name)
        job = await pool.enqueue_job("close_expired_tickets_job")
        assert job is not None
        code, _, err = await helpdesk("worker", "--burst", data_dir=tmp_path, redis_url=url)
        assert code == 0, err
        # The job succeeded. (Its count is 1, unless the worker's own hourly cron slot fell inside this burst and
        # closed the ticket first: then 0. Either way the ticket is closed exactly once, checked below.)
        assert await job.result(timeout=5) in (0, 1)
    finally:
        await pool.aclose(close_connection_pool=True)
    assert status_kind_in(database, ticket_id) == "CLOSED"
    with closing(sqlite3.connect(database)) as conn:
        audited = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'ticket.closed'").fetchone()[0]
    assert audited == 1
