"""Bulk changes: bulkUpdateTickets."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from core.enums import Priority as StoredPriority
from resolvers.kernel.validation import KEEP
from resolvers.tickets import bulk_changes
from schema.context import Info
from schema.enums import Priority
from schema.errors import INPUT, UserError, mutate, user_errors
from schema.tickets.types import Ticket, changed_ticket


@strawberry.enum(description="What a bulk change did to one ticket (in a dry run: what it would do).")
class BulkOutcome(Enum):
    CHANGED = strawberry.enum_value("CHANGED", description="The ticket took the change.")
    UNCHANGED = strawberry.enum_value("UNCHANGED", description="The ticket already had it; nothing was written.")
    REFUSED = strawberry.enum_value(
        "REFUSED", description="A rule of the single change refused it for this ticket; `errors` says which."
    )


@strawberry.input(
    description="One change for up to 100 tickets: a status, an assignment (assigneeId and/or groupId) or a "
    "priority; exactly one kind. Each ticket follows the rules of changeStatus, assignTicket or updateTicket."
)
class BulkUpdateTicketsInput:
    numbers: list[int] = strawberry.field(description="The tickets, at most 100; a repeated number counts once.")
    status_id: strawberry.ID | None = strawberry.field(default=None, description="Move each ticket to this status.")
    assignee_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Assign each ticket to this staff member (null: to no person); each keeps its group unless "
        "groupId is given too, and the person must be a member of the group the ticket ends with.",
    )
    group_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Assign each ticket to this group (null: to none); each keeps its person unless assigneeId "
        "is given too.",
    )
    priority: Priority | None = strawberry.field(default=None, description="Give each ticket this priority.")
    dry_run: bool = strawberry.field(
        default=False, description="Answer what would happen, by the same rules, and change nothing (no email)."
    )


@strawberry.type(description="What the bulk change did to one ticket.")
class BulkTicketResult:
    number: int = strawberry.field(description="The ticket number, as given.")
    outcome: BulkOutcome = strawberry.field(description="Changed, unchanged or refused.")
    ticket: Ticket | None = strawberry.field(
        description="The ticket after the change (in a dry run: as it would be); null when refused."
    )
    errors: list[UserError] = strawberry.field(description="Why this ticket was refused; empty otherwise.")


@strawberry.type(description="Result of bulkUpdateTickets.")
class BulkUpdateTicketsPayload:
    results: list[BulkTicketResult] = strawberry.field(
        description="One result per ticket, in the order given; empty when the request was refused as a whole."
    )
    dry_run: bool = strawberry.field(description="True when nothing was changed, only answered.")
    errors: list[UserError] = strawberry.field(
        description="Why the whole request was refused (no ticket was touched); empty otherwise."
    )


def _result(result: bulk_changes.TicketResult) -> BulkTicketResult:
    return BulkTicketResult(
        number=result.number,
        outcome=BulkOutcome[result.outcome.name],
        ticket=changed_ticket(result.ticket) if result.ticket else None,
        errors=user_errors(result.error) if result.error else [],
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Staff: apply one status, assignment or priority change to up to 100 tickets, each by the "
        "rules of the single change, with one result per ticket; one refusal does not undo the others."
    )
    async def bulk_update_tickets(
        self, info: Info, input: Annotated[BulkUpdateTicketsInput, INPUT]
    ) -> BulkUpdateTicketsPayload:
        change = bulk_changes.BulkChange(
            numbers=input.numbers,
            status_id=input.status_id,
            assignee_id=KEEP if input.assignee_id is strawberry.UNSET else input.assignee_id,
            group_id=KEEP if input.group_id is strawberry.UNSET else input.group_id,
            priority=StoredPriority[input.priority.name] if input.priority else None,
            dry_run=input.dry_run,
        )
        results, errors = await mutate(info, lambda actor: bulk_changes.bulk_update_tickets(actor, change))
        return BulkUpdateTicketsPayload(
            results=[_result(r) for r in results or []], dry_run=input.dry_run, errors=errors
        )
