"""Links between tickets: linkTickets, unlinkTickets and resolveChildren (staff)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from core.enums import LinkType as StoredLinkType
from resolvers.tickets.children import ChildResult, resolve_children
from resolvers.tickets.links import link_tickets, unlink_tickets
from schema.context import Info
from schema.errors import INPUT, UserError, mutate, user_errors
from schema.tickets.link_types import LinkType
from schema.tickets.types import Ticket, TicketPayload, changed_ticket, ticket_payload


@strawberry.input(description="Link two tickets (staff); the reverse link is made with it.")
class LinkTicketsInput:
    number: int = strawberry.field(description="The ticket to link from; it must be in your scope.")
    other_number: int = strawberry.field(description="The ticket to link to; any ticket you may open.")
    type: LinkType = strawberry.field(
        description="How `number` relates to `otherNumber`: PARENT_OF makes `otherNumber` its child."
    )


@strawberry.input(description="Remove the link between two tickets (staff), both directions.")
class UnlinkTicketsInput:
    number: int = strawberry.field(description="One of the linked tickets; it must be in your scope.")
    other_number: int = strawberry.field(description="The other linked ticket.")


@strawberry.input(description="Resolve every open child of a resolved parent with the parent's resolution notes.")
class ResolveChildrenInput:
    number: int = strawberry.field(description="The parent; it must be Resolved or Closed and in your scope.")
    dry_run: bool = strawberry.field(default=False, description="Only say what would happen; change nothing.")


@strawberry.enum(description="What resolveChildren did to one child (with dryRun: what it would do).")
class ChildOutcome(Enum):
    RESOLVED = strawberry.enum_value("RESOLVED", description="Resolved now (dryRun: would be resolved).")
    ALREADY_RESOLVED = strawberry.enum_value("ALREADY_RESOLVED", description="Already Resolved; left as it is.")
    ALREADY_CLOSED = strawberry.enum_value("ALREADY_CLOSED", description="Closed; left as it is.")
    REFUSED = strawberry.enum_value("REFUSED", description="Not resolved: `error` says why (e.g. out of scope).")


@strawberry.type(description="One child of resolveChildren and what happened to it.")
class ChildResolution:
    ticket: Ticket = strawberry.field(description="The child, as it is now.")
    outcome: ChildOutcome = strawberry.field(description="What happened to it (dryRun: what would).")
    error: UserError | None = strawberry.field(description="Why it was refused, when `outcome` is REFUSED.")

    @classmethod
    def of(cls, result: ChildResult) -> ChildResolution:
        return cls(
            ticket=changed_ticket(result.ticket),
            outcome=ChildOutcome[result.outcome.name],
            error=user_errors(result.error)[0] if result.error else None,
        )


@strawberry.type(description="Result of resolveChildren.")
class ResolveChildrenPayload:
    ticket: Ticket | None = strawberry.field(description="The parent, unless refused.")
    children: list[ChildResolution] = strawberry.field(description="Every child in ticket order, with its outcome.")
    dry_run: bool = strawberry.field(description="True when nothing was changed: the outcomes say what would happen.")
    errors: list[UserError] = strawberry.field(description="Why the whole request was refused; empty on success.")


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Staff: link two tickets both ways (no self links, duplicates or parent cycles).")
    async def link_tickets(self, info: Info, input: Annotated[LinkTicketsInput, INPUT]) -> TicketPayload:
        link_type = StoredLinkType[input.type.name]
        return await ticket_payload(info, lambda a: link_tickets(a, input.number, input.other_number, link_type))

    @strawberry.mutation(description="Staff: remove the link between two tickets, both directions.")
    async def unlink_tickets(self, info: Info, input: Annotated[UnlinkTicketsInput, INPUT]) -> TicketPayload:
        return await ticket_payload(info, lambda a: unlink_tickets(a, input.number, input.other_number))

    @strawberry.mutation(
        description="Staff: resolve every child of a resolved parent that is not Resolved or Closed, with the "
        "parent's resolution notes, in one transaction; each child is emailed and recorded as by resolveTicket."
    )
    async def resolve_children(
        self, info: Info, input: Annotated[ResolveChildrenInput, INPUT]
    ) -> ResolveChildrenPayload:
        done, errors = await mutate(info, lambda a: resolve_children(a, input.number, input.dry_run))
        if done is None:
            return ResolveChildrenPayload(ticket=None, children=[], dry_run=input.dry_run, errors=errors)
        children = [ChildResolution.of(result) for result in done.children]
        return ResolveChildrenPayload(ticket=changed_ticket(done.parent), children=children, dry_run=done.dry_run,
                                      errors=[])  # fmt: skip
