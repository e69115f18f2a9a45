"""Webhook delivery: committed events become one delivery per matching webhook, each POSTed, signed, retried.

Fan-out is done by the delivery job from the event rows (not in the change's transaction: a change then costs
no extra statement, and a webhook created or disabled meanwhile is honoured). An event row stays PENDING until
a fan-out turns it into delivery rows and marks it SENT in the same transaction, so an app that dies between
the commit and the fan-out loses nothing: the minutely pass fans out whatever is still PENDING. While no
webhook is enabled events are left alone; a webhook receives only events committed after it was created.

Each delivery is claimed like an outbox email (resolvers/notify/mailer.py): one conditional UPDATE (due
PENDING, or SENDING whose lease ran out -> SENDING, attempts + 1), and the outcome is written only over that
claim, so any number of workers send each delivery once per success. A failed attempt (network error, timeout,
non-2xx answer, or a URL that now resolves to a private address: checked on the address the request connects
to, resolvers/notify/webhook_pinning.py) waits 1, 5, 25 then 125 minutes: the fifth
attempt comes 2.6 hours after the first, so a receiver down for an hour loses nothing; after five it is FAILED.

The request (docs/decisions.md, "Webhooks"): a JSON POST of {"id", "event", "createdAt", "data"} with the headers
X-Helpdesk-Event, X-Helpdesk-Delivery (the delivery id: the receiver's idempotency key, the same on retries and
redeliveries), X-Helpdesk-Timestamp (Unix seconds) and X-Helpdesk-Signature: `sha256=` + hex HMAC-SHA256 of
`timestamp + "." + body` under the webhook's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from core import clock
from core.enums import OutboxStatus
from models.outbox import OutboxMessage
from models.webhooks import Webhook, WebhookDelivery
from resolvers.kernel.bulk import insert_rows
from resolvers.kernel.settings import get_setting
from resolvers.notify.outbox import EVENT
from resolvers.notify.webhook_pinning import pinned_client
from resolvers.notify.webhook_urls import AddressRefused

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_FACTOR = 5
TIMEOUT_SECONDS = 5.0
# Longer than the timeout: a claim older than this belongs to a worker that died mid-request.
LEASE = timedelta(minutes=1)
BATCH_SIZE = 100
# What the log keeps of a receiver's answer or of an error.
MAX_LOGGED = 2000


# Whether any webhook is enabled, as this process last saw it, and when (time.monotonic()). The fast path asks
# it so that a change costs no Redis hand-off or task while no webhook exists; a change made by another process
# is seen within ENABLED_CACHE_SECONDS, and the minutely pass covers the gap.
ENABLED_CACHE_SECONDS = 10.0
_enabled_seen: tuple[bool, float] | None = None


async def any_enabled() -> bool:
    global _enabled_seen
    if _enabled_seen is not None and time.monotonic() - _enabled_seen[1] < ENABLED_CACHE_SECONDS:
        return _enabled_seen[0]
    enabled = await Webhook.filter(enabled=True).exists()
    _enabled_seen = (enabled, time.monotonic())
    return enabled


def forget_enabled() -> None:
    """After this process changed a webhook: look again next time."""
    global _enabled_seen
    _enabled_seen = None


def backoff(attempts: int) -> timedelta:
    """Wait after `attempts` failed ones: 1, 5, 25, 125 minutes."""
    return BACKOFF_BASE * BACKOFF_FACTOR ** max(attempts - 1, 0)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _wants(hook: dict[str, Any], topic: str, created_at: datetime) -> bool:
    events = hook["events"] if isinstance(hook["events"], list) else []
    return (not events or topic in events) and created_at >= hook["created_at"]


async def fan_out(event_ids: Sequence[int] | None = None) -> list[int]:
    """Delivery rows for committed events not fanned out yet (these ids, or the oldest BATCH_SIZE); returns the
    new delivery ids. Another worker fanning out the same events makes this call give way (nothing written)."""
    hooks = await Webhook.filter(enabled=True).values("id", "events", "created_at")
    if not hooks:
        return []
    pending = OutboxMessage.filter(channel=EVENT, status=OutboxStatus.PENDING)
    if event_ids is not None:
        pending = pending.filter(id__in=list(event_ids))
    events = await pending.order_by("id").limit(BATCH_SIZE).values("id", "topic", "created_at")
    if not events:
        return []
    ids = [e["id"] for e in events]
    created = clock.now()
    rows = [
        (h["id"], e["id"], e["topic"], OutboxStatus.PENDING.value, 0, created)
        for e in events
        for h in hooks
        if _wants(h, e["topic"], e["created_at"])
    ]
    async with in_transaction():
        taken = await OutboxMessage.filter(id__in=ids, status=OutboxStatus.PENDING).update(
            status=OutboxStatus.SENT, sent_at=created
        )
        if taken != len(ids):
            # Someone else fanned some of them out meanwhile: give way; what is left waits for the next pass.
            raise _GaveWay
        columns = ("webhook_id", "event_id", "topic", "status", "attempts", "created_at")
        return sorted(await insert_rows(WebhookDelivery, columns, rows))


class _GaveWay(Exception):
    pass


async def _fan_out_safely(event_ids: Sequence[int] | None = None) -> list[int]:
    try:
        return await fan_out(event_ids)
    except _GaveWay:
        return []


def _due(now: datetime) -> Q:
    waiting = Q(status=OutboxStatus.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    return waiting | Q(status=OutboxStatus.SENDING, next_attempt_at__lte=now)


async def claim(delivery_id: int) -> WebhookDelivery | None:
    now = clock.now()
    changed = await WebhookDelivery.filter(_due(now), id=delivery_id).update(
        status=OutboxStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + LEASE
    )
    if changed != 1:
        return None
    return await WebhookDelivery.get_or_none(id=delivery_id, status=OutboxStatus.SENDING)


async def _settle(delivery: WebhookDelivery, **changes: Any) -> None:
    await WebhookDelivery.filter(id=delivery.id, status=OutboxStatus.SENDING, attempts=delivery.attempts).update(
        **changes
    )


async def _failed(delivery: WebhookDelivery, reason: str, **logged: Any) -> None:
    reason = reason[:MAX_LOGGED]
    if delivery.attempts >= MAX_ATTEMPTS:
        final = f"gave up after {delivery.attempts} attempts: {reason}"[:MAX_LOGGED]
        await _settle(delivery, status=OutboxStatus.FAILED, next_attempt_at=None, last_error=final, **logged)
    else:
        retry_at = clock.now() + backoff(delivery.attempts)
        await _settle(delivery, status=OutboxStatus.PENDING, next_attempt_at=retry_at, last_error=reason, **logged)


def body_of(delivery: WebhookDelivery, event: OutboxMessage) -> bytes:
    document = {
        "id": delivery.id,
        "event": delivery.topic,
        "createdAt": event.created_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


async def attempt(delivery_id: int) -> bool:
    """Claim one delivery, POST it, log the outcome; True when it was delivered by this call."""
    delivery = await claim(delivery_id)
    if delivery is None:
        return False
    hook = await Webhook.get_or_none(id=delivery.webhook_id)  # type: ignore[attr-defined]
    event = await OutboxMessage.get_or_none(id=delivery.event_id)  # type: ignore[attr-defined]
    if hook is None or event is None:
        return False  # deleted meanwhile: its deliveries went with it
    if not hook.enabled:
        await _settle(delivery, status=OutboxStatus.FAILED, next_attempt_at=None, last_error="the webhook is disabled")
        return False
    private_allowed = bool(await get_setting("webhook_private_addresses_allowed"))
    body = body_of(delivery, event)
    timestamp = str(int(clock.now().timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "helpdesk-webhooks",
        "X-Helpdesk-Event": delivery.topic,
        "X-Helpdesk-Delivery": str(delivery.id),
        "X-Helpdesk-Timestamp": timestamp,
        "X-Helpdesk-Signature": sign(hook.secret, timestamp, body),
    }
    started = time.monotonic()
    try:
        async with pinned_client(private_allowed=private_allowed, timeout=TIMEOUT_SECONDS) as client:
            response = await client.post(hook.url, content=body, headers=headers)
    except AddressRefused as refusal:  # checked where the connection is made, on the address it would use
        await _failed(delivery, str(refusal), response_code=None, response_body=None, duration_ms=None)
        return False
    except Exception as error:  # any network, TLS or timeout failure is a retryable attempt, never a crash
        duration = int((time.monotonic() - started) * 1000)
        reason = f"{type(error).__name__}: {error}"
        log.warning("webhook delivery %s attempt %s failed: %s", delivery.id, delivery.attempts, reason)
        await _failed(delivery, reason, response_code=None, response_body=None, duration_ms=duration)
        return False
    duration = int((time.monotonic() - started) * 1000)
    logged = {
        "response_code": response.status_code,
        "response_body": response.text[:MAX_LOGGED],
        "duration_ms": duration,
    }
    if 200 <= response.status_code < 300:
        await _settle(
            delivery,
            status=OutboxStatus.SENT,
            delivered_at=clock.now(),
            next_attempt_at=None,
            last_error=None,
            **logged,
        )
        return True
    await _failed(delivery, f"the receiver answered HTTP {response.status_code}", **logged)
    return False


async def deliver_events(event_ids: Sequence[int]) -> int:
    """The fast path after a change commits: fan these events out and try their deliveries once."""
    if not await any_enabled():
        return 0
    delivered = 0
    for delivery_id in await _fan_out_safely(event_ids):
        delivered += await attempt(delivery_id)
    return delivered


async def deliver_pending_webhooks() -> int:
    """The periodic pass: fan out every event still waiting, then try every due delivery (oldest first,
    abandoned claims included). Returns how many were delivered."""
    while await _fan_out_safely():
        pass
    delivered = 0
    last_id = 0
    while True:
        ids: list[Any] = (
            await WebhookDelivery.filter(_due(clock.now()), id__gt=last_id)
            .order_by("id")
            .limit(BATCH_SIZE)
            .values_list("id", flat=True)
        )
        if not ids:
            return delivered
        last_id = int(ids[-1])
        for delivery_id in ids:
            delivered += await attempt(int(delivery_id))
