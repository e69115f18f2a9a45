"""Email dispatch against a real SMTP server (aiosmtpd on loopback): claim once, send once, retry with backoff,
give up with the reason, stay pending without SMTP, and deliver through a real arq worker on Redis."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker, func

from core import clock
from jobs.email import deliver_email, deliver_pending_emails
from models.enums import OutboxStatus
from models.outbox import OutboxMessage
from resolvers import mailer
from tests import smtp
from tests.smtp import BASE_URL, SmtpServer, mail_environment, queue, requester_ticket

# The SMTP fixtures, used by name.
smtp_server = smtp.smtp_server
smtp_down = smtp.smtp_down

START = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


async def row(outbox_id: int) -> OutboxMessage:
    return await OutboxMessage.get(id=outbox_id)


async def test_a_queued_email_is_delivered_once_with_text_html_and_message_id(db: str, smtp_server: SmtpServer) -> None:
    person, ticket = await requester_ticket()
    outbox_id = await queue("ticket_created", ticket, person.user.email)

    assert await deliver_pending_emails({}) == 1
    assert await deliver_pending_emails({}) == 0
    assert await deliver_email({}, outbox_id) is False

    assert len(smtp_server.received) == 1
    received = smtp_server.received[0]
    assert received.recipients == ["requester@example.com"]
    assert received.sender == "helpdesk@desk.example.org"
    message = received.message
    assert message["To"] == "requester@example.com"
    assert message["Subject"] == f"[#{ticket.number}] Printer on fire"
    assert message["Message-ID"].endswith("@desk.example.org>")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert f"{BASE_URL}/tickets/{ticket.number}" in text.get_content()
    assert "Printer on fire" in html.get_content()
    assert "$" not in text.get_content() + html.get_content()

    sent = await row(outbox_id)
    assert sent.status is OutboxStatus.SENT
    assert sent.attempts == 1
    assert sent.sent_at is not None
    assert sent.last_error is None


async def test_smtp_down_then_up_delivers_each_message_once(db: str, smtp_down: SmtpServer) -> None:
    clock.set_now(START)
    person, ticket = await requester_ticket()
    first = await queue("ticket_created", ticket, person.user.email)
    second = await queue("ticket_closed", ticket, person.user.email)

    assert await deliver_email({}, first) is False
    failed = await row(first)
    assert failed.status is OutboxStatus.PENDING
    assert failed.attempts == 1
    assert failed.next_attempt_at == START + timedelta(minutes=1)
    assert failed.last_error and "Connect" in failed.last_error
    assert await deliver_pending_emails({}) == 0  # `second` fails too; `first` is not due yet
    assert (await row(second)).attempts == 1

    smtp_down.start()
    assert await deliver_pending_emails({}) == 0  # up, but neither is due before its backoff ends
    assert smtp_down.received == []

    clock.set_now(START + timedelta(minutes=1))
    assert await deliver_pending_emails({}) == 2
    assert await deliver_pending_emails({}) == 0
    clock.advance(timedelta(hours=2))
    assert await deliver_pending_emails({}) == 0
    assert sorted(m["Subject"] for m in smtp_down.messages) == sorted(
        [f"[#{ticket.number}] Printer on fire", f"[#{ticket.number}] Closed: Printer on fire"]
    )
    for outbox_id in (first, second):
        delivered = await row(outbox_id)
        assert (delivered.status, delivered.attempts, delivered.last_error) == (OutboxStatus.SENT, 2, None)


async def test_after_max_attempts_the_email_fails_with_the_reason(db: str, smtp_down: SmtpServer) -> None:
    clock.set_now(START)
    person, ticket = await requester_ticket()
    outbox_id = await queue("ticket_created", ticket, person.user.email)

    for attempt in range(1, mailer.MAX_ATTEMPTS):
        assert await deliver_pending_emails({}) == 0
        waiting = await row(outbox_id)
        assert (waiting.status, waiting.attempts) == (OutboxStatus.PENDING, attempt)
        # Exponential backoff: 1, 2, 4, 8, 16 minutes.
        assert waiting.next_attempt_at == clock.now() + timedelta(minutes=2 ** (attempt - 1))
        clock.set_now(waiting.next_attempt_at)
    assert await deliver_pending_emails({}) == 0

    given_up = await row(outbox_id)
    assert given_up.status is OutboxStatus.FAILED
    assert given_up.attempts == mailer.MAX_ATTEMPTS
    assert given_up.next_attempt_at is None
    assert given_up.last_error and given_up.last_error.startswith(f"gave up after {mailer.MAX_ATTEMPTS} attempts: ")

    smtp_down.start()
    clock.advance(timedelta(days=1))
    assert await deliver_pending_emails({}) == 0
    assert await deliver_email({}, outbox_id) is False
    assert smtp_down.received == []


async def test_concurrent_deliveries_of_one_row_send_it_once(db: str, smtp_server: SmtpServer) -> None:
    person, ticket = await requester_ticket()
    outbox_id = await queue("ticket_created", ticket, person.user.email)

    results = await asyncio.gather(*(deliver_email({}, outbox_id) for _ in range(5)))

    assert sorted(results) == [False, False, False, False, True]
    assert len(smtp_server.received) == 1
    assert (await row(outbox_id)).attempts == 1


async def test_concurrent_passes_send_every_due_email_exactly_once(db: str, smtp_server: SmtpServer) -> None:
    _, ticket = await requester_ticket()
    addresses = [f"person{i}@example.com" for i in range(6)]
    for address in addresses:
        await queue("ticket_closed", ticket, address)

    counts = await asyncio.gather(*(deliver_pending_emails({}) for _ in range(3)))

    assert sum(counts) == len(addresses)
    assert sorted(r.recipients[0] for r in smtp_server.received) == addresses
    assert await OutboxMessage.filter(status=OutboxStatus.SENT, attempts=1).count() == len(addresses)


async def test_a_claim_whose_worker_died_is_taken_again_after_the_lease(db: str, smtp_server: SmtpServer) -> None:
    clock.set_now(START)
    person, ticket = await requester_ticket()
    outbox_id = await queue("ticket_created", ticket, person.user.email)
    assert await mailer.claim(outbox_id) is not None  # a worker took it and crashed before sending

    assert await deliver_pending_emails({}) == 0
    clock.set_now(START + mailer.LEASE - timedelta(seconds=1))
    assert await deliver_pending_emails({}) == 0
    clock.set_now(START + mailer.LEASE)
    assert await deliver_pending_emails({}) == 1

    assert len(smtp_server.received) == 1
    assert (await row(outbox_id)).attempts == 2


async def test_without_smtp_host_mail_stays_pending(db: str) -> None:
    person, ticket = await requester_ticket()
    with mail_environment(SMTP_HOST=None):
        outbox_id = await queue("ticket_created", ticket, person.user.email)
        assert await deliver_email({}, outbox_id) is False
        assert await deliver_pending_emails({}) == 0
    waiting = await row(outbox_id)
    assert (waiting.status, waiting.attempts, waiting.next_attempt_at) == (OutboxStatus.PENDING, 0, None)


def _redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but TEST_REDIS_URL is not set: the arq worker test must run in CI.")
        pytest.skip("TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/13).")
    return url


# arq's Worker.close() calls redis-py's deprecated close(); the warning is arq's, not ours.
@pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")
async def test_a_real_arq_worker_delivers_the_email(db: str, smtp_server: SmtpServer) -> None:
    redis_settings = RedisSettings.from_dsn(_redis_url())
    queue_name = f"helpdesk-test-email-{uuid.uuid4().hex}"
    person, ticket = await requester_ticket()
    outbox_id = await queue("ticket_created", ticket, person.user.email)

    pool = await create_pool(redis_settings, default_queue_name=queue_name)
    worker = Worker(
        functions=[func(deliver_email, name="deliver_email")],
        redis_settings=redis_settings,
        queue_name=queue_name,
        burst=True,
        handle_signals=False,
        poll_delay=0.05,
    )
    try:
        job = await pool.enqueue_job("deliver_email", outbox_id)
        assert job is not None
        await worker.main()
        assert await job.result(timeout=5) is True
        assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    finally:
        await worker.close()
        await pool.aclose()

    assert [m["Subject"] for m in smtp_server.messages] == [f"[#{ticket.number}] Printer on fire"]
    assert (await row(outbox_id)).status is OutboxStatus.SENT
