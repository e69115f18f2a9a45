"""Webhook delivery against a real local receiver: the signature and timestamp, retries with backoff on the
controllable clock, giving up after five attempts, an hour-long outage that loses nothing, redelivery, the
delivery log through GraphQL, the address check at delivery time, and exactly once under concurrent passes."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from tortoise.transactions import in_transaction

from core import clock
from core.enums import OutboxStatus, Role
from jobs.runtime import JobRuntime
from models.outbox import OutboxMessage
from models.webhooks import WebhookDelivery
from resolvers.kernel.errors import Reason
from resolvers.notify import outbox
from resolvers.notify.webhook_delivery import deliver_pending_webhooks
from tests.conftest import StatementLog
from tests.helpers import (
    ERRORS,
    assert_refused,
    gql_data,
    make_category,
    make_person,
    mutation_document,
    mutation_payload,
)
from tests.jobs.test_jobs_runtime import Queue, arq_queue, run_burst  # noqa: F401 (arq_queue: a fixture)
from tests.notify.test_webhooks_admin import CREATE, allow_private
from tests.notify.webhook_receiver import receiver
from tests.smtp import free_port

# Near the real time: sessions made by make_person last an hour of it.
START = datetime.now(UTC).replace(microsecond=0)
LOG = """
query ($id: ID!) { webhookDeliveries(webhookId: $id) {
  id webhookId event status attempts responseCode responseBody durationMs lastError nextAttemptAt deliveredAt } }
