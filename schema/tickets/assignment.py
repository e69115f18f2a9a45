"""Assignment: assignTicket, assignToMe."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.tickets.assignment import assign_ticket, assign_to_me
from schema.context import Info
from schema.errors import INPUT
from schema.tickets.types import TicketPayload, ticket_payload


@strawberry.input(
    description="Give a ticket to a staff member, a group, both (the person a member of the group), or nobody "
    "(leave both out). Staff and admins, for tickets in their queue."
)
class AssignTicketInput:
    number: int = strawberry.field(description="The ticket.")
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None, description="An enabled staff or admin account, whatever its groups' scope; null: no person."
    )
    group_id: strawberry.ID | None = strawberry.field(
        default=None, description="A group, whatever its scope; null: no group."
    )


@strawberry.input(description="Take an unassigned ticket in your queue (staff).")
class AssignToMeInput:
    number: int = strawberry.field(description="The ticket.")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Staff: assign a ticket in your queue. The new assignee is emailed; the previous one only if "
        "they replied on the ticket. Giving it the assignment it has changes nothing."
    )
    async def assign_ticket(self, info: Info, input: Annotated[AssignTicketInput, INPUT]) -> TicketPayload:
        return await ticket_payload(info, lambda a: assign_ticket(a, input.number, input.assignee_id, input.group_id))

    @strawberry.mutation(
        description="Staff: take an unassigned ticket in your queue in one step, keeping its group (you must be a "
        "member). Refused with ALREADY_ASSIGNED when someone else has it, even since a moment ago."
    )
    async def assign_to_me(self, info: Info, input: Annotated[AssignToMeInput, INPUT]) -> TicketPayload:
        return await ticket_payload(info, lambda a: assign_to_me(a, input.number))
