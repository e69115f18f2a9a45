"""Inputs and enums of the ticket queue and ticket mutations."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Protocol

import strawberry

from core.enums import Priority as StoredPriority
from resolvers.tickets import queue_filters
from resolvers.tickets.filing import NewTicket
from resolvers.tickets.sla import SlaState as StoredSlaState
from schema.enums import Priority
from schema.tickets.attachments import FileList, files_field
from schema.tickets.sla import SlaState


@strawberry.enum(description="Orders for the ticket queue.")
class TicketSort(Enum):
    UPDATED_DESC = strawberry.enum_value("UPDATED_DESC", description="Last updated first (the default).")
    CREATED_DESC = strawberry.enum_value("CREATED_DESC", description="Newest first.")
    CREATED_ASC = strawberry.enum_value("CREATED_ASC", description="Oldest first.")
    PRIORITY = strawberry.enum_value("PRIORITY", description="Critical first, then by last update.")
    SLA_DUE = strawberry.enum_value(
        "SLA_DUE",
        description="SLA deadline soonest first (the earlier of the deadlines still to be met); tickets without one "
        "last. Needs the slaEnabled setting (else SLA_DISABLED).",
    )


@strawberry.enum(description="Shortcuts for the assignee filter.")
class AssigneeFilter(Enum):
    ME = strawberry.enum_value("ME", description="Assigned to me.")
    UNASSIGNED = strawberry.enum_value("UNASSIGNED", description="Assigned to nobody and no group.")


@strawberry.input(description="Queue filters; all given ones must match.")
class TicketFilterInput:
    status_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Any of these statuses (at most 100). Default: every status except Closed ones."
    )
    priorities: list[Priority] | None = strawberry.field(
        default=None, description="Any of these priorities (at most 100 entries)."
    )
    assignee: AssigneeFilter | None = strawberry.field(default=None, description="Mine, or unassigned.")
    assignee_id: strawberry.ID | None = strawberry.field(default=None, description="Assigned to this person.")
    group_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Assigned to any of these groups (at most 100)."
    )
    category_id: strawberry.ID | None = strawberry.field(default=None, description="In this category.")
    type_id: strawberry.ID | None = strawberry.field(default=None, description="Of this type.")
    item_id: strawberry.ID | None = strawberry.field(default=None, description="About this item.")
    created_after: datetime | None = strawberry.field(default=None, description="Filed at or after this time.")
    created_before: datetime | None = strawberry.field(default=None, description="Filed before this time.")
    reopened: bool | None = strawberry.field(default=None, description="Only reopened (true) or not reopened (false).")
    search: str | None = strawberry.field(
        default=None,
        description="Text found anywhere in the subject (ASCII letters in either case, other characters as "
        "typed), at most 255 characters. Only a number (123 or #123) is that ticket, if you may open it: staff "
        "and admins whatever its scope, requesters their own; the other filters then do not apply.",
    )
    sla_states: list[SlaState] | None = strawberry.field(
        default=None,
        description="In any of these SLA states now (tickets without SLA match none). Needs the slaEnabled setting "
        "(else SLA_DISABLED).",
    )

    def to_domain(self) -> queue_filters.TicketFilter:
        return queue_filters.TicketFilter(
            status_ids=[str(s) for s in self.status_ids] if self.status_ids else None,
            priorities=[StoredPriority[p.name] for p in self.priorities] if self.priorities else None,
            assignee=queue_filters.AssigneeChoice[self.assignee.name] if self.assignee else None,
            assignee_id=self.assignee_id,
            group_ids=[str(g) for g in self.group_ids] if self.group_ids else None,
            category_id=self.category_id,
            type_id=self.type_id,
            item_id=self.item_id,
            created_after=self.created_after,
            created_before=self.created_before,
            reopened=self.reopened,
            search=self.search,
            sla_states=[StoredSlaState[s.name] for s in self.sla_states] if self.sla_states else None,
        )


@strawberry.input(description="A new ticket.")
class CreateTicketInput:
    subject: str = strawberry.field(description="One-line summary, 1 to 255 characters after trimming.")
    description: str = strawberry.field(description="The request, in Markdown.")
    category_id: strawberry.ID | None = strawberry.field(default=None, description="Required: the category.")
    type_id: strawberry.ID | None = strawberry.field(
        default=None, description="A type of that category, if it has types."
    )
    item_id: strawberry.ID | None = strawberry.field(default=None, description="An item of that type, if it has items.")
    priority: Priority | None = strawberry.field(
        default=None,
        description="Default MEDIUM. Requesters may set it only when the `userSelectablePriority` setting is on.",
    )
    requester_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff and admins: file on behalf of this user. Default: yourself."
    )
    files: FileList = files_field()


@strawberry.input(description="Changes to a ticket; fields left out stay as they are.")
class UpdateTicketInput:
    number: int = strawberry.field(description="The ticket to change.")
    subject: str | None = strawberry.field(default=strawberry.UNSET, description="New subject.")
    category_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New category; clears type and item unless given too."
    )
    type_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New type (null clears it); clears the item unless given too."
    )
    item_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description="New item (null clears it).")
    priority: Priority | None = strawberry.field(default=strawberry.UNSET, description="New priority.")


class NewTicketFields(Protocol):
    """What every input that files a ticket carries (CreateTicketInput, SubmitGuestTicketInput)."""

    subject: str
    description: str
    category_id: strawberry.ID | None
    type_id: strawberry.ID | None
    item_id: strawberry.ID | None
    priority: Priority | None
    files: FileList


def new_ticket(input: NewTicketFields, requester_id: strawberry.ID | None = None) -> NewTicket:
    """The domain's NewTicket from any input that files one."""
    return NewTicket(
        subject=input.subject,
        description=input.description,
        category_id=input.category_id,
        type_id=input.type_id,
        item_id=input.item_id,
        priority=StoredPriority[input.priority.name] if input.priority else None,
        requester_id=requester_id,
        files=list(input.files or []),
    )
