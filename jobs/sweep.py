"""The close sweep as a job: the hourly arq cron entry point (and the in-process scheduler's)."""

from __future__ import annotations

import logging
from typing import Any

from resolvers.tickets.sweep import close_expired_tickets

log = logging.getLogger(__name__)


async def close_expired_tickets_job(ctx: dict[str, Any]) -> int:
    """Close every Resolved ticket whose reopen window has expired; returns how many this run closed.

    Safe to run on several workers at once and to run again: the resolver closes each ticket exactly once."""
    closed = await close_expired_tickets()
    log.info("close sweep: closed %d ticket(s)", closed)
    return closed
