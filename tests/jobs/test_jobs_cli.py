"""`helpdesk sweep` and `helpdesk worker`, run for real in subprocesses against a fresh SQLite database."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from arq import create_pool
from arq.connections import RedisSettings

from tests.helpers import redis_url_for_tests
from tests.redis_server import RedisServer
from tests.serve import serve_env, serving
from tests.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]

# arq's Worker.close() calls redis-py's deprecated close(); the warning is arq's, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")


async def helpdesk(*args: str, data_dir: Path, redis_url: str | None = None) -> tuple[int, str, str]:
    env = serve_env(data_dir, {"REDIS_URL": redis_url} if redis_url else None)
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


async def test_cli_worker_with_redis_unreachable_refuses_in_one_line(tmp_path: Path) -> None:
    url = f"redis://:hunter2secret@127.0.0.1:{free_port()}/0"  # nothing listens there
    code, out, err = await helpdesk("worker", data_dir=tmp_path, redis_url=url)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("helpdesk worker: cannot reach Redis at redis://:***@127.0.0.1:")
    assert "Start Redis or correct REDIS_URL" in lines[0]
    assert "hunter2secret" not in err + out
    # Refused before touching the database: nothing migrated.
    assert not (tmp_path / "helpdesk.sqlite3").exists()


async def test_cli_worker_burst_prints_a_line_per_job_and_a_summary(tmp_path: Path) -> None:
    """Two jobs on the default queue of this test's Redis database: one that succeeds, one that fails (the sweep
    without a CLOSED-kind status refuses)."""
    url = redis_url_for_tests()
    assert (await helpdesk("migrate", data_dir=tmp_path))[0] == 0
    database = tmp_path / "helpdesk.sqlite3"
    with closing(sqlite3.connect(database)) as conn, conn:
        conn.execute("DELETE FROM statuses WHERE kind = 'CLOSED'")
    pool = await create_pool(RedisSettings.from_dsn(url))
    try:
        await pool.delete(pool.default_queue_name)
        assert await pool.enqueue_job("deliver_email", 999) is not None
        assert await pool.enqueue_job("close_expired_tickets_job") is not None
        code, out, err = await helpdesk("worker", "--burst", data_dir=tmp_path, redis_url=url)
    finally:
        await pool.aclose(close_connection_pool=True)
    assert code == 1, err  # a job failed
    lines = out.splitlines()
    assert "deliver_email(999): ok, returned False" in lines
    [failed] = [line for line in lines if line.startswith("close_expired_tickets_job(): ")]
    assert failed.startswith("close_expired_tickets_job(): failed, DomainError: ")
    # The minutely cron may add its own run if second 0 falls inside the burst.
    cron = [line for line in lines if line.startswith("cron:deliver_pending_emails(): ok")]
    ok = 1 + len(cron)
    assert lines[-1] == f"Burst done: {ok + 1} job(s) run, {ok} ok, 1 failed, 0 to be retried."


async def test_serve_starts_without_redis_and_finds_it_when_it_comes_up(tmp_path: Path) -> None:
    """`helpdesk serve` with REDIS_URL where nothing listens: it serves, /health says degraded, a committed email
    stays in the outbox; then redis-server starts on that port and the same server process announces the next
    email there."""
    redis = RedisServer(free_port())
    try:
        unreachable = {"REDIS_URL": redis.url()}
        async with serving(tmp_path, "--demo", env=unreachable, ready={"redis": "unreachable"}) as served:
            http = served.http
            degraded = {"status": "degraded", "database": "ok", "redis": "unreachable", "subscribers": 0}
            assert await served.health() == degraded
            admin = next(line.split() for line in served.lines if line.startswith("ADMIN "))
            token = await login(http, admin[1], admin[2])
            before = email_ids(tmp_path)
            await create_ticket(http, token)
            [waiting] = email_ids(tmp_path) - before
            assert outbox_status(tmp_path, waiting) == "PENDING"

            await redis.start()
            # The reconnect loop (1, 2, 4 ... s apart) finds it without a restart.
            assert (await served.health({"redis": "ok"}))["status"] == "ok"
            before = email_ids(tmp_path)
            await create_ticket(http, token)
            [announced] = email_ids(tmp_path) - before
            pool = await create_pool(RedisSettings.from_dsn(redis.url()))
            try:
                queued = [(job.function, job.args) for job in await pool.queued_jobs()]
            finally:
                await pool.aclose(close_connection_pool=True)
            assert queued == [("deliver_emails", ([announced],))]
    finally:
        await redis.close()
    log = served.output
    assert log.count("unreachable at start-up") == 1, log
    assert log.count("is reachable again") == 1, log
    assert "Traceback" not in log and "Application startup failed" not in log, log


async def graphql(http: httpx.AsyncClient, query: str, variables: dict[str, object], token: str = "") -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict = response.json()
    assert not body.get("errors"), body
    return body["data"]


async def login(http: httpx.AsyncClient, email: str, password: str) -> str:
    query = "mutation($i: LoginInput!) { login(input: $i) { token errors { message } } }"
    result = (await graphql(http, query, {"i": {"email": email, "password": password}}))["login"]
    assert result["errors"] == [], result
    return str(result["token"])


async def create_ticket(http: httpx.AsyncClient, token: str) -> None:
    category = (await graphql(http, "{ categories { id } }", {}, token))["categories"][0]["id"]
    query = "mutation($i: CreateTicketInput!) { createTicket(input: $i) { ticket { number } errors { message } } }"
    values = {"subject": "Printer", "description": "It jams.", "categoryId": category}
    assert (await graphql(http, query, {"i": values}, token))["createTicket"]["errors"] == []


def email_ids(data_dir: Path) -> set[int]:
    with closing(sqlite3.connect(data_dir / "helpdesk.sqlite3")) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM outbox WHERE channel = 'email'")}


def outbox_status(data_dir: Path, outbox_id: int) -> str:
    with closing(sqlite3.connect(data_dir / "helpdesk.sqlite3")) as conn:
        return str(conn.execute("SELECT status FROM outbox WHERE id = ?", (outbox_id,)).fetchone()[0])
