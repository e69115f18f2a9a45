"""What admins see of email delivery: the outbox email rows, newest first, with their delivery state.

Mail that cannot go out (no SMTP_HOST configured, an SMTP outage, a refused message) is visible here, so an
admin can tell "queued" from "sent" from "gave up and why".
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q

from core.enums import OutboxStatus
from models.outbox import OutboxMessage
from resolvers.kernel.actor import Actor, require_admin
from resolvers.kernel.errors import Problems
from resolvers.kernel.pagination import Page, clean_page_size, keyset_page, read_position
from resolvers.notify.outbox import EMAIL

OUTBOX_COLUMNS = (
    "id",
    "topic",
    "payload",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "created_at",
    "sent_at",
    "ticket__number",
)


def outbox_position(row: dict[str, Any]) -> list[Any]:
    """The keyset position of a row in the list order (newest id first)."""
    return [row["id"]]


async def list_outbox_emails(
    actor: Actor | None, *, status: OutboxStatus | None = None, first: int | None = None, after: list[Any] | None = None
) -> Page:
    """Admins only: email rows of the outbox, newest first, optionally of one status, `first` per page."""
    require_admin(actor)
    problems = Problems()
    size = clean_page_size(problems, first)
    problems.raise_if_any()
    start = read_position(after, int)
    query = OutboxMessage.filter(channel=EMAIL)
    if status is not None:
        query = query.filter(status=status)
    following = Q(id__lt=start[0]) if start else None
    return await keyset_page(query, after=following, order=("-id",), size=size, columns=OUTBOX_COLUMNS)


def recipient(row: dict[str, Any]) -> str:
    payload = row.get("payload")
    return str(payload.get("to", "")) if isinstance(payload, dict) else ""
