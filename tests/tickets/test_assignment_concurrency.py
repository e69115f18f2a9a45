"""Two staff click "assign to me" at once: one gets the ticket, the other ALREADY_ASSIGNED, never a lost update."""

from __future__ import annotations

import asyncio

import httpx

from core.enums import Role, StatusKind
from models.audit import AuditEntry
from models.outbox import OutboxMessage
from models.tickets import Ticket
from resolvers.kernel.actor import Actor
from resolvers.kernel.errors import DomainError, Reason
from resolvers.tickets.assignment import assign_ticket, assign_to_me
from tests.helpers import gql, make_category, make_group, make_person, make_ticket, refusals, status_of
from tests.row_locks import race_on_the_row
from tests.tickets.assignment_world import ASSIGN_TO_ME


async def test_two_staff_taking_one_ticket_at_once_end_with_one_assignee(client: httpx.AsyncClient) -> None:
    category = await make_category()
    first, second = await make_person(Role.STAFF), await make_person(Role.STAFF)
    await make_group(members=[first, second], scope=[(category, None)])
    ticket = await make_ticket(category)
    bodies = await asyncio.gather(
        *(gql(client, ASSIGN_TO_ME, {"input": {"number": ticket.number}}, person.token) for person in (first, second))
    )
    outcomes = [refusals(body["data"]["assignToMe"]) for body in bodies]
    assert sorted(outcomes, key=len) == [[], [(Reason.ALREADY_ASSIGNED, None)]]
    winner = (first, second)[outcomes.index([])]
    assert (await Ticket.get(id=ticket.id)).assignee_id == winner.id
    # One assignment happened: one audit row, one event, and the loser's answer names nobody's ticket as theirs.
    assert await AuditEntry.filter(ticket_id=ticket.id, action="ticket.assigned").count() == 1
    assert await OutboxMessage.filter(ticket_id=ticket.id, topic="ticket.assigned").count() == 1
    loser = bodies[outcomes.index([(Reason.ALREADY_ASSIGNED, None)])]
    assert loser["data"]["assignToMe"]["ticket"] is None


async def test_assign_to_me_waits_for_a_taker_holding_the_row_and_then_refuses(db: str) -> None:
    category = await make_category()
    holder, late_person = await make_person(Role.STAFF), await make_person(Role.STAFF)
    await make_group(members=[holder, late_person], scope=[(category, None)])
    late = Actor(user_id=late_person.id, role=Role.STAFF, email=late_person.user.email, name=late_person.user.name)
    ticket = await make_ticket(category)

    async def take(row: Ticket) -> None:
        row.assignee_id = holder.id
        await row.save(update_fields=["assignee_id", "updated_at"])

    async def take_late() -> DomainError:
        try:
            await assign_to_me(late, ticket.number or 0)
        except DomainError as error:
            return error
        raise AssertionError("the late taker overwrote the first one")

    error = await race_on_the_row(db, ticket.id, take, take_late)
    assert error.reason is Reason.ALREADY_ASSIGNED
    assert (await Ticket.get(id=ticket.id)).assignee_id == holder.id
    assert not await AuditEntry.filter(ticket_id=ticket.id).exists()


async def test_an_assignment_waiting_for_a_status_change_keeps_both(db: str) -> None:
    """The locked read re-checks the row's new version: a status change committed while the assignment waited
    must neither hide the ticket (it used to be NOT_FOUND on PostgreSQL) nor be overwritten."""
    category = await make_category()
    staff, sam = await make_person(Role.STAFF), await make_person(Role.STAFF)
    await make_group(members=[staff, sam], scope=[(category, None)])
    actor = Actor(user_id=staff.id, role=Role.STAFF, email=staff.user.email, name=staff.user.name)
    ticket = await make_ticket(category)
    resolved = await status_of(StatusKind.RESOLVED)

    async def resolve(row: Ticket) -> None:
        row.status_id = resolved.id
        await row.save(update_fields=["status_id", "updated_at"])

    await race_on_the_row(db, ticket.id, resolve, lambda: assign_ticket(actor, ticket.number or 0, str(sam.id), None))
    after = await Ticket.get(id=ticket.id)
    assert (after.status_id, after.assignee_id) == (resolved.id, sam.id)
