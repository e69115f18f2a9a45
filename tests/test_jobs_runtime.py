"""The job plumbing: the in-process runtime, the arq enqueue path, a real arq worker on real Redis.
(The `worker` and `sweep` commands: tests/test_jobs_cli.py.)

Redis comes from TEST_REDIS_URL (CI sets it; without it under CI=true these tests fail, they never skip).
Every test uses a queue name of its own, so parallel runs and stale jobs cannot interfere.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from arq.worker import Worker
from tortoise.transactions import in_transaction

from core import clock
from jobs.runtime import HOUR, MINUTE, JobRuntime, next_run
from jobs.worker import SWEEP_TIMEOUT_SECONDS, WorkerSettings
from models.enums import OutboxStatus, Role, StatusKind
from models.outbox import OutboxMessage
from models.tickets import Ticket
from resolvers import outbox
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


class SteppedSleep:
    """Stands in for asyncio.sleep in the periodic loops: each loop's first wait returns at once (the slot
    "arrives"), later waits block until the runtime is stopped. Records every requested delay per loop."""

    def __init__(self, loops: int) -> None:
        self.loops = loops
        self.delays: dict[str, list[float]] = {}
        self.all_waiting = asyncio.Event()

    async def __call__(self, delay: float) -> None:
        task = asyncio.current_task()
        assert task is not None
        waits = self.delays.setdefault(task.get_name(), [])
        waits.append(delay)
        if len(waits) == 1:
            return
        if len(self.delays) == self.loops and all(len(w) > 1 for w in self.delays.values()):
            self.all_waiting.set()
        await asyncio.Event().wait()


async def test_embedded_loops_run_the_sweep_at_minute_zero_and_the_email_pass_every_minute(
    db: str, smtp_server: SmtpServer
) -> None:
    clock.set_now(datetime(2025, 3, 10, 12, 34, 56, tzinfo=UTC))
    ticket = await expired_ticket("closed-guest@example.org")
    # An email committed earlier whose announcement was lost: only the periodic pass can deliver it.
    async with in_transaction():
        await outbox.queue_email("ticket_created", ticket_id=ticket.id, to=["waiting@example.org"], context={})
    outbox.forget_queued()

    sleep = SteppedSleep(loops=2)
    runtime = JobRuntime(None, sleep=sleep)
    await runtime.start()
    try:
        await asyncio.wait_for(sleep.all_waiting.wait(), 30)
        await runtime.drain()
    finally:
        await runtime.stop()

    assert sleep.delays == {
        # 12:34:56 -> 13:00:00, then the slot after it (14:00:00), counted from the same frozen moment.
        "periodic:close_expired_tickets": [1504.0, 5104.0],
        # 12:34:56 -> 12:35:00, then 12:36:00.
        "periodic:deliver_pending_emails": [4.0, 64.0],
    }
    assert await kind_of(ticket) is StatusKind.CLOSED
    recipients = sorted(address for received in smtp_server.received for address in received.recipients)
    # The waiting email came from the pass; the sweep's ticket_closed email from the runtime's fast path.
    assert recipients == ["closed-guest@example.org", "waiting@example.org"]


async def test_a_failing_periodic_job_is_logged_and_the_loop_keeps_its_schedule(db: str) -> None:
    clock.set_now(datetime(2025, 3, 10, 12, 59, 0, tzinfo=UTC))
    await expired_ticket()
    # No CLOSED-kind status: the sweep refuses (a DomainError), the loop must survive it.
    await (await status_of(StatusKind.CLOSED)).delete()
    sleep = SteppedSleep(loops=2)
    runtime = JobRuntime(None, sleep=sleep)
    await runtime.start()
    try:
        await asyncio.wait_for(sleep.all_waiting.wait(), 30)
    finally:
        await runtime.stop()
    assert sleep.delays["periodic:close_expired_tickets"] == [60.0, 3660.0]


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


async def test_embedded_runtime_hands_only_email_rows_to_delivery_and_survives_failures(db: str) -> None:
    calls: list[int] = []

    async def deliver(ctx: dict[str, Any], outbox_id: int) -> bool:
        calls.append(outbox_id)
        if len(calls) == 1:
            raise ConnectionError("the first delivery fails")
        return True

    runtime = JobRuntime(None, run_periodic=False, deliver=deliver)
    await runtime.start()
    try:
        async with in_transaction():
            await outbox.queue_email(
                "ticket_created", ticket_id=None, to=["a@example.org", "b@example.org"], context={}
            )
            await outbox.queue_event("ticket.created", ticket_id=None, data={})
        await outbox.announce_queued()
        await runtime.drain()
    finally:
        await runtime.stop()
    email_ids = await OutboxMessage.filter(channel="email").order_by("id").values_list("id", flat=True)
    assert calls == list(email_ids)
    assert len(calls) == 2


async def test_a_stopped_runtime_no_longer_listens(db: str) -> None:
    calls: list[int] = []

    async def deliver(ctx: dict[str, Any], outbox_id: int) -> bool:
        calls.append(outbox_id)
        return True

    runtime = JobRuntime(None, run_periodic=False, deliver=deliver)
    await runtime.start()
    await runtime.stop()
    async with in_transaction():
        await outbox.queue_email("ticket_created", ticket_id=None, to=["a@example.org"], context={})
    await outbox.announce_queued()
    await runtime.drain()
    assert calls == []


# --- arq: the enqueue path and a real worker ----------------------------------------------------------------


async def test_queue_mode_enqueues_deliver_email_and_a_real_worker_sends_it(
    client: httpx.AsyncClient, smtp_server: SmtpServer, arq_queue: Queue
) -> None:
    runtime = JobRuntime(arq_queue.url, queue_name=arq_queue.name)
    await runtime.start()
    try:
        email, _ = await file_ticket(client)
    finally:
        await runtime.stop()
    row_id = await OutboxMessage.get(channel="email").values_list("id", flat=True)
    queued = await arq_queue.pool.queued_jobs(queue_name=arq_queue.name)
    assert [(job.function, job.args) for job in queued] == [("deliver_email", (row_id,))]
    # Queue mode runs no loops in the app: the worker's cron owns the schedule.
    assert runtime._loops == []

    await run_burst(arq_queue.worker())
    assert [r.recipients for r in smtp_server.received] == [[email]]
    assert (await OutboxMessage.get(id=row_id)).status is OutboxStatus.SENT


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
    assert names == {"deliver_email", "close_expired_tickets_job", "deliver_pending_emails"}
    assert WorkerSettings.cron_jobs is not None
    crons = {job.name: job for job in WorkerSettings.cron_jobs}
    sweep = crons["cron:close_expired_tickets_job"]
    assert (sweep.hour, sweep.minute, sweep.second, sweep.run_at_startup) == (None, {0}, {0}, False)
    assert sweep.timeout_s == SWEEP_TIMEOUT_SECONDS
    emails = crons["cron:deliver_pending_emails"]
    assert (emails.hour, emails.minute, emails.second, emails.run_at_startup) == (None, None, {0}, False)
    assert WorkerSettings.on_startup is not None and WorkerSettings.on_shutdown is not None
