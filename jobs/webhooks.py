"""Webhook delivery jobs: arq entry points (and the in-process runtime's). The rules live in
resolvers/notify/webhook_delivery.py; these only adapt arq's calling convention."""

from __future__ import annotations

import resolvers.notify.webhook_delivery as delivery


async def deliver_webhook_events(ctx: dict, event_ids: list[int]) -> int:
    """Fan out the events of one committed change and try their deliveries; returns how many were delivered."""
    return await delivery.deliver_events(event_ids)


async def deliver_pending_webhooks(ctx: dict) -> int:
    """The periodic pass: events not fanned out yet, retries that are due, claims whose worker died."""
    return await delivery.deliver_pending_webhooks()
