"""Webhooks (SPEC 11): admins register URLs that receive ticket events, read each one's delivery log, and ask
for a delivery again.

The secret is made here and shown once, in createWebhook's answer; reads never return it. An empty event list
means every event. The URL is checked on every save (http(s), and no private address: webhook_urls.py);
deliveries check it again before each attempt (webhook_delivery.py).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from core.enums import OutboxStatus
from models.webhooks import Webhook, WebhookDelivery
from resolvers.kernel.actor import Actor, require_admin
from resolvers.kernel.audit import changed, record
from resolvers.kernel.errors import Problems, Reason, not_found
from resolvers.kernel.rows import Row, as_row
from resolvers.kernel.validation import KEEP, _Keep, existing, has_nul, required_id
from resolvers.notify.webhook_delivery import forget_enabled
from resolvers.notify.webhook_urls import address_problem, url_problem

EVENTS = (
    "ticket.created",
    "ticket.updated",
    "ticket.assigned",
    "ticket.status_changed",
    "ticket.reply_added",
    "ticket.note_added",
    "ticket.reply_edited",
    "ticket.reply_deleted",
    "ticket.resolved",
    "ticket.closed",
    "ticket.reopened",
    "ticket.linked",
    "ticket.unlinked",
    "ticket.sla_at_risk",
    "ticket.sla_breached",
)
COLUMNS = ("id", "url", "events", "enabled", "created_at", "updated_at")
DELIVERY_COLUMNS = (
    "id", "webhook_id", "event_id", "topic", "status", "attempts", "next_attempt_at", "response_code",
    "response_body", "duration_ms", "last_error", "created_at", "delivered_at",
)  # fmt: skip
DELIVERIES_MAX = 100


@dataclass
class WebhookInput:
    """createWebhook takes url (events and enabled have defaults); updateWebhook leaves KEEP fields alone.
    events None or empty: every event."""

    url: str | _Keep | None = KEEP
    events: list[str] | _Keep | None = KEEP
    enabled: bool | _Keep | None = KEEP


def _audit_values(hook: Webhook) -> dict[str, Any]:
    return {"url": hook.url, "events": hook.events, "enabled": hook.enabled}


async def list_webhooks(actor: Actor | None) -> list[Row]:
    require_admin(actor)
    return list(await Webhook.all().order_by("id").values(*COLUMNS))


async def _apply(hook: Webhook, data: WebhookInput) -> None:
    """Check every given field (all problems at once), then set them."""
    problems = Problems()
    url: str | None = None
    if not isinstance(data.url, _Keep):
        url = (data.url or "").strip()
        if not url:
            problems.add("url", "url is required.", Reason.REQUIRED)
        elif not has_nul(problems, "url", url) and (problem := url_problem(url)):
            problems.add("url", problem, Reason.INVALID_URL)
        elif problem := await address_problem(url):
            problems.add("url", problem, Reason.PRIVATE_ADDRESS)
    events: list[str] = []
    if not isinstance(data.events, _Keep):
        unknown = sorted({e for e in data.events or [] if e not in EVENTS})
        if unknown:
            problems.add(
                "events",
                f"Unknown event(s) {', '.join(unknown)}; the events are {', '.join(EVENTS)} (none: every event).",
                Reason.UNKNOWN_EVENT,
            )
        events = [e for e in EVENTS if e in set(data.events or [])]
    if data.enabled is None:
        problems.add("enabled", "enabled cannot be null; leave it out to keep it.", Reason.REQUIRED)
    problems.raise_if_any()
    if url is not None:
        hook.url = url
    if not isinstance(data.events, _Keep):
        hook.events = events
    if isinstance(data.enabled, bool):
        hook.enabled = data.enabled


async def create_webhook(actor: Actor | None, data: WebhookInput) -> tuple[Row, str]:
    """Admins only. Returns the webhook and its secret (the one time it is shown)."""
    actor = require_admin(actor)
    if isinstance(data.url, _Keep):
        data.url = None
    hook = Webhook(secret=secrets.token_urlsafe(32), events=[], enabled=True)
    await _apply(hook, data)
    async with in_transaction():
        await hook.save()
        await record(actor, "webhook.created", "webhook", hook.id, after=_audit_values(hook))
    forget_enabled()
    return as_row(hook, COLUMNS), hook.secret


async def _webhook(raw_id: str | None) -> Webhook:
    return await existing(Webhook, "webhookId", raw_id, "Webhook", Reason.WEBHOOK_NOT_FOUND)


async def update_webhook(actor: Actor | None, raw_id: str | None, data: WebhookInput) -> Row:
    actor = require_admin(actor)
    hook = await _webhook(raw_id)
    before = _audit_values(hook)
    await _apply(hook, data)
    old, new = changed(before, _audit_values(hook))
    if new:
        async with in_transaction():
            await hook.save(update_fields=[*new, "updated_at"])
            await record(actor, "webhook.updated", "webhook", hook.id, before=old, after=new)
        forget_enabled()
    return as_row(hook, COLUMNS)


async def delete_webhook(actor: Actor | None, raw_id: str | None) -> int:
    """Admins only; its delivery log goes with it, and nothing more is sent to it."""
    actor = require_admin(actor)
    hook = await _webhook(raw_id)
    deleted_id: int = hook.id
    async with in_transaction():
        await hook.delete()
        await record(actor, "webhook.deleted", "webhook", deleted_id, before=_audit_values(hook))
    forget_enabled()
    return deleted_id


async def list_deliveries(actor: Actor | None, raw_id: str | None, first: int) -> list[Row]:
    """A webhook's delivery log, newest first, at most DELIVERIES_MAX rows."""
    require_admin(actor)
    problems = Problems()
    key = required_id(problems, "webhookId", raw_id)
    if not 1 <= first <= DELIVERIES_MAX:
        problems.add("first", f"first must be between 1 and {DELIVERIES_MAX}.", Reason.OUT_OF_RANGE)
    problems.raise_if_any()
    rows = await WebhookDelivery.filter(webhook_id=key).order_by("-id").limit(first).values(*DELIVERY_COLUMNS)
    if not rows and not await Webhook.exists(id=key):
        raise not_found(f"Webhook {raw_id}", "webhookId", Reason.WEBHOOK_NOT_FOUND)
    return list(rows)


async def redeliver(actor: Actor | None, raw_id: str | None) -> Row:
    """Admins only: any delivery (sent, failed or waiting) starts over with five fresh attempts, due now. The
    receiver sees the same delivery id again, so one that already processed it can recognise the repeat."""
    actor = require_admin(actor)
    delivery = await existing(
        WebhookDelivery, "deliveryId", raw_id, "Webhook delivery", Reason.WEBHOOK_DELIVERY_NOT_FOUND
    )
    delivery.status = OutboxStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = None
    async with in_transaction():
        await delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
        await record(actor, "webhook.redelivered", "webhook_delivery", delivery.id, after={"topic": delivery.topic})
    return as_row(delivery, DELIVERY_COLUMNS)
