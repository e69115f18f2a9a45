"""The job plumbing: the in-process runtime, the arq enqueue path, a real arq worker on real Redis.
(The `worker` and `sweep` commands: tests/jobs/test_jobs_cli.py.)

Redis comes from TEST_REDIS_URL (CI sets it; without it under CI=true these tests fail, they never skip).
Every test uses a queue name of its own, so parallel runs and stale jobs cannot interfere.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from arq.constants import job_key_prefix
from arq.worker import Worker
from tortoise.transactions import in_transaction

from core import clock
from core.enums import OutboxStatus, Role, StatusKind
from jobs.redis_link import enqueue_new
from jobs.runtime import HOUR, MINUTE, JobRuntime, next_run
from jobs.worker import SWEEP_TIMEOUT_SECONDS, WorkerSettings
from models.outbox import OutboxMessage
from models.statuses import Status
from models.tickets import Ticket
from resolvers.notify import outbox
from tests import smtp
from tests.helpers import gql_data, make_category, make_person, make_ticket, redis_url_for_tests, status_of
from tests.smtp import SmtpServer

# The SMTP fixture, used by name.
smtp_server = smtp.smtp_server
# arq's Worker.close() calls redis-py's deprecated close(); the warning is arq's, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")

CREATE_TICKET = """
mutation($input: CreateTicketInput!) { createTicket(input: $input) { ticket { number } errors { message } } }
"""


@dataclass
class Queue:
    url: str
    name: str
    pool: ArqRedis

    def worker(self, **overrides: Any) -> Worker:
        """A real arq worker on this queue with the production job functions, in burst mode."""
        arguments: dict[str, Any] = {
            "functions": WorkerSettings.functions,
            "redis_settings": RedisSettings.from_dsn(self.url),
            "queue_name": self.name,
            "burst": True,
            "handle_signals": False,
            "poll_delay": 0.01,
        }
        return Worker(**{**arguments, **overrides})


@pytest.fixture
async def arq_queue() -> AsyncIterator[Queue]:
    url = redis_url_for_tests()
    name = f"helpdesk-test:{uuid.uuid4().hex}"
    pool = await create_pool(RedisSettings.from_dsn(url), default_queue_name=name)
    try:
        yield Queue(url, name, pool)
    finally:
        await pool.delete(name)
        await pool.aclose(close_connection_pool=True)


async def run_burst(worker: Worker) -> None:
    try:
        await worker.main()
    finally:
        await worker.close()


async def expired_ticket(guest_email: str = "guest@example.org") -> Ticket:
    """A Resolved ticket whose reopen window (default 7 days) ended a day ago."""
    ticket = await make_ticket(await make_category(), status=await status_of(StatusKind.RESOLVED))
    await Ticket.filter(id=ticket.id).update(resolved_at=clock.now() - timedelta(days=8), guest_email=guest_email)
    return ticket


async def kind_of(ticket: Ticket) -> StatusKind:
    return StatusKind((await Ticket.get(id=ticket.id).prefetch_related("status")).status.kind)


async def file_ticket(client: httpx.AsyncClient) -> tuple[str, int]:
    """A requester files a ticket through GraphQL (which queues ticket_created); returns (their email, number)."""
    requester = await make_person(Role.USER)
    category = await make_category()
    data = await gql_data(
        client,
        CREATE_TICKET,
        {"input": {"subject": "Printer", "description": "It jams.", "categoryId": str(category.id)}},
        requester.token,
    )
    assert data["createTicket"]["errors"] == []
    return requester.user.email, data["createTicket"]["ticket"]["number"]


# --- scheduling ---------------------------------------------------------------------------------------------


def test_next_run_is_the_next_aligned_slot_strictly_after_the_moment() -> None:
    moment = datetime(2025, 3, 10, 12, 34, 56, 500000, tzinfo=UTC)
    assert next_run(moment, HOUR) == datetime(2025, 3, 10, 13, 0, tzinfo=UTC)
    assert next_run(moment, MINUTE) == datetime(2025, 3, 10, 12, 35, tzinfo=UTC)
    on_the_hour = datetime(2025, 3, 10, 13, 0, tzinfo=UTC)
    assert next_run(on_the_hour, HOUR) == datetime(2025, 3, 10, 14, 0, tzinfo=UTC)
    assert next_run(datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC), HOUR) == datetime(2026, 1, 1, tzinfo=UTC)


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait (bounded, not timed: the bound only turns a hang into a failure) until `condition()` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not condition():
        assert loop.time() < deadline, f"still waiting for {what}; loops asleep until {clock.sleepers()}"
        await asyncio.sleep(0.01)


def asleep_until(*moments: datetime) -> Callable[[], bool]:
    """True once the runtime's loops wait on the controllable clock for exactly these moments."""
    return lambda: clock.sleepers() == sorted(moments)


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2025, 3, 10, hour, minute, second, tzinfo=UTC)


