"""`Ticket.sla`: a ticket's SLA deadlines and state, for staff and admins while the `slaEnabled` setting is on."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from resolvers.kernel.sql import Row
from resolvers.tickets import sla as rules
from resolvers.tickets.visibility import shows_sla
from schema.admin.sla_policies import SlaPolicy
from schema.context import Info
from schema.lookahead import later


@strawberry.enum(description="Where a ticket stands against its SLA deadlines.")
class SlaState(Enum):
    OK = strawberry.enum_value("OK", description="Within its targets, with at least 20% of each left.")
    AT_RISK = strawberry.enum_value("AT_RISK", description="Less than 20% of a target left.")
    BREACHED = strawberry.enum_value("BREACHED", description="A deadline has passed (or a clock stopped after it).")


@strawberry.type(
    description="The SLA clocks of a ticket. The response clock runs from filing to the first public staff reply, "
    "the resolution clock from filing to Resolved; time in a status that pauses the SLA (and while Resolved or "
    "Closed) does not count: while `pausedSince` is set no clock runs, and the deadlines move by the paused time "
    "when they run again. The state is the worse of the two clocks."
)
class TicketSla:
    policy: SlaPolicy | None = strawberry.field(
        description="The policy the ticket was filed under; null once that policy is deleted (the ticket keeps its "
        "targets)."
    )
    response_due_at: datetime = strawberry.field(description="When the first public staff reply is due.")
    resolution_due_at: datetime = strawberry.field(description="When resolution is due.")
    first_response_at: datetime | None = strawberry.field(
        description="When staff first replied publicly; null until then."
    )
    state: SlaState = strawberry.field(description="OK, AT_RISK or BREACHED, now.")
    paused_since: datetime | None = strawberry.field(
        description="Since when the clocks have been stopped (a status that pauses the SLA, or Resolved/Closed); "
        "null while they run."
    )

    @classmethod
    def from_row(cls, row: Row) -> TicketSla:
        policy = row["policy"]
        return cls(
            policy=SlaPolicy.from_row(policy) if policy else None,
            response_due_at=row["response_due_at"],
            resolution_due_at=row["resolution_due_at"],
            first_response_at=row["first_response_at"],
            state=SlaState[rules.state_of(row).name],
            paused_since=row["sla_paused_since"],
        )


def ticket_sla(info: Info, ticket_row: dict[str, Any]) -> TicketSla | None:
    """Only for those who may see SLA data (resolvers/tickets/visibility.py `shows_sla`). From the row when the read
    joined it, else through the loader."""
    if not shows_sla(info.context.actor):
        return None
    if "sla" in ticket_row:
        sla = ticket_row["sla"]
        return TicketSla.from_row(sla) if sla else None
    return later(_load(info, int(ticket_row["id"])))


async def _load(info: Info, ticket_id: int) -> TicketSla | None:
    sla = await info.context.loaders.sla_by_ticket_id.load(ticket_id)
    return TicketSla.from_row(sla) if sla else None
