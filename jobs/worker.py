"""The arq worker (`helpdesk worker`): email delivery jobs, the hourly close sweep, the pending-email pass and the
SLA evaluation.

Run it with `helpdesk worker` when REDIS_URL is set; without Redis the app runs the same jobs in-process
(jobs/runtime.py). Any number of workers may run: cron jobs are unique per slot across workers, and every job
is idempotent anyway (the sweep locks rows, the mailer claims each email).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from arq import cron, func
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.typing import StartupShutdown, WorkerCoroutine
from arq.worker import Function, Worker, create_worker

from core.config import get_config
from core.db import close_db, init_db
from jobs.email import deliver_email, deliver_emails, deliver_pending_emails
from jobs.live_relay import LiveRelay
from jobs.redis_link import REDIS_FAILURES, connect, describe
from jobs.report import BurstReport
from jobs.retention import purge_outbox_job
from jobs.runtime import JobRuntime
from jobs.sla import raise_sla_events_job
from jobs.sweep import close_expired_tickets_job
from jobs.webhooks import deliver_pending_webhooks, deliver_webhook_events
from resolvers.kernel.markdown_bounded import shutdown_markdown_pool

# A sweep over a large backlog may take minutes; it must still end well before the next hourly run.
SWEEP_TIMEOUT_SECONDS = 50 * 60


async def startup(ctx: dict[str, Any]) -> None:
    """Open the database (with the global fallback, STACK-NOTES) and hand emails queued by jobs straight to arq."""
    await init_db(get_config().database_url)
    runtime = JobRuntime(pool=ctx["redis"], run_periodic=False)
    await runtime.start()
    ctx["runtime"] = runtime
    # Events the jobs commit (the sweep's closes, the SLA pass's alerts) reach live subscribers on every app
    # process; the worker itself has none.
    relay = LiveRelay(None, hub=None, redis=ctx["redis"])
    await relay.start()
    ctx["live_relay"] = relay


async def shutdown(ctx: dict[str, Any]) -> None:
    relay: LiveRelay | None = ctx.pop("live_relay", None)
    if relay is not None:
        await relay.stop()
    runtime: JobRuntime | None = ctx.pop("runtime", None)
    if runtime is not None:
        await runtime.stop()
    # Email jobs render resolution notes and reasons in Markdown workers; they end with the worker.
    shutdown_markdown_pool()
    await close_db()


def redis_settings_for(redis_url: str | None) -> RedisSettings:
    return RedisSettings.from_dsn(redis_url) if redis_url else RedisSettings()


class WorkerSettings:
    """arq settings. The jobs/runtime.py PERIODIC table is the embedded twin of `cron_jobs`; keep them in step."""

    functions: Sequence[WorkerCoroutine | Function] = [
        deliver_emails,
        deliver_email,  # jobs queued by a version before deliver_emails
        func(close_expired_tickets_job, timeout=SWEEP_TIMEOUT_SECONDS),
        deliver_pending_emails,
        raise_sla_events_job,
        deliver_webhook_events,
        deliver_pending_webhooks,
        purge_outbox_job,
    ]
    cron_jobs: Sequence[CronJob] | None = [
        # Minute 0 of every hour; only at its slot, never on worker start.
        cron(close_expired_tickets_job, minute={0}, second={0}, run_at_startup=False, timeout=SWEEP_TIMEOUT_SECONDS),
        # Second 0 of every minute: retries, and anything whose announcement was lost.
        cron(deliver_pending_emails, second={0}, run_at_startup=False),
        # Second 0 of every minute: SLA at-risk and breached events (each once per ticket, whichever worker runs).
        cron(raise_sla_events_job, second={0}, run_at_startup=False),
        # Second 0 of every minute: webhook retries, and events whose announcement was lost.
        cron(deliver_pending_webhooks, second={0}, run_at_startup=False),
        # 00:00 UTC every day: outbox rows past OUTBOX_RETENTION_DAYS that nothing waits for.
        cron(purge_outbox_job, hour={0}, minute={0}, second={0}, run_at_startup=False),
    ]
    on_startup: StartupShutdown | None = startup
    on_shutdown: StartupShutdown | None = shutdown
    timezone = UTC
    # Read here (not through get_config, which has side effects) for `arq jobs.worker.WorkerSettings`;
    # `helpdesk worker` passes the configured URL explicitly.
    redis_settings = redis_settings_for(os.environ.get("REDIS_URL"))


async def unreachable(redis_url: str) -> str | None:
    """Why Redis cannot be reached right now (one connection attempt, bounded), or None when it answers."""
    try:
        pool = await connect(redis_url)
    except REDIS_FAILURES as error:
        return describe(error)
    await pool.aclose(close_connection_pool=True)
    return None


def build_worker(redis_url: str, *, report: BurstReport | None = None, **overrides: Any) -> Worker:
    """The worker `helpdesk worker` runs; `overrides` are arq Worker arguments (e.g. burst=True); with `report`,
    every job prints its outcome through it."""
    if report is not None:
        overrides["functions"] = report.functions(WorkerSettings.functions)
        overrides["cron_jobs"] = report.cron_jobs(WorkerSettings.cron_jobs or [])
    # arq asks for the current event loop when it builds the worker; give it a fresh one of its own.
    asyncio.set_event_loop(asyncio.new_event_loop())
    return create_worker(WorkerSettings, redis_settings=redis_settings_for(redis_url), **overrides)
