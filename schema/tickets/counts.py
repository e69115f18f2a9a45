"""Dashboard counts: `ticketCounts(filter, groupBy)`, tickets of your queue per bucket, in one statement."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from resolvers.tickets import counts
from schema.context import Info
from schema.errors import query
from schema.tickets.inputs import TicketFilterInput


@strawberry.enum(description="How ticketCounts splits the tickets into buckets.")
class TicketCountGroup(Enum):
    STATUS = strawberry.enum_value("STATUS", description="Per status: every status, in its order, zero or not.")
    PRIORITY = strawberry.enum_value("PRIORITY", description="Per priority: all four, critical first, zero or not.")
    ASSIGNEE = strawberry.enum_value(
        "ASSIGNEE",
        description="Per assignee holding tickets, most first; `key` null counts the tickets with no assignee.",
    )
    GROUP = strawberry.enum_value(
        "GROUP", description="Per assigned group holding tickets, most first; `key` null counts those with none."
    )
    CATEGORY = strawberry.enum_value(
        "CATEGORY",
        description="Per category, in its order: every category not archived (zero or not), archived ones with "
        "tickets.",
    )
    CREATED_DAY = strawberry.enum_value(
        "CREATED_DAY",
        description="Per day of filing in UTC (`key` YYYY-MM-DD), oldest first; days without tickets are left out.",
    )
    SLA_STATE = strawberry.enum_value(
        "SLA_STATE",
        description="Per SLA state now: OK, AT_RISK, BREACHED (zero or not), then `key` null for tickets without "
        "SLA. Staff and admins only, with the slaEnabled setting on (SLA_DISABLED otherwise).",
    )


@strawberry.type(description="One bucket of ticketCounts.")
class TicketCount:
    key: str | None = strawberry.field(
        description="What the bucket stands for: a status, category, person or group ID, a priority (HIGH), or a "
        "day (2026-12-01), an SLA state (AT_RISK); null for the tickets with no assignee, no group or no SLA."
    )
    label: str = strawberry.field(description="The bucket's name, to show (a status name, a person's name...).")
    count: int = strawberry.field(description="How many tickets of your queue and filter are in it.")


@strawberry.type
class Query:
    @strawberry.field(
        description="How many tickets of your queue fall in each bucket: the tickets `tickets` would list with the "
        "same filter (default: all but Closed), counted in one go, for dashboards."
    )
    async def ticket_counts(
        self,
        info: Info,
        group_by: Annotated[TicketCountGroup, strawberry.argument(description="How to split the tickets.")],
        filter: Annotated[TicketFilterInput | None, strawberry.argument(description="What to count.")] = None,
    ) -> list[TicketCount]:
        wanted = filter.to_domain() if filter else None
        group = counts.CountGroup[group_by.name]
        buckets = await query(info, lambda actor: counts.count_tickets(actor, wanted, group))
        return [TicketCount(key=b.key, label=b.label, count=b.count) for b in buckets]
