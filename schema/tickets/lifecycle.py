"""Status transitions: changeStatus, resolveTicket, reopenTicket."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.tickets.lifecycle import change_status, reopen_ticket, resolve_ticket
from schema.context import Info
from schema.errors import INPUT
from schema.tickets.types import TicketPayload, ticket_payload


@strawberry.input(description="Move a ticket to another status (staff).")
class ChangeStatusInput:
    number: int = strawberry.field(description="The ticket.")
    status_id: strawberry.ID = strawberry.field(description="The status to move it to.")


@strawberry.input(description="Resolve a ticket (staff); starts the requester's reopen window.")
class ResolveTicketInput:
    number: int = strawberry.field(description="The ticket.")
    resolution_notes: str | None = strawberry.field(
        default=None, description="What fixed it, shown to the requester. Left out: earlier notes are kept."
    )


@strawberry.input(description="Reopen a Resolved or Closed ticket (staff), whatever the window.")
class ReopenTicketInput:
    number: int = strawberry.field(description="The ticket.")
    reason: str | None = strawberry.field(default=None, description="Why, for the history and the assignee.")


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Staff: move a ticket to any status.")
    async def change_status(self, info: Info, input: Annotated[ChangeStatusInput, INPUT]) -> TicketPayload:
        return await ticket_payload(info, lambda a: change_status(a, input.number, input.status_id))

    @strawberry.mutation(description="Staff: resolve a ticket, with optional resolution notes.")
    async def resolve_ticket(self, info: Info, input: Annotated[ResolveTicketInput, INPUT]) -> TicketPayload:
        return await ticket_payload(info, lambda a: resolve_ticket(a, input.number, input.resolution_notes))

    @strawberry.mutation(description="Staff: reopen a Resolved or Closed ticket; resolution notes are kept.")
    async def reopen_ticket(self, info: Info, input: Annotated[ReopenTicketInput, INPUT]) -> TicketPayload:
        return await ticket_payload(info, lambda a: reopen_ticket(a, input.number, input.reason))