"""
REDELIVER = mutation_document("redeliverWebhook", "delivery { id status attempts }")


async def hook(client: httpx.AsyncClient, token: str, url: str, **input: Any) -> tuple[str, str]:
    """A webhook on `url` (private addresses allowed: the receiver is on 127.0.0.1); its id and secret."""
    await allow_private()
    payload = await mutation_payload(client, CREATE, "createWebhook", token, {"url": url, **input})
    assert payload["errors"] == [], payload
    return payload["webhook"]["id"], payload["secret"]


async def event(topic: str = "ticket.created", **data: Any) -> int:
    async with in_transaction():
        await outbox.queue_event(topic, ticket_id=None, data={"number": 7, **data})
    message = await OutboxMessage.filter(channel="event").order_by("-id").first()
    assert message is not None
    return message.id


async def log_of(client: httpx.AsyncClient, token: str, hook_id: str) -> list[dict[str, Any]]:
    """The delivery log through GraphQL, read at START (the admin's session has expired hours later)."""
    clock.set_now(START)
    rows: list[dict[str, Any]] = (await gql_data(client, LOG, {"id": hook_id}, token=token))["webhookDeliveries"]
    return rows


async def test_a_filed_ticket_reaches_the_receiver_signed_and_timestamped(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    requester = await make_person(Role.USER)
    category = await make_category()
    clock.set_now(START)
    with receiver() as local:
        hook_id, secret = await hook(client, admin.token, local.url)
        filed = await gql_data(
            client,
            f"mutation($input: CreateTicketInput!) {{ createTicket(input: $input) {{ ticket {{ number }} {ERRORS} }} }}",  # noqa: E501
            {"input": {"subject": "Printer", "description": "It is on fire", "categoryId": str(category.id)}},
            token=requester.token,
        )
        number = filed["createTicket"]["ticket"]["number"]

        assert await deliver_pending_webhooks() == 1

    (request,) = local.received
    headers = request.headers
    assert headers["content-type"] == "application/json"
    assert headers["x-helpdesk-event"] == "ticket.created"
    assert headers["x-helpdesk-timestamp"] == str(int(START.timestamp()))
    # What a receiver does: HMAC-SHA256 of timestamp + "." + the raw body, with the secret from createWebhook.
    expected = hmac.new(secret.encode(), headers["x-helpdesk-timestamp"].encode() + b"." + request.body, hashlib.sha256)
    assert headers["x-helpdesk-signature"] == f"sha256={expected.hexdigest()}"
    assert not hmac.compare_digest(headers["x-helpdesk-signature"], "sha256=" + "0" * 64)
    document = json.loads(request.body)
    assert (document["event"], document["data"]["number"]) == ("ticket.created", number)
    assert str(document["id"]) == headers["x-helpdesk-delivery"]

    (entry,) = await log_of(client, admin.token, hook_id)
    assert entry == {
        **entry,
        "id": headers["x-helpdesk-delivery"],
        "webhookId": hook_id,
        "event": "ticket.created",
        "status": "SENT",
        "attempts": 1,
        "responseCode": 200,
        "responseBody": "answer 200",
        "lastError": None,
        "nextAttemptAt": None,
    }
    assert entry["durationMs"] is not None and entry["deliveredAt"]
    # Fanned out: the event row is done, and a second pass sends nothing more.
    assert await deliver_pending_webhooks() == 0
    assert len(local.received) == 1


async def test_a_receiver_failing_twice_gets_exactly_one_success_after_three_attempts(
    client: httpx.AsyncClient,
) -> None:
    admin = await make_person(Role.ADMIN)
    clock.set_now(START)
    with receiver([500, 503]) as local:
        hook_id, _ = await hook(client, admin.token, local.url)
        await event()
        assert await deliver_pending_webhooks() == 0
        (entry,) = await log_of(client, admin.token, hook_id)
        assert (entry["status"], entry["attempts"], entry["responseCode"]) == ("PENDING", 1, 500)
        assert entry["lastError"] == "the receiver answered HTTP 500"
        # Not due before the backoff (1 minute, then 5).
        assert await deliver_pending_webhooks() == 0
        assert len(local.received) == 1
        clock.advance(timedelta(minutes=1))
        assert await deliver_pending_webhooks() == 0
        clock.advance(timedelta(minutes=4, seconds=59))
        assert await deliver_pending_webhooks() == 0
        assert len(local.received) == 2
        clock.advance(timedelta(seconds=1))
        assert await deliver_pending_webhooks() == 1
        clock.advance(timedelta(hours=3))
        assert await deliver_pending_webhooks() == 0

    assert len(local.received) == 3
    assert len({r.headers["x-helpdesk-delivery"] for r in local.received}) == 1
    (entry,) = await log_of(client, admin.token, hook_id)
    assert (entry["status"], entry["attempts"], entry["responseCode"], entry["lastError"]) == ("SENT", 3, 200, None)


async def _every_retry(passes: int) -> None:
    """A pass, then three hours later (past every backoff) another; then back to START (sessions last an hour)."""
    for _ in range(passes):
        await deliver_pending_webhooks()
        clock.advance(timedelta(hours=3))
    clock.set_now(START)


async def test_a_dead_receiver_is_marked_failed_after_five_attempts(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    clock.set_now(START)
    hook_id, _ = await hook(client, admin.token, f"http://127.0.0.1:{free_port()}/nobody")
    await event()
    await _every_retry(8)

    (entry,) = await log_of(client, admin.token, hook_id)
    assert (entry["status"], entry["attempts"], entry["responseCode"]) == ("FAILED", 5, None)
    assert entry["lastError"].startswith("gave up after 5 attempts: ConnectError")
    assert entry["nextAttemptAt"] is None


async def test_a_receiver_down_for_an_hour_loses_nothing(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    clock.set_now(START)
    with receiver([503, 503, 503, 503]) as local:
        hook_id, _ = await hook(client, admin.token, local.url)
        await event()
        moments: list[datetime] = []
        # A pass every minute, as the cron runs them, for three hours: note when the receiver was called.
        for _ in range(180):
            before = len(local.received)
            await deliver_pending_webhooks()
            if len(local.received) > before:
                moments.append(clock.now())
            clock.advance(timedelta(minutes=1))
    assert len(local.received) == 5
    # Four failures spread over more than an hour (1 + 5 + 25 + 125 minutes), then the fifth attempt got through.
    assert [m - START for m in moments] == [timedelta(minutes=m) for m in (0, 1, 6, 31, 156)]
    (entry,) = await log_of(client, admin.token, hook_id)
    assert (entry["status"], entry["attempts"]) == ("SENT", 5)


async def test_redelivery_sends_any_delivery_again_with_the_same_id(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    clock.set_now(START)
    with receiver() as local:
        hook_id, _ = await hook(client, admin.token, local.url)
        await event()
        assert await deliver_pending_webhooks() == 1
        (entry,) = await log_of(client, admin.token, hook_id)

        payload = await mutation_payload(
            client, REDELIVER, "redeliverWebhook", admin.token, {"deliveryId": entry["id"]}
        )
        assert payload == {"delivery": {"id": entry["id"], "status": "PENDING", "attempts": 0}, "errors": []}
        assert await deliver_pending_webhooks() == 1

    assert [r.headers["x-helpdesk-delivery"] for r in local.received] == [entry["id"], entry["id"]]
    (again,) = await log_of(client, admin.token, hook_id)
    assert (again["status"], again["attempts"]) == ("SENT", 1)
    missing = await mutation_payload(client, REDELIVER, "redeliverWebhook", admin.token, {"deliveryId": "99999"})
    assert_refused(missing, Reason.WEBHOOK_DELIVERY_NOT_FOUND, "deliveryId")


async def test_a_failed_delivery_can_be_redelivered(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    clock.set_now(START)
    port = free_port()
    hook_id, _ = await hook(client, admin.token, f"http://127.0.0.1:{port}/hook")
    await event()
    await _every_retry(6)
    (entry,) = await log_of(client, admin.token, hook_id)
    assert entry["status"] == "FAILED"
    await mutation_payload(client, REDELIVER, "redeliverWebhook", admin.token, {"deliveryId": entry["id"]})
    await mutation_payload(
        client,
        mutation_document("updateWebhook", "webhook { id }"),
        "updateWebhook",
        admin.token,
        {"webhookId": hook_id, "url": f"http://127.0.0.1:{port}/hook2"},
    )
    with receiver() as local:
        await mutation_payload(
            client,
            mutation_document("updateWebhook", "webhook { id }"),
            "updateWebhook",
            admin.token,
            {"webhookId": hook_id, "url": local.url},
        )
        assert await deliver_pending_webhooks() == 1
    assert len(local.received) == 1


async def test_the_address_is_checked_again_at_delivery_time(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    clock.set_now(START)
    with receiver() as local:
        hook_id, _ = await hook(client, admin.token, local.url)
        await event()
        await allow_private(False)
        assert await deliver_pending_webhooks() == 0
    assert local.received == []
    (entry,) = await log_of(client, admin.token, hook_id)
    assert (entry["status"], entry["attempts"]) == ("PENDING", 1)
    assert "127.0.0.1" in entry["lastError"] and "webhookPrivateAddressesAllowed" in entry["lastError"]


async def test_only_matching_enabled_webhooks_get_an_event(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    with receiver() as closed, receiver() as every, receiver() as off:
        await hook(client, admin.token, closed.url, events=["ticket.closed"])
        await hook(client, admin.token, every.url)
        await hook(client, admin.token, off.url, enabled=False)
        await event("ticket.created")
        await event("ticket.closed")
        assert await deliver_pending_webhooks() == 3
    assert [r.headers["x-helpdesk-event"] for r in closed.received] == ["ticket.closed"]
    assert sorted(r.headers["x-helpdesk-event"] for r in every.received) == ["ticket.closed", "ticket.created"]
    assert off.received == []


async def test_events_before_a_webhook_existed_are_not_sent_to_it(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    await event("ticket.created")
    with receiver() as local:
        await hook(client, admin.token, local.url)
        assert await deliver_pending_webhooks() == 0
    assert local.received == []


async def test_concurrent_passes_deliver_each_event_once(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    with receiver() as local:
        await hook(client, admin.token, local.url)
        for _ in range(5):
            await event()
        results = await asyncio.gather(*(deliver_pending_webhooks() for _ in range(4)))
        results.append(await deliver_pending_webhooks())
    assert sum(results) == 5
    assert len(local.received) == 5
    assert len({r.headers["x-helpdesk-delivery"] for r in local.received}) == 5


async def test_the_embedded_runtime_delivers_right_after_the_commit(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    runtime = JobRuntime(None, run_periodic=False)
    with receiver() as local:
        await hook(client, admin.token, local.url)
        await runtime.start()
        try:
            await outbox.announcing(event)
            await runtime.drain()
        finally:
            await runtime.stop()
    assert [r.headers["x-helpdesk-event"] for r in local.received] == ["ticket.created"]


async def test_the_delivery_log_and_redelivery_statement_counts(
    client: httpx.AsyncClient, count_statements: StatementLog
) -> None:
    admin = await make_person(Role.ADMIN)
    with receiver() as local:
        hook_id, _ = await hook(client, admin.token, local.url)
        for _ in range(3):
            await event()
        assert await deliver_pending_webhooks() == 3
    await log_of(client, admin.token, hook_id)  # warm
    count_statements.clear()
    rows = await log_of(client, admin.token, hook_id)
    # Authentication, the page: flat in its length.
    assert (len(rows), count_statements.count) == (3, 2)
    await mutation_payload(client, REDELIVER, "redeliverWebhook", admin.token, {"deliveryId": rows[0]["id"]})
    count_statements.clear()
    await mutation_payload(client, REDELIVER, "redeliverWebhook", admin.token, {"deliveryId": rows[1]["id"]})
    # Authentication, the delivery, BEGIN, UPDATE, audit INSERT, COMMIT.
    assert count_statements.count == 6


@pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")
async def test_queue_mode_hands_events_to_arq_and_a_real_worker_delivers_them(
    client: httpx.AsyncClient,
    arq_queue: Queue,  # noqa: F811 (the fixture imported above)
) -> None:
    admin = await make_person(Role.ADMIN)
    with receiver() as local:
        await hook(client, admin.token, local.url)
        runtime = JobRuntime(arq_queue.url, queue_name=arq_queue.name)
        await runtime.start()
        try:
            await outbox.announcing(event)
        finally:
            await runtime.stop()
        event_id = (await OutboxMessage.get(channel="event")).id
        queued = await arq_queue.pool.queued_jobs(queue_name=arq_queue.name)
        assert [(job.function, job.args) for job in queued] == [("deliver_webhook_events", ([event_id],))]
        await run_burst(arq_queue.worker())
    assert [r.headers["x-helpdesk-event"] for r in local.received] == ["ticket.created"]
    assert (await WebhookDelivery.get()).status is OutboxStatus.SENT
