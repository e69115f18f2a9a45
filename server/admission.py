"""At most N GraphQL requests run at once; the others wait their turn in arrival order (issue 8: p99 vs p50).

Without a bound, all 32 clients' requests ran interleaved and each one took the database pool three times
(authentication, the page, the replies). asyncpg's pool, like asyncio.Queue, lets a newcomer take a released
connection before a waiter that was woken for it gets to run, and the woken waiter then queues again at the end:
some requests lost that race several times, and the slowest 1% took 3-5x the median. A first-come first-served
gate in front of the request, as wide as a small multiple of the pool, makes the race rare and the waiting
orderly: the median does not move, the tail shrinks (bench/README.md, "The tail").

A request holds its place from the moment its body has been read (the gate sits inside `BodySizeLimit`, so a
client slow to send its body holds nothing) until its response starts (a client slow to read holds nothing
either). A slot is handed straight to the oldest waiter, never left for whoever comes next.
"""

from __future__ import annotations

import asyncio
from collections import deque

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class AdmissionGate:
    """ASGI middleware admitting at most `limit` HTTP requests into `app` at once, first come first served."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        if limit < 1:
            raise ValueError("the admission limit must be at least 1")
        self.app = app
        self.limit = limit
        self.running = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return sum(1 for waiter in self._waiting if not waiter.done())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self._enter()
        held = True

        def leave() -> None:
            nonlocal held
            if held:
                held = False
                self._leave()

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                leave()  # the answer is ready: its bytes go out while the next request runs
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            leave()

    async def _enter(self) -> None:
        if self.running < self.limit and not self._waiting:
            self.running += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._leave()  # the slot came just as this request was cancelled: pass it on
            else:
                self._waiting.remove(waiter)
            raise

    def _leave(self) -> None:
        # Hand the slot to the oldest live waiter; `running` stays the same. No waiter: one slot fewer in use.
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.running -= 1
