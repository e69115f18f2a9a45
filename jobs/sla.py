"""SLA evaluation as a job: every minute, from the arq cron and the in-process scheduler alike."""

from __future__ import annotations

import logging
from typing import Any

from resolvers.tickets.sla_alerts import raise_sla_events

log = logging.getLogger(__name__)


async def raise_sla_events_job(ctx: dict[str, Any]) -> int:
    """Queue the ticket.sla_at_risk and ticket.sla_breached events now due; returns how many this run queued.

    Safe on several workers at once and to run again: each ticket's events are claimed once (the resolver)."""
    raised = await raise_sla_events()
    if raised:
        log.info("sla evaluation: queued %d event(s)", raised)
    return raised
