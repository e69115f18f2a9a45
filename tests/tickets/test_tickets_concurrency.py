"""A change never overwrites a concurrent one with a stale copy of the ticket (PostgreSQL row locks)."""

from __future__ import annotations

import asyncio

from tortoise import connections
from tortoise.transactions import in_transaction

from core import clock
from core.enums import Priority, Role, StatusKind
from models.tickets import Ticket
from resolvers.kernel.actor import Actor
from resolvers.tickets.filing import TicketChanges, update_ticket
from tests.helpers import make_category, make_person, make_ticket, status_of


async def _wait_for_a_blocked_lock(backend: str) -> None:
    """Until some other transaction waits on a row lock (bounded polling, not a timed assertion)."""
    conn = connections.get(backend)
    for _ in range(500):
        rows = await conn.execute_query_dict("SELECT count(*) AS n FROM pg_locks WHERE NOT granted")
        if rows[0]["n"]:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the update never waited for the row lock")


async def test_update_ticket_keeps_a_resolve_committed_while_it_waited(db: str) -> None:
    person = await make_person(Role.ADMIN)
    admin = Actor(user_id=person.id, role=Role.ADMIN, email=person.user.email, name=person.user.name)
    ticket = await make_ticket(await make_category())
    resolved = await status_of(StatusKind.RESOLVED)
    locked, release = asyncio.Event(), asyncio.Event()

    async def resolve_while_holding_the_row() -> None:
        async with in_transaction():
            row = await Ticket.select_for_update().get(id=ticket.id)
            locked.set()
            await release.wait()
            row.status_id, row.resolved_at = resolved.id, clock.now()
            await row.save()

    async def reprioritise() -> None:
        await locked.wait()
        await update_ticket(admin, TicketChanges(number=ticket.number or 0, priority=Priority.HIGH))

    if db == "postgres":
        holder = asyncio.create_task(resolve_while_holding_the_row())
        updater = asyncio.create_task(reprioritise())
        await _wait_for_a_blocked_lock(db)
        release.set()
        await asyncio.gather(holder, updater)
    else:
        # SQLite has one writer; the same two changes in sequence must both survive too.
        release.set()
        await resolve_while_holding_the_row()
        await reprioritise()
    after = await Ticket.get(id=ticket.id)
    assert (after.status_id, after.priority) == (resolved.id, Priority.HIGH)
    assert after.resolved_at is not None
