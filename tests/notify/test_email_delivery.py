"""Email dispatch against a real SMTP server (aiosmtpd on loopback): claim once, send once, retry with backoff,
give up with the reason, stay pending without SMTP, and deliver through a real arq worker on Redis."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker, func

from core import clock
from core.enums import OutboxStatus
from jobs.email import deliver_email, deliver_pending_emails
from models.outbox import OutboxMessage
from resolvers.notify import mailer
from tests import smtp
from tests.helpers import gql_data, make_category, make_person, redis_url_for_tests
from tests.smtp import BASE_URL, SmtpServer, configured, free_port, mail_environment, queue, requester_ticket

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


async def test_a_ticket_filed_through_graphql_emails_its_requester(
    db: str, client: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    person = await make_person(email="filer@example.com")
    category = await make_category()
    data = await gql_data(
        client,
        "mutation($input: CreateTicketInput!) { createTicket(input: $input) { ticket { number } errors { message } } }",
        {"input": {"subject": "VPN drops", "description": "Every hour.", "categoryId": str(category.id)}},
        token=person.token,
    )
    number = data["createTicket"]["ticket"]["number"]

    assert await deliver_pending_emails({}) == 1

    assert [(m["To"], m["Subject"]) for m in smtp_server.messages] == [("filer@example.com", f"[#{number}] VPN drops")]


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
        assert waiting.next_attempt_at == clock.now() + mailer.backoff(attempt)
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


def test_backoff_doubles_from_a_minute_up_to_an_hour() -> None:
    minutes = [mailer.backoff(attempt) / timedelta(minutes=1) for attempt in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]


async def test_a_pass_stops_at_an_unreachable_server_without_spending_every_rows_attempts(
    db: str, smtp_down: SmtpServer
) -> None:
    clock.set_now(START)
    _, ticket = await requester_ticket()
    ids = [await queue("ticket_closed", ticket, f"person{i}@example.com") for i in range(3)]

    assert await deliver_pending_emails({}) == 0
    assert [(await row(i)).attempts for i in ids] == [1, 0, 0]
    assert await deliver_pending_emails({}) == 0
    assert [(await row(i)).attempts for i in ids] == [1, 1, 0]

    smtp_down.start()
    clock.advance(timedelta(minutes=1))
    assert await deliver_pending_emails({}) == 3
    assert sorted(r.recipients[0] for r in smtp_down.received) == [f"person{i}@example.com" for i in range(3)]


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


async def test_smtp_login_uses_the_configured_user_and_password(db: str) -> None:
    clock.set_now(START)
    server = SmtpServer(free_port(), login=("mailer", "s3cret"))
    server.start()
    try:
        person, ticket = await requester_ticket()
        outbox_id = await queue("ticket_created", ticket, person.user.email)
        with configured(server, user="mailer", password="wrong"):
            assert await deliver_email({}, outbox_id) is False
        refused = await row(outbox_id)
        assert refused.status is OutboxStatus.PENDING
        assert refused.last_error and refused.last_error.startswith("SMTPAuthenticationError")

        clock.advance(mailer.backoff(1))
        with configured(server, user="mailer", password="s3cret"):
            assert await deliver_pending_emails({}) == 1
        assert [r.recipients for r in server.received] == [["requester@example.com"]]
    finally:
        server.stop()


async def test_without_smtp_host_mail_stays_pending(db: str) -> None:
    person, ticket = await requester_ticket()
    with mail_environment(SMTP_HOST=None):
        outbox_id = await queue("ticket_created", ticket, person.user.email)
        assert await deliver_email({}, outbox_id) is False
        assert await deliver_pending_emails({}) == 0
    waiting = await row(outbox_id)
    assert (waiting.status, waiting.attempts, waiting.next_attempt_at) == (OutboxStatus.PENDING, 0, None)


# arq's Worker.close() calls redis-py's deprecated close(); the warning is arq's, not ours.
@pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")
async def test_a_real_arq_worker_delivers_the_email(db: str, smtp_server: SmtpServer) -> None:
    redis_settings = RedisSettings.from_dsn(redis_url_for_tests("redis://127.0.0.1:6379/13"))
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
