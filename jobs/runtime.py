"""The job runtime of one process: how committed outbox emails reach a delivery job, and who runs the clock.

Two modes, chosen by REDIS_URL:

- **Embedded** (no REDIS_URL): everything runs inside the app process. The committed outbox emails of each
  change are delivered by one in-process task, and periodic loops run the same functions the arq worker would:
  the close sweep at minute 0 of every hour, the pending-email pass and the SLA evaluation at second 0 of every
  minute. Several app processes each run the loops; that is safe because every job is idempotent (the sweep locks
  rows, the mailer claims each email, the SLA evaluation claims each event).
- **Queue** (REDIS_URL set): the committed outbox emails of each change become one arq `deliver_emails` job
  (one Redis hand-off per change, not per recipient: W3 in docs/performance.md); the periodic work
  is the worker's cron (`helpdesk worker`), so the app process runs no loops. Redis being unreachable never stops
  the app: jobs/redis_link.py logs it, skips the announcements and reconnects in the background.

The announcement is only the fast path: a row whose announcement is lost (crash, Redis down) is picked up by
the next pending-email pass. So the listener never raises into the request that committed the change.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from arq.connections import ArqRedis

from core import clock
from jobs.email import deliver_emails, deliver_pending_emails
from jobs.redis_link import RedisLink
from jobs.retention import purge_outbox_job
from jobs.sla import raise_sla_events_job
from jobs.sweep import close_expired_tickets_job
from jobs.webhooks import deliver_pending_webhooks, deliver_webhook_events
from resolvers.notify import outbox
from resolvers.notify.webhook_delivery import any_enabled

log = logging.getLogger(__name__)

DAY = 86400
HOUR = 3600
MINUTE = 60
# On shutdown, deliveries already under way get this long to finish before they are cancelled (a cancelled one
# is retried by a later pass once its claim expires).
DELIVERY_GRACE_SECONDS = 10.0

NOT_CONFIGURED = "not configured"

Job = Callable[[dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class Periodic:
    """A job the embedded mode runs on a fixed period, aligned to the clock (the arq cron does the same)."""

    name: str
    period_seconds: int
    job: Job


# The embedded equivalent of jobs/worker.py's cron_jobs; keep the two in step.
PERIODIC = (
    Periodic("close_expired_tickets", HOUR, close_expired_tickets_job),
    Periodic("deliver_pending_emails", MINUTE, deliver_pending_emails),
    Periodic("raise_sla_events", MINUTE, raise_sla_events_job),
    Periodic("deliver_pending_webhooks", MINUTE, deliver_pending_webhooks),
    Periodic("purge_outbox", DAY, purge_outbox_job),
)


def next_run(after: datetime, period_seconds: int) -> datetime:
    """The first whole multiple of the period (counted in UTC from the epoch) strictly after `after`:
    minute 0 of the next hour for HOUR, second 0 of the next minute for MINUTE."""
    slot = math.floor(after.timestamp() / period_seconds) + 1
    return datetime.fromtimestamp(slot * period_seconds, UTC)


class JobRuntime:
    """Started and stopped by the app's lifespan (and, in queue mode only, by the arq worker's start-up)."""

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        pool: ArqRedis | None = None,
        queue_name: str | None = None,
        run_periodic: bool = True,
    ) -> None:
        """`pool` reuses an open arq connection (the worker's own); `queue_name` overrides arq's default queue;
        `run_periodic=False` skips the embedded loops."""
        self.run_periodic = run_periodic
        queued = pool is not None or redis_url is not None
        self._link = RedisLink(redis_url, queue_name=queue_name, pool=pool) if queued else None
        self._loops: list[asyncio.Task[None]] = []
        # Strong references: the event loop keeps only weak ones, so an unreferenced task can vanish mid-run.
        self._deliveries: set[asyncio.Task[None]] = set()
        self._started = False

    @property
    def queued(self) -> bool:
        """Queue mode: emails go to arq. Otherwise embedded."""
        return self._link is not None

    async def start(self) -> None:
        """Never fails for want of Redis: queue mode then starts degraded and reconnects by itself."""
        if self._started:
            return
        if self._link is not None:
            await self._link.start()
        elif self.run_periodic:
            self._loops = [asyncio.create_task(self._every(p), name=f"periodic:{p.name}") for p in PERIODIC]
        outbox.add_listener(self.on_outbox_committed)
        self._started = True

    async def stop(self) -> None:
        if not self._started:
            return
        outbox.remove_listener(self.on_outbox_committed)
        for loop in self._loops:
            loop.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        self._loops = []
        if self._deliveries:
            _, unfinished = await asyncio.wait(set(self._deliveries), timeout=DELIVERY_GRACE_SECONDS)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
        if self._link is not None:
            await self._link.stop()
        self._started = False

    async def redis_status(self) -> str:
        """For /health: NOT_CONFIGURED in embedded mode, else whether Redis answers now ("ok"/"unreachable")."""
        if self._link is None:
            return NOT_CONFIGURED
        return await self._link.status()

    async def drain(self) -> None:
        """Wait until every in-process delivery started so far has finished (tests; shutdown uses a grace period)."""
        while self._deliveries:
            await asyncio.gather(*set(self._deliveries), return_exceptions=True)

    async def on_outbox_committed(self, ids: list[int]) -> None:
        """Outbox listener: start delivering the committed email rows among `ids`, and fanning out its events to
        webhooks."""
        if self._link is not None and not self._link.up:
            return  # Redis is away (already logged): the rows wait for the worker's pending passes.
        try:
            email_ids = await outbox.email_ids(ids)
            # Events go to webhooks only while one is enabled (no hand-off per change otherwise).
            event_ids = await outbox.event_ids(ids) if await any_enabled() else []
            if self._link is not None:
                # False: lost just now (logged once by the link); the rows wait for the pending passes.
                if email_ids:
                    await self._link.enqueue("deliver_emails", email_ids)
                if event_ids:
                    await self._link.enqueue("deliver_webhook_events", event_ids)
            else:
                if email_ids:
                    self._spawn(self._deliver(email_ids), name=f"deliver_emails:{email_ids[0]}")
                if event_ids:
                    self._spawn(self._deliver_events(event_ids), name=f"deliver_webhook_events:{event_ids[0]}")
        except Exception:
            # The change is committed either way; the pending passes deliver what was not handed over.
            log.exception("could not hand outbox rows %s to delivery; the periodic pass will pick them up", ids)

    async def _deliver_events(self, event_ids: list[int]) -> None:
        try:
            await deliver_webhook_events({}, event_ids)
        except Exception:
            log.exception("fanning out events %s to webhooks failed; the periodic pass will retry", event_ids)

    async def _deliver(self, email_ids: list[int]) -> None:
        try:
            await deliver_emails({}, email_ids)
        except Exception:
            log.exception("delivering outbox emails %s failed; the periodic pass will retry them", email_ids)

    def _spawn(self, work: Coroutine[Any, Any, None], *, name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def _every(self, periodic: Periodic) -> None:
        """Run `periodic.job` at each aligned slot, forever. A failure is logged and the next slot still runs."""
        target = next_run(clock.now(), periodic.period_seconds)
        while True:
            # The controllable clock: in real time a sleep, with a frozen clock a wait until a test moves it.
            await clock.sleep_until(target)
            try:
                await periodic.job({})
            except Exception:
                log.exception("periodic job %s failed", periodic.name)
            # From the slot just served, never from "now": waking a few ms early must not run the job twice.
            target = next_run(max(clock.now(), target), periodic.period_seconds)
