"""A change never overwrites a concurrent one with a stale copy of the ticket (PostgreSQL row locks)."""

from __future__ import annotations

from core import clock
from core.enums import Priority, Role, StatusKind
from models.tickets import Ticket
from resolvers.kernel.actor import Actor
from resolvers.tickets.filing import TicketChanges, update_ticket
from tests.helpers import make_category, make_person, make_ticket, status_of
from tests.row_locks import race_on_the_row


async def test_update_ticket_keeps_a_resolve_committed_while_it_waited(db: str) -> None:
    person = await make_person(Role.ADMIN)
    admin = Actor(user_id=person.id, role=Role.ADMIN, email=person.user.email, name=person.user.name)
    ticket = await make_ticket(await make_category())
    resolved = await status_of(StatusKind.RESOLVED)

    async def resolve(row: Ticket) -> None:
        row.status_id, row.resolved_at = resolved.id, clock.now()
        await row.save()

    async def reprioritise() -> None:
        await update_ticket(admin, TicketChanges(number=ticket.number or 0, priority=Priority.HIGH))

    await race_on_the_row(db, ticket.id, resolve, reprioritise)
    after = await Ticket.get(id=ticket.id)
    assert (after.status_id, after.priority) == (resolved.id, Priority.HIGH)
    assert after.resolved_at is not None
