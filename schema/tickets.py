"""Tickets: the ticket type, the queue, filing and reclassifying."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from models.enums import Priority as StoredPriority
from resolvers import ticket_queue
from resolvers.markdown import render_markdown
from resolvers.tickets import TicketChanges, create_ticket, update_ticket
from resolvers.validation import KEEP
from resolvers.visibility import shows_guest_email, shows_ticket_field
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
    reopened: bool = strawberry.field(description="The requester reopened it by replying after it was resolved.")
    created_at: datetime = strawberry.field(description="When it was filed.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    _row: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="The description rendered as safe HTML (see docs/markdown.md).")
    def description_html(self) -> str:
        return render_markdown(self.description)

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

    def _shows(self, info: Info, field: str) -> bool:
        return shows_ticket_field(info.context.actor, field)

    @strawberry.field(description="The person who asked; null for a guest ticket (and for guests).")
    async def requester(self, info: Info) -> User | None:
        return await load_user(info, self._row["requester_id"]) if self._shows(info, "requester") else None

    @strawberry.field(description="The guest's email on a guest ticket; visible to staff and to that guest only.")
    def guest_email(self, info: Info) -> str | None:
        email = self._row["guest_email"]
        return email if shows_guest_email(info.context.actor, email) else None

    @strawberry.field(description="The staff member working on it, if any; null for guests.")
    async def assignee(self, info: Info) -> User | None:
        return await load_user(info, self._row["assignee_id"]) if self._shows(info, "assignee") else None

    @strawberry.field(description="The group working on it, if any; null for guests.")
    async def assigned_group(self, info: Info) -> Group | None:
        group_id = self._row["assigned_group_id"]
        if not group_id or not self._shows(info, "assigned_group"):
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

    @strawberry.field(description="Every recorded change in time order, as far as you may see it; empty for guests.")
    async def history(self, info: Info) -> list[HistoryEntry]:
        if not self._shows(info, "history"):
            return []
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


async def ticket_payload(info: Info, number: int, work: Any) -> TicketPayload:
    """Run a ticket mutation and answer with the ticket as the caller now sees it."""
    ticket, errors = await mutate(info, work)
    return TicketPayload(ticket=await _reload(info, number) if ticket else None, errors=errors)


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


async def _reload(info: Info, number: int) -> Ticket | None:
    """The ticket as the caller now sees it (after a change), read the same way as queries read it."""
    row = await ticket_queue.ticket_row(info.context.actor, number)
    return Ticket.from_row(row) if row else None


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
        # create_ticket sets number = id in the same transaction.
        return CreateTicketPayload(ticket=await _reload(info, ticket.id) if ticket else None, errors=errors)

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
        return UpdateTicketPayload(ticket=await _reload(info, input.number) if ticket else None, errors=errors)
