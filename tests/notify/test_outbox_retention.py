"""The daily outbox purge (resolvers/notify/outbox_retention.py): what goes after OUTBOX_RETENTION_DAYS, what
stays whatever its age, in batches of a constant number of statements, once when two workers purge at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core import clock
from core.config import reset_config
from core.enums import OutboxStatus
from jobs.retention import purge_outbox_job
from models.outbox import OutboxMessage
from models.webhooks import Webhook, WebhookDelivery
from resolvers.notify.outbox_retention import purge_outbox
from tests.conftest import StatementLog

RETENTION = timedelta(days=30)


async def message(channel: str, status: OutboxStatus, *, days_old: float, topic: str = "x") -> OutboxMessage:
    row = await OutboxMessage.create(channel=channel, topic=topic, payload={}, status=status)
    await OutboxMessage.filter(id=row.id).update(created_at=clock.now() - timedelta(days=days_old))
    return row


async def delivery(event: OutboxMessage, status: OutboxStatus) -> WebhookDelivery:
    hook = await Webhook.create(url="https://hooks.example.com/in", secret="s")
    return await WebhookDelivery.create(webhook=hook, event=event, topic=event.topic, status=status)


async def left() -> set[int]:
    return set(await OutboxMessage.all().values_list("id", flat=True))


class TestWhatGoes:
    async def test_emails_sent_or_given_up_go_after_the_retention(self, db: str) -> None:
        sent = await message("email", OutboxStatus.SENT, days_old=31)
        failed = await message("email", OutboxStatus.FAILED, days_old=40)
        assert await purge_outbox(RETENTION) == 2
        assert {sent.id, failed.id}.isdisjoint(await left())

    async def test_events_whose_deliveries_are_over_go_with_them(self, db: str) -> None:
        unwatched = await message("event", OutboxStatus.PENDING, days_old=31, topic="ticket.created")
        delivered = await message("event", OutboxStatus.SENT, days_old=31, topic="ticket.closed")
        done = await delivery(delivered, OutboxStatus.SENT)
        assert await purge_outbox(RETENTION) == 2
        assert {unwatched.id, delivered.id}.isdisjoint(await left())
        assert not await WebhookDelivery.filter(id=done.id).exists()


class TestWhatStays:
    async def test_an_email_still_waiting_stays_whatever_its_age(self, db: str) -> None:
        waiting = await message("email", OutboxStatus.PENDING, days_old=90)
        sending = await message("email", OutboxStatus.SENDING, days_old=90)
        assert await purge_outbox(RETENTION) == 0
        assert {waiting.id, sending.id} <= await left()

    async def test_an_event_with_a_delivery_under_way_stays_with_it(self, db: str) -> None:
        event = await message("event", OutboxStatus.SENT, days_old=90, topic="ticket.closed")
        retrying = await delivery(event, OutboxStatus.PENDING)
        assert await purge_outbox(RETENTION) == 0
        assert event.id in await left()
        assert await WebhookDelivery.filter(id=retrying.id).exists()

    async def test_anything_younger_than_the_retention_stays(self, db: str) -> None:
        recent = [await message("email", OutboxStatus.SENT, days_old=29),
                  await message("event", OutboxStatus.PENDING, days_old=1)]  # fmt: skip
        assert await purge_outbox(RETENTION) == 0
        assert {row.id for row in recent} <= await left()


async def test_each_batch_costs_the_same_statements(db: str, count_statements: StatementLog) -> None:
    for _ in range(5):
        await message("email", OutboxStatus.SENT, days_old=31)
    count_statements.clear()
    assert await purge_outbox(RETENTION, batch_size=2) == 5
    # Three batches (2, 2, 1): each BEGIN, the pick, the deliveries, the rows, COMMIT.
    assert count_statements.count == 3 * 5, count_statements.statements


async def test_two_purges_at_once_remove_each_row_once(db: str) -> None:
    for _ in range(12):
        await message("email", OutboxStatus.SENT, days_old=31)
    counts = await asyncio.gather(purge_outbox(RETENTION, batch_size=3), purge_outbox(RETENTION, batch_size=3))
    assert sum(counts) == 12
    assert await left() == set()


async def test_the_job_reads_the_retention_from_the_environment(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    week_old = await message("email", OutboxStatus.SENT, days_old=8)
    monkeypatch.setenv("OUTBOX_RETENTION_DAYS", "7")
    reset_config()
    try:
        assert await purge_outbox_job({}) == 1
    finally:
        monkeypatch.delenv("OUTBOX_RETENTION_DAYS")
        reset_config()
    assert week_old.id not in await left()
