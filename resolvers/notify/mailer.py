"""Email dispatch: claim an outbox email, render it, send it over SMTP, record the outcome.

Exactly once across any number of workers: a row is claimed by one conditional UPDATE (due PENDING row, or a
SENDING row whose lease ran out -> SENDING, attempts + 1, lease deadline in next_attempt_at); only the worker
whose UPDATE changed the row sends it. The outcome is written only if the row is still that worker's claim
(same status and attempt number). A failed attempt goes back to PENDING with an exponential backoff, and
after MAX_ATTEMPTS it ends FAILED with the reason. Without SMTP_HOST nothing is claimed: mail waits as PENDING,
visible to admins in the outbox list.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from enum import Enum
from typing import Any

import aiosmtplib
from aiosmtplib import SMTPAuthenticationError, SMTPHeloError, SMTPNotSupported
from tortoise.expressions import F, Q

from core import clock
from core.config import Config, get_config
from core.enums import OutboxStatus
from models.outbox import OutboxMessage
from resolvers.kernel.validation import is_email_address
from resolvers.notify.email_templates import Rendered, Undeliverable, render_message
from resolvers.notify.outbox import EMAIL

log = logging.getLogger(__name__)

# 1 + 2 + 4 + 8 + 16 + 32 + 60 minutes between the eight tries: about two hours of outage before giving up.
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
# A claim older than this is presumed dead (worker crashed mid-send) and may be taken again.
LEASE = timedelta(minutes=10)
SMTP_TIMEOUT_SECONDS = 30.0
BATCH_SIZE = 100
MAX_ERROR_LENGTH = 2000


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: 1, 2, 4, 8 ... minutes, at most an hour."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def _due(now: datetime) -> Q:
    waiting = Q(status=OutboxStatus.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    abandoned = Q(status=OutboxStatus.SENDING, next_attempt_at__lte=now)
    return Q(channel=EMAIL) & (waiting | abandoned)


async def claim(outbox_id: int) -> OutboxMessage | None:
    """Take a due email for this worker; None when it is not due, not an email, or someone else has it."""
    now = clock.now()
    changed = await OutboxMessage.filter(_due(now), id=outbox_id).update(
        status=OutboxStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + LEASE
    )
    if changed != 1:
        return None
    return await OutboxMessage.get_or_none(id=outbox_id, status=OutboxStatus.SENDING)


async def _settle(message: OutboxMessage, **changes: Any) -> None:
    """Record the outcome, but only over our own claim (a later claim of the same row wins)."""
    await OutboxMessage.filter(id=message.id, status=OutboxStatus.SENDING, attempts=message.attempts).update(**changes)


async def mark_sent(message: OutboxMessage) -> None:
    await _settle(message, status=OutboxStatus.SENT, sent_at=clock.now(), next_attempt_at=None, last_error=None)


async def mark_failed_attempt(message: OutboxMessage, reason: str) -> None:
    """Retry later with backoff, or give up after MAX_ATTEMPTS."""
    reason = reason[:MAX_ERROR_LENGTH]
    if message.attempts >= MAX_ATTEMPTS:
        final = f"gave up after {message.attempts} attempts: {reason}"[:MAX_ERROR_LENGTH]
        await _settle(message, status=OutboxStatus.FAILED, next_attempt_at=None, last_error=final)
    else:
        retry_at = clock.now() + backoff(message.attempts)
        await _settle(message, status=OutboxStatus.PENDING, next_attempt_at=retry_at, last_error=reason)


async def mark_undeliverable(message: OutboxMessage, reason: str) -> None:
    """Never to be sent (e.g. an internal note): FAILED at once, no retries."""
    await _settle(message, status=OutboxStatus.FAILED, next_attempt_at=None, last_error=reason[:MAX_ERROR_LENGTH])


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def build_message(message: OutboxMessage, rendered: Rendered, config: Config) -> EmailMessage:
    """A multipart/alternative message (plain text first, then HTML) with our own Message-ID."""
    payload: dict[str, Any] = message.payload if isinstance(message.payload, dict) else {}
    domain = _domain(config.smtp_from)
    email = EmailMessage()
    email["From"] = config.smtp_from
    email["To"] = str(payload.get("to", ""))
    email["Subject"] = rendered.subject
    email["Date"] = format_datetime(clock.now())
    email["Message-ID"] = make_msgid(idstring=f"outbox.{message.id}", domain=domain)
    number = payload.get("number")
    if number is not None:
        # One thread per ticket in mail clients.
        email["References"] = f"<ticket.{number}@{domain}>"
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(rendered.text)
    email.add_alternative(rendered.html, subtype="html")
    return email


async def send(email: EmailMessage, config: Config, recipient: str) -> None:
    """One SMTP conversation to exactly `recipient`; STARTTLS when the server offers it; raises on any failure.

    The envelope names the recipient explicitly: left to itself, aiosmtplib would take every address it can
    parse out of the To/Cc headers, so one odd address could add recipients.
    """
    assert config.smtp_host is not None
    await aiosmtplib.send(
        email,
        recipients=[recipient],
        hostname=config.smtp_host,
        port=config.smtp_port,
        username=config.smtp_user,
        password=config.smtp_password,
        start_tls=None,
        timeout=SMTP_TIMEOUT_SECONDS,
    )


class Outcome(Enum):
    SENT = "sent"
    SKIPPED = "skipped"  # not due, not an email, claimed elsewhere, or SMTP not configured
    REFUSED = "refused"  # must never be sent; FAILED at once
    FAILED = "failed"  # this message failed; it retries later (or has given up)
    SERVER_DOWN = "server_down"  # the server could not be reached or refused us: every message would fail


# Failures of the connection or the session rather than of one message (OSError covers refused connections,
# timeouts and disconnects): a pass stops at the first, so an outage costs one attempt per pass, not one per row.
SERVER_FAILURES = (OSError, SMTPAuthenticationError, SMTPHeloError, SMTPNotSupported)


async def attempt_delivery(outbox_id: int) -> Outcome:
    """Claim, render and send one outbox email, and record how it went."""
    config = get_config()
    if not config.smtp_host:
        return Outcome.SKIPPED
    message = await claim(outbox_id)
    if message is None:
        return Outcome.SKIPPED
    payload: dict[str, Any] = message.payload if isinstance(message.payload, dict) else {}
    try:
        if not payload.get("to"):
            raise Undeliverable("the message has no recipient address.")
        if not is_email_address(str(payload["to"])):
            # Written before the address rule (resolvers/kernel/validation.py), or by hand: SMTP would read a list or a
            # display name out of it and mail someone else.
            raise Undeliverable("the recipient is not one plain email address.")
        rendered = await render_message(message.topic, message.ticket_id, payload)  # type: ignore[attr-defined]
    except Undeliverable as refusal:
        log.warning("outbox email %s not sent: %s", message.id, refusal)
        await mark_undeliverable(message, str(refusal))
        return Outcome.REFUSED
    try:
        await send(build_message(message, rendered, config), config, str(payload["to"]))
    except Exception as error:  # any SMTP, network or TLS failure is a retryable attempt, never a crash
        reason = f"{type(error).__name__}: {error}"
        log.warning("outbox email %s attempt %s failed: %s", message.id, message.attempts, reason)
        await mark_failed_attempt(message, reason)
        return Outcome.SERVER_DOWN if isinstance(error, SERVER_FAILURES) else Outcome.FAILED
    await mark_sent(message)
    return Outcome.SENT


async def deliver_email(outbox_id: int) -> bool:
    """Send one outbox email if it is due and this worker wins the claim; True when it was sent by this call."""
    return await attempt_delivery(outbox_id) is Outcome.SENT


async def deliver_emails(outbox_ids: Sequence[int]) -> int:
    """Send each of these outbox emails that is due and whose claim this worker wins, in order; returns how many
    this call sent. One committed change's emails travel as one job (one Redis hand-off instead of one per
    recipient); each row is still claimed on its own, so exactly once holds whoever else takes the same row.
    Stops at the first SMTP server that cannot be reached: the rest wait for the pending pass without losing an
    attempt."""
    sent, _ = await _deliver_in_order(outbox_ids)
    return sent


async def _deliver_in_order(outbox_ids: Sequence[int]) -> tuple[int, bool]:
    """How many of these were sent, and whether delivery stopped because the SMTP server is down."""
    sent = 0
    for outbox_id in outbox_ids:
        outcome = await attempt_delivery(int(outbox_id))
        if outcome is Outcome.SERVER_DOWN:
            return sent, True
        if outcome is Outcome.SENT:
            sent += 1
    return sent, False


async def deliver_pending_emails() -> int:
    """The periodic pass: every email that is due, oldest first, including claims whose worker died.
    Stops early when the SMTP server is unreachable (the rest wait for the next pass without losing an
    attempt). Returns how many this pass sent."""
    if not get_config().smtp_host:
        return 0
    sent = 0
    last_id = 0
    while True:
        # Keyset over ids: each row is tried at most once per pass, however its attempt ends.
        ids: list[Any] = (
            await OutboxMessage.filter(_due(clock.now()), id__gt=last_id)
            .order_by("id")
            .limit(BATCH_SIZE)
            .values_list("id", flat=True)
        )
        if not ids:
            return sent
        last_id = int(ids[-1])
        sent_now, server_down = await _deliver_in_order(ids)
        sent += sent_now
        if server_down:
            return sent