# Where the daily outbox purge waits all through these tests (jobs/retention.py).
MIDNIGHT = datetime(2025, 3, 11, tzinfo=UTC)


async def test_embedded_loops_run_the_sweep_at_minute_zero_and_the_email_pass_every_minute(
    db: str, smtp_server: SmtpServer
) -> None:
    clock.set_now(at(12, 34, 56))
    ticket = await expired_ticket("closed-guest@example.org")
    # An email committed earlier whose announcement was lost: only the periodic pass can deliver it.
    async with in_transaction():
        await outbox.queue_email("ticket_created", ticket_id=ticket.id, to=["waiting@example.org"], context={})
    outbox.forget_queued()

    runtime = JobRuntime(None)
    await runtime.start()
    try:
        # The loops wait for the next aligned slots: 12:35:00 (emails, SLA evaluation, webhooks), 13:00:00 (the
        # sweep) and midnight (the outbox purge).
        await until(asleep_until(at(12, 35), at(12, 35), at(12, 35), at(13, 0), MIDNIGHT), "the first slots")
        assert smtp_server.received == []

        clock.set_now(at(12, 35))
        # The email pass ran (the loop waits for 12:36:00 only once its run is over); the sweep did not.
        await until(asleep_until(at(12, 36), at(12, 36), at(12, 36), at(13, 0), MIDNIGHT), "the email pass at 12:35")
        assert [r.recipients for r in smtp_server.received] == [["waiting@example.org"]]
        assert await kind_of(ticket) is StatusKind.RESOLVED

        # Nearly an hour passes at once: both loops run, then wait for the slots after 13:00.
        clock.set_now(at(13, 0))
        await until(asleep_until(at(13, 1), at(13, 1), at(13, 1), at(14, 0), MIDNIGHT), "both jobs at 13:00")
        await runtime.drain()
    finally:
        await runtime.stop()

    assert clock.sleepers() == []
    assert await kind_of(ticket) is StatusKind.CLOSED
    recipients = sorted(address for received in smtp_server.received for address in received.recipients)
    # The waiting email came from the pass; the sweep's ticket_closed email from the runtime's fast path (or the
    # 13:00 pass: the claim lets only one of them send it).
    assert recipients == ["closed-guest@example.org", "waiting@example.org"]


