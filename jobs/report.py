"""What `helpdesk worker --burst` prints: one line per job it ran, then a summary.

arq's own lines go to its logger at INFO, which nobody sees unless they configure logging; a burst run (a cron
entry, a deploy step, someone clearing a backlog by hand) should say what it did. Each job function is wrapped to
report its own outcome as it ends (its name, its arguments, what it returned or raised) and then behaves exactly as
before. Reading arq's stored result instead would not do: a result is a pickle, read back only after the job, and
an exception that cannot be rebuilt from one makes it unreadable (DomainError could not, before its `__reduce__`).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from arq import Retry, func
from arq.cron import CronJob
from arq.typing import WorkerCoroutine
from arq.worker import Function

from jobs.redis_link import describe

Job = TypeVar("Job", Function, CronJob)


def call_text(name: str, args: Sequence[Any], kwargs: dict[str, Any]) -> str:
    """`deliver_email(12)`: how the job was called."""
    return f"{name}({', '.join([*(repr(a) for a in args), *(f'{k}={v!r}' for k, v in kwargs.items())])})"


def summary_line(complete: int, failed: int, retried: int) -> str:
    ran = complete + failed + retried
    return f"Burst done: {ran} job(s) run, {complete} ok, {failed} failed, {retried} to be retried."


class BurstReport:
    """Wraps the worker's functions and cron jobs; `emit` receives one line per job run (print, in the CLI)."""

    def __init__(self, emit: Callable[[str], None]) -> None:
        self.emit = emit

    def functions(self, functions: Sequence[WorkerCoroutine | Function]) -> list[Function]:
        return [self._wrap(func(f)) for f in functions]

    def cron_jobs(self, jobs: Sequence[CronJob]) -> list[CronJob]:
        return [self._wrap(job) for job in jobs]

    def _wrap(self, job: Job) -> Job:
        return dataclasses.replace(job, coroutine=self._reporting(job.name, job.coroutine))

    def _reporting(self, name: str, coroutine: WorkerCoroutine) -> WorkerCoroutine:
        async def run(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> Any:
            call = call_text(name, args, kwargs)
            try:
                result = await coroutine(ctx, *args, **kwargs)
            except Retry:
                self.emit(f"{call}: to be retried")
                raise
            except asyncio.CancelledError:
                self.emit(f"{call}: cancelled (timed out, or the worker is stopping)")
                raise
            except Exception as error:
                self.emit(f"{call}: failed, {describe(error)}")
                raise
            self.emit(f"{call}: ok, returned {result!r}")
            return result

        return run
