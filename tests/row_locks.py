"""Races on one ticket row, made deterministic: a transaction holds the row locked while another change starts
and must wait for it (PostgreSQL), then the holder changes the row and commits, and the waiter carries on. SQLite
has one writer, so there the same two changes run in sequence and must end the same way."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tortoise import connections
from tortoise.transactions import in_transaction

from models.tickets import Ticket

T = TypeVar("T")


async def _wait_for_a_blocked_lock(backend: str) -> None:
    """Until some other transaction waits on a row lock (bounded polling, not a timed assertion)."""
    conn = connections.get(backend)
    for _ in range(500):
        rows = await conn.execute_query_dict("SELECT count(*) AS n FROM pg_locks WHERE NOT granted")
        if rows[0]["n"]:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the second change never waited for the row lock")


async def race_on_the_row(
    backend: str, ticket_id: int, holder_change: Callable[[Ticket], Awaitable[None]], waiter: Callable[[], Awaitable[T]]
) -> T:
    """Lock the ticket's row, start `waiter` and (on PostgreSQL) see it wait for the lock, then apply
    `holder_change` to the locked row and commit; returns what `waiter` returned once it could go on."""
    locked, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with in_transaction():
            row = await Ticket.select_for_update().get(id=ticket_id)
            locked.set()
            await release.wait()
            await holder_change(row)

    async def wait_then_go() -> T:
        await locked.wait()
        return await waiter()

    if backend != "postgres":
        release.set()
        await hold()
        return await wait_then_go()
    holder = asyncio.create_task(hold())
    second = asyncio.create_task(wait_then_go())
    await _wait_for_a_blocked_lock(backend)
    release.set()
    await holder
    return await second