async def test_a_failing_periodic_job_is_logged_and_the_loop_keeps_its_schedule(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock.set_now(at(12, 59))
    ticket = await expired_ticket()
    # No CLOSED-kind status: the sweep refuses (a DomainError), the loop must survive it.
    await (await status_of(StatusKind.CLOSED)).delete()
    runtime = JobRuntime(None)
    await runtime.start()
    try:
        await until(asleep_until(at(13, 0), at(13, 0), at(13, 0), at(13, 0), MIDNIGHT), "the 13:00 slots")
        clock.set_now(at(13, 0))
        await until(asleep_until(at(13, 1), at(13, 1), at(13, 1), at(14, 0), MIDNIGHT), "the loops' next slots")
        assert "periodic job close_expired_tickets failed" in caplog.text
        assert await kind_of(ticket) is StatusKind.RESOLVED

        # The next hour the sweep runs again, and now succeeds.
        await Status.create(name="Closed", kind=StatusKind.CLOSED, sort_order=50)
        clock.set_now(at(14, 0))
        await until(asleep_until(at(14, 1), at(14, 1), at(14, 1), at(15, 0), MIDNIGHT), "the 14:00 run")
    finally:
        await runtime.stop()
    assert await kind_of(ticket) is StatusKind.CLOSED


# --- embedded delivery --------------------------------------------------------------------------------------


async def test_embedded_runtime_delivers_a_committed_email_right_away(
    client: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    runtime = JobRuntime(None, run_periodic=False)
    await runtime.start()
    try:
        email, _ = await file_ticket(client)
        await runtime.drain()
    finally:
        await runtime.stop()
    assert [r.recipients for r in smtp_server.received] == [[email]]
    row = await OutboxMessage.get(channel="email", topic="ticket_created")
    assert row.status is OutboxStatus.SENT


async def test_embedded_runtime_hands_only_email_rows_to_delivery_and_one_failure_does_not_stop_the_rest(
    db: str, smtp_server: SmtpServer
) -> None:
    runtime = JobRuntime(None, run_periodic=False)
    await runtime.start()
    try:
        async with in_transaction():
            # The first recipient cannot be mailed (not one plain address): its delivery fails, the next still runs.
            await outbox.queue_email(
                "ticket_created", ticket_id=None, to=["not an address", "b@example.org"], context={}
            )
            await outbox.queue_event("ticket.created", ticket_id=None, data={})
        ticket = await make_ticket(await make_category())
        async with in_transaction():
            await outbox.queue_email("ticket_created", ticket_id=ticket.id, to=["c@example.org"], context={})
        await outbox.announce_queued()
        await runtime.drain()
    finally:
        await runtime.stop()
    rows = {(r.channel, str(r.payload.get("to"))): r for r in await OutboxMessage.all()}
    refused = rows[("email", "not an address")]
    assert refused.status is OutboxStatus.FAILED
    assert refused.last_error == "the recipient is not one plain email address."
    # No ticket 'b@example.org' could be about: undeliverable too, and still the runtime went on to the last row.
    assert rows[("email", "b@example.org")].status is OutboxStatus.FAILED
    assert rows[("email", "c@example.org")].status is OutboxStatus.SENT
    assert [r.recipients for r in smtp_server.received] == [["c@example.org"]]
    # The event row was not handed to email delivery: untouched.
    event = rows[("event", "None")]
    assert (event.status, event.attempts) == (OutboxStatus.PENDING, 0)


async def test_a_stopped_runtime_no_longer_listens(db: str, smtp_server: SmtpServer) -> None:
    runtime = JobRuntime(None, run_periodic=False)
    await runtime.start()
    await runtime.stop()
    ticket = await make_ticket(await make_category())
    async with in_transaction():
        await outbox.queue_email("ticket_created", ticket_id=ticket.id, to=["a@example.org"], context={})
    await outbox.announce_queued()
    await runtime.drain()
    assert smtp_server.received == []
    waiting = await OutboxMessage.get(channel="email")
    assert (waiting.status, waiting.attempts) == (OutboxStatus.PENDING, 0)


# --- arq: the enqueue path and a real worker ----------------------------------------------------------------


async def test_queue_mode_enqueues_deliver_emails_and_a_real_worker_sends_it(
    client: httpx.AsyncClient, smtp_server: SmtpServer, arq_queue: Queue
) -> None:
    runtime = JobRuntime(arq_queue.url, queue_name=arq_queue.name)
    await runtime.start()
    try:
        email, _ = await file_ticket(client)
        # Queue mode runs no loops in the app (nothing waits on the clock): the worker's cron owns the schedule.
        assert clock.sleepers() == []
        assert await runtime.redis_status() == "ok"
    finally:
        await runtime.stop()
    row_id = await OutboxMessage.get(channel="email").values_list("id", flat=True)
    queued = await arq_queue.pool.queued_jobs(queue_name=arq_queue.name)
    assert [(job.function, job.args) for job in queued] == [("deliver_emails", ([row_id],))]

    await run_burst(arq_queue.worker())
    assert [r.recipients for r in smtp_server.received] == [[email]]
    assert (await OutboxMessage.get(id=row_id)).status is OutboxStatus.SENT


async def test_queue_mode_hands_a_change_with_several_emails_to_arq_as_one_job_sent_exactly_once(
    db: str, smtp_server: SmtpServer, arq_queue: Queue
) -> None:
    runtime = JobRuntime(arq_queue.url, queue_name=arq_queue.name)
    await runtime.start()
    ticket = await make_ticket(await make_category())
    recipients = ["a@example.org", "b@example.org", "c@example.org"]
    try:
        async with in_transaction():
            await outbox.queue_email("ticket_created", ticket_id=ticket.id, to=recipients, context={})
            await outbox.queue_event("ticket.created", ticket_id=ticket.id, data={})
        await outbox.announce_queued()
    finally:
        await runtime.stop()
    ids = sorted(await OutboxMessage.filter(channel="email").values_list("id", flat=True))
    queued = await arq_queue.pool.queued_jobs(queue_name=arq_queue.name)
    # One Redis hand-off for the change (not one per recipient), carrying only the email rows.
    assert [(job.function, job.args) for job in queued] == [("deliver_emails", (ids,))]

    # The same job twice (a retry, a second worker): each row's claim still sends it once.
    await arq_queue.pool.enqueue_job("deliver_emails", ids, _queue_name=arq_queue.name)
    await run_burst(arq_queue.worker())
    assert sorted(r.recipients[0] for r in smtp_server.received) == recipients
    assert {m.status for m in await OutboxMessage.filter(channel="email")} == {OutboxStatus.SENT}


async def test_the_one_round_trip_enqueue_writes_what_arq_writes(arq_queue: Queue) -> None:
    """jobs/redis_link.py enqueue_new: the same job record (function, arguments, try, expiry) on the same queue as
    arq's enqueue_job, and a real worker runs it."""
    pool, name = arq_queue.pool, arq_queue.name
    theirs = await pool.enqueue_job("deliver_emails", [1, 2], _queue_name=name)
    assert theirs is not None
    ours = await enqueue_new(pool, "deliver_emails", ([1, 2],), name)
    jobs = {job.job_id: job for job in await pool.queued_jobs(queue_name=name)}
    assert set(jobs) == {theirs.job_id, ours}
    mine, arqs = jobs[ours], jobs[theirs.job_id]
    same = ("function", "args", "kwargs", "job_try")
    assert [getattr(mine, a) for a in same] == [getattr(arqs, a) for a in same]
    ttl_mine, ttl_arq = await pool.pttl(job_key_prefix + ours), await pool.pttl(job_key_prefix + theirs.job_id)
    assert abs(ttl_mine - ttl_arq) < 60_000 and ttl_mine > pool.expires_extra_ms - 60_000
    scores = dict(await pool.zrange(name, 0, -1, withscores=True))
    assert abs(scores[ours.encode()] - scores[theirs.job_id.encode()]) < 60_000
    await run_burst(arq_queue.worker())
    assert await pool.zcard(name) == 0


async def test_a_real_arq_worker_runs_the_close_sweep_job(db: str, arq_queue: Queue) -> None:
    tickets = [await expired_ticket(f"guest{i}@example.org") for i in range(3)]
    job = await arq_queue.pool.enqueue_job("close_expired_tickets_job", _queue_name=arq_queue.name)
    assert job is not None
    await run_burst(arq_queue.worker())
    assert await job.result(timeout=5) == 3
    assert [await kind_of(t) for t in tickets] == [StatusKind.CLOSED] * 3
    assert await OutboxMessage.filter(topic="ticket_closed").count() == 3


def test_worker_settings_schedule_the_sweep_hourly_and_the_email_pass_every_minute() -> None:
    names = {getattr(f, "name", getattr(f, "__qualname__", None)) for f in WorkerSettings.functions}
    assert names == {
        "deliver_emails", "deliver_email", "close_expired_tickets_job", "deliver_pending_emails",
        "raise_sla_events_job", "deliver_webhook_events", "deliver_pending_webhooks", "purge_outbox_job",
    }  # fmt: skip
    assert WorkerSettings.cron_jobs is not None
    crons = {job.name: job for job in WorkerSettings.cron_jobs}
    sweep = crons["cron:close_expired_tickets_job"]
    assert (sweep.hour, sweep.minute, sweep.second, sweep.run_at_startup) == (None, {0}, {0}, False)
    assert sweep.timeout_s == SWEEP_TIMEOUT_SECONDS
    emails = crons["cron:deliver_pending_emails"]
    assert (emails.hour, emails.minute, emails.second, emails.run_at_startup) == (None, None, {0}, False)
    sla = crons["cron:raise_sla_events_job"]
    assert (sla.hour, sla.minute, sla.second, sla.run_at_startup) == (None, None, {0}, False)
    hooks = crons["cron:deliver_pending_webhooks"]
    assert (hooks.hour, hooks.minute, hooks.second, hooks.run_at_startup) == (None, None, {0}, False)
    purge = crons["cron:purge_outbox_job"]
    assert (purge.hour, purge.minute, purge.second, purge.run_at_startup) == ({0}, {0}, {0}, False)
    assert WorkerSettings.on_startup is not None and WorkerSettings.on_shutdown is not None
