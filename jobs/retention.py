"""The daily outbox purge as a job (resolvers/notify/outbox_retention.py): the arq cron entry point at 00:00 UTC,
and the embedded scheduler's."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from core.config import get_config
from resolvers.notify.outbox_retention import purge_outbox

log = logging.getLogger(__name__)


async def purge_outbox_job(ctx: dict[str, Any]) -> int:
    """Remove outbox rows older than OUTBOX_RETENTION_DAYS that nothing waits for; returns how many went.
    Safe on several workers at once (rows are picked with SKIP LOCKED) and to run again."""
    removed = await purge_outbox(timedelta(days=get_config().outbox_retention_days))
    log.info("outbox purge: removed %d row(s)", removed)
    return removed
