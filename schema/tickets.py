"""Tickets: the ticket type, the queue, filing and reclassifying."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from models.enums import Priority as StoredPriority
from resolvers import ticket_queue
from resolvers.markdown import plain_text_html
from resolvers.tickets import TicketChanges, create_ticket, update_ticket
from resolvers.validation import KEEP
from resolvers.visibility import shows_guest_email
from schema.accounts import Group, User, load_user
from schema.context import Info
from schema.cti import Category, Item, TicketType
from schema.enums import Priority, to_graphql
from schema.errors import INPUT, UserError, mutate, query
from schema.pagination import Connection, Edge, PageInfo, asks_for
from schema.replies import HistoryEntry, Reply
from schema.statuses import Status
from schema.ticket_inputs import CreateTicketInput, TicketFilterInput, TicketSort, UpdateTicketInput, new_ticket


@strawberry.type(description="A request for help, and everything known about it.")
class Ticket:
    id: strawberry.ID = strawberry.field(description="Internal ID; people and inputs use `number`.")
    number: int = strawberry.field(description="The ticket number people see and type.")
    subject: str = strawberry.field(description="One-line summary.")
    description: str = strawberry.field(description="The request in Markdown, as written.")
    priority: Priority = strawberry.field(description="How urgent it is.")
    resolution_notes: str | None = strawberry.field(description="What fixed it; shown to the requester.")
    resolved_at: datetime | None = strawberry.field(description="When it was last resolved.")
    closed_at: datetime | None = strawberry.field(description="When it was closed.")
    reopened: bool = strawberry.field(
        description="Reopened since it was last resolved: by the requester's (or guest's) reply inside the reopen "
        "window, or by staff (reopenTicket, or changeStatus from Resolved or Closed back to an open status). "
        "Resolving it again clears the flag."
    )
    created_at: datetime = strawberry.field(description="When it was filed.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    _row: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="The description rendered as safe HTML (see docs/markdown.md).")
    def description_html(self) -> str:
        # Rendered when the description was written; never here (a read must not run the parser). A row written
        # outside the API before the start-up backfill shows its text escaped.
        stored = self._row["description_html"]
        return str(stored) if stored is not None else plain_text_html(self.description)

    @strawberry.field(description="Where it stands in the lifecycle.")
    async def status(self, info: Info) -> Status:
        row = await info.context.loaders.status_by_id.load(self._row["status_id"])
        assert row is not None  # foreign key
        return Status.from_row(row)

    @strawberry.field(description="Top level of the classification.")
    async def category(self, info: Info) -> Category:
        row = await info.context.loaders.category_by_id.load(self._row["category_id"])
        assert row is not None  # foreign key
        return Category.from_row(row)

    @strawberry.field(description="Second level of the classification, if any.")
    async def type(self, info: Info) -> TicketType | None:
        type_id = self._row["type_id"]
        row = await info.context.loaders.type_by_id.load(type_id) if type_id else None
        return TicketType.from_row(row) if row else None

    @strawberry.field(description="Third level of the classification, if any.")
    async def item(self, info: Info) -> Item | None:
        item_id = self._row["item_id"]
        row = await info.context.loaders.item_by_id.load(item_id) if item_id else None
        return Item.from_row(row) if row else None

    @strawberry.field(description="The person who asked; null for a guest ticket. Not available to guests.")
    async def requester(self, info: Info) -> User | None:
        return await load_user(info, self._row["requester_id"])

    @strawberry.field(description="The guest's email on a guest ticket; visible to staff and to that guest only.")
    def guest_email(self, info: Info) -> str | None:
        email = self._row["guest_email"]
        return email if shows_guest_email(info.context.actor, email) else None

    @strawberry.field(description="The staff member working on it, if any. Not available to guests.")
    async def assignee(self, info: Info) -> User | None:
        return await load_user(info, self._row["assignee_id"])

    @strawberry.field(description="The group working on it, if any. Not available to guests.")
    async def assigned_group(self, info: Info) -> Group | None:
        group_id = self._row["assigned_group_id"]
        if not group_id:
            return None
        row = await info.context.loaders.group_by_id.load(group_id)
        return Group.from_row(row) if row else None

    @strawberry.field(
        description="The conversation in posting order: public replies, plus internal notes and deleted-reply "
        "placeholders for staff."
    )
    async def replies(self, info: Info) -> list[Reply]:
        rows = await info.context.loaders.replies_by_ticket_id.load(int(self.id))
        return [Reply.from_row(r) for r in rows]

    @strawberry.field(
        description="Every recorded change in time order, as far as you may see it. Not available to guests."
    )
    async def history(self, info: Info) -> list[HistoryEntry]:
        rows = await info.context.loaders.history_by_ticket_id.load(int(self.id))
        return [HistoryEntry.from_row(r) for r in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Ticket:
        return cls(
            id=strawberry.ID(str(row["id"])),
            number=row["number"],
            subject=row["subject"],
            description=row["description"],
            priority=to_graphql(Priority, row["priority"]),  # type: ignore[arg-type]
            resolution_notes=row["resolution_notes"],
            resolved_at=row["resolved_at"],
            closed_at=row["closed_at"],
            reopened=row["reopened"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            _row=row,
        )


@strawberry.type(description="Result of a mutation that changes one ticket.")
class TicketPayload:
    ticket: Ticket | None = strawberry.field(description="The ticket after the change, unless refused.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


def changed_ticket(ticket: Any) -> Ticket:
    """The ticket a mutation just changed, from the instance it wrote (no statement); each field still decides
    what the caller may see of it (guests: GUEST_TICKET_FIELDS, requesters: no notes or staff-only history)."""
    return Ticket.from_row(ticket_queue.changed_ticket_row(ticket))


async def ticket_payload(info: Info, work: Any) -> TicketPayload:
    """Run a ticket mutation and answer with the ticket as the caller now sees it."""
    ticket, errors = await mutate(info, work)
    return TicketPayload(ticket=changed_ticket(ticket) if ticket else None, errors=errors)


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
class Query:
    @strawberry.field(description="One ticket by number; null when it does not exist or you may not see it.")
    async def ticket(
        self, info: Info, number: Annotated[int, strawberry.argument(description="The ticket number.")]
    ) -> Ticket | None:
        row = await query(info, lambda actor: ticket_queue.ticket_row(actor, number))
        return Ticket.from_row(row) if row else None

    @strawberry.field(description="Your queue: the tickets your role and groups let you see, filtered and sorted.")
    async def tickets(
        self,
        info: Info,
        filter: Annotated[TicketFilterInput | None, strawberry.argument(description="What to show.")] = None,
        sort: Annotated[TicketSort, strawberry.argument(description="In which order.")] = TicketSort.UPDATED_DESC,
        first: Annotated[int | None, strawberry.argument(description="Page size: default 25, at most 100.")] = None,
        after: Annotated[str | None, strawberry.argument(description="Continue after this cursor.")] = None,
    ) -> Connection[Ticket]:
        wanted = filter.to_domain() if filter else None
        # Counting scans every matching ticket; skip it when the client did not ask for totalCount.
        with_total = asks_for(info, "totalCount")
        page = await query(
            info,
            lambda actor: ticket_queue.list_tickets(
                actor, wanted, ticket_queue.TicketSort[sort.name], first, after, with_total=with_total
            ),
        )
        edges = [Edge(cursor=c, node=Ticket.from_row(r)) for r, c in zip(page.rows, page.cursors, strict=True)]
        return Connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            total_count=page.total,
        )


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
