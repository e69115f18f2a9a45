"""Filing a ticket and reclassifying it (createTicket, updateTicket; rules: resolvers/tickets/filing.py)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from core.enums import Priority as StoredPriority
from resolvers.kernel.validation import KEEP
from resolvers.tickets import queue as ticket_queue
from resolvers.tickets.filing import TicketChanges, create_ticket, update_ticket
from schema.context import Info
from schema.errors import INPUT, UserError, mutate
from schema.tickets.inputs import CreateTicketInput, UpdateTicketInput, new_ticket
from schema.tickets.types import Ticket, changed_ticket


@strawberry.type(description="Result of createTicket.")
class CreateTicketPayload:
    ticket: Ticket | None = strawberry.field(description="The new ticket, unless refused.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.type(description="Result of updateTicket.")
class UpdateTicketPayload:
    ticket: Ticket | None = strawberry.field(description="The ticket after the change, unless refused.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


def _keep(value: Any) -> Any:
    return KEEP if value is strawberry.UNSET else value


@strawberry.type
class Mutation:
    @strawberry.mutation(description="File a ticket.")
    async def create_ticket(self, info: Info, input: Annotated[CreateTicketInput, INPUT]) -> CreateTicketPayload:
        data = new_ticket(input, input.requester_id)
        ticket, errors = await mutate(info, lambda actor: create_ticket(actor, data))
        if ticket is None:
            return CreateTicketPayload(ticket=None, errors=errors)
        # Read back by key, not by number: the number is the database's to assign (number = id today, but an
        # import keeps its own numbers), and a new ticket's number is what the client learns here.
        row = await ticket_queue.ticket_row_by_id(info.context.actor, ticket.id)
        return CreateTicketPayload(ticket=Ticket.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(description="Staff: reclassify, re-prioritise or retitle a ticket in your scope.")
    async def update_ticket(self, info: Info, input: Annotated[UpdateTicketInput, INPUT]) -> UpdateTicketPayload:
        priority = _keep(input.priority)
        changes = TicketChanges(
            number=input.number,
            subject=_keep(input.subject),
            category_id=_keep(input.category_id),
            type_id=_keep(input.type_id),
            item_id=_keep(input.item_id),
            priority=StoredPriority[priority.name] if priority else priority,
        )
        ticket, errors = await mutate(info, lambda actor: update_ticket(actor, changes))
        return UpdateTicketPayload(ticket=changed_ticket(ticket) if ticket else None, errors=errors)
