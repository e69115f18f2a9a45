"""What admins see of email delivery: the outbox email rows, newest first, with their delivery state.

Mail that cannot go out (no SMTP_HOST configured, an SMTP outage, a refused message) is visible here, so an
admin can tell "queued" from "sent" from "gave up and why".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.enums import OutboxStatus
from models.outbox import OutboxMessage
from resolvers.actor import Actor, require_admin
from resolvers.errors import Problems, validation
from resolvers.outbox import EMAIL
from resolvers.pagination import clean_page_size

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


@dataclass
class OutboxPage:
    rows: list[dict[str, Any]]
    has_next_page: bool
    has_previous_page: bool
    total_count: int


def outbox_position(row: dict[str, Any]) -> list[Any]:
    """The keyset position of a row in the list order (newest id first)."""
    return [row["id"]]


async def list_outbox_emails(
    actor: Actor | None, *, status: OutboxStatus | None = None, first: int | None = None, after: list[Any] | None = None
) -> OutboxPage:
    """Admins only: email rows of the outbox, newest first, optionally of one status, `first` per page."""
    require_admin(actor)
    problems = Problems()
    size = clean_page_size(problems, first)
    problems.raise_if_any()
    start = _parse_position(after)
    query = OutboxMessage.filter(channel=EMAIL)
    if status is not None:
        query = query.filter(status=status)
    total = await query.count()
    if start is not None:
        query = query.filter(id__lt=start)
    rows = await query.order_by("-id").limit(size + 1).values(*OUTBOX_COLUMNS)
    return OutboxPage(
        rows=rows[:size], has_next_page=len(rows) > size, has_previous_page=start is not None, total_count=total
    )


def recipient(row: dict[str, Any]) -> str:
    payload = row.get("payload")
    return str(payload.get("to", "")) if isinstance(payload, dict) else ""


def _parse_position(after: list[Any] | None) -> int | None:
    if after is None:
        return None
    if len(after) != 1 or not isinstance(after[0], int) or isinstance(after[0], bool):
        raise validation("after", "after is not a cursor from this list.")
    return after[0]
