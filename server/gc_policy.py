"""How the server runs Python's cyclic garbage collector (issue 8; measured in docs/performance.md).

A collection walks every tracked object of the generations it collects, and a full one every object in the
process: with 32 queue pages in flight that was ~78 ms a time and 36% of the page's CPU. So:

- what start-up built (modules, the schema, the ORM, caches warmed so far) is frozen: never walked again;
- the youngest generation is collected after GEN0_THRESHOLD new objects instead of 700, so most of a
  request's short-lived cycles die within one window and far fewer of them are promoted to be walked again;
- full collections wait for a quiet moment: when the last request in flight finishes and at least one middle-
  generation collection happened since the last full one, the scheduler runs it (after the response is sent),
  walking nothing of any request. Under load that never pauses, the collector's own trigger still runs one
  after FULL_THRESHOLD middle-generation collections, ten times later than Python's default, so memory stays
  bounded.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

GEN0_THRESHOLD = 50_000
GEN1_THRESHOLD = 20
FULL_THRESHOLD = 100


_tuned = False


def tune_gc() -> None:
    """Call once start-up is done: collect what start-up left, freeze the rest, set the thresholds, and let the
    scheduler run full collections (until then it does nothing: tests build apps without this)."""
    global _tuned
    gc.collect()
    gc.freeze()
    gc.set_threshold(GEN0_THRESHOLD, GEN1_THRESHOLD, FULL_THRESHOLD)
    _tuned = True


class GcScheduler:
    """ASGI middleware: counts HTTP requests in flight and runs a due full collection when none is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            # gc.get_count()[2]: middle-generation collections since the last full one.
            if _tuned and self.in_flight == 0 and gc.get_count()[2] > 0 and gc.isenabled():
                asyncio.get_running_loop().call_soon(self._collect_if_idle)

    def _collect_if_idle(self, *_: Any) -> None:
        if self.in_flight == 0:
            gc.collect()
