"""Writing to the transactional outbox. Called inside the transaction of the change that causes it;
jobs deliver after commit, so a rollback sends nothing and a crash loses nothing."""

from __future__ import annotations

from typing import Any

from models.outbox import OutboxMessage

EMAIL = "email"
EVENT = "event"


async def queue_email(topic: str, *, ticket_id: int | None, to: list[str], context: dict[str, Any]) -> None:
    """One outbox row per recipient, so each delivery is claimed, retried and marked sent on its own."""
    recipients = sorted({address.lower() for address in to if address})
    if not recipients:
        return
    await OutboxMessage.bulk_create(
        [
            OutboxMessage(channel=EMAIL, topic=topic, ticket_id=ticket_id, payload={"to": r, **context})
            for r in recipients
        ]
    )


async def queue_event(topic: str, *, ticket_id: int | None, data: dict[str, Any]) -> None:
    """A domain event for webhooks and subscriptions (e.g. "ticket.created")."""
    await OutboxMessage.create(channel=EVENT, topic=topic, ticket_id=ticket_id, payload=data)
