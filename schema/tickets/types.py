"""The ticket type, the payload of mutations that change one ticket, and reading one ticket as a selection wants it.

The queue and `ticket(number)`: schema/tickets/queries.py; filing and reclassifying: schema/tickets/filing.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.dataloader import DataLoader

from resolvers.kernel.errors import DomainError
from resolvers.kernel.markdown import plain_text_html
from resolvers.kernel.sql import Row
from resolvers.tickets import queue as ticket_queue
from resolvers.tickets.thread import check_window
from resolvers.tickets.visibility import shows_guest_email
from schema.accounts.types import Group, User, load_user, user_from_row
from schema.admin.cti import Category, Item, TicketType
from schema.admin.statuses import Status
from schema.context import Info
from schema.enums import Priority, to_graphql
from schema.errors import UserError, mutate
from schema.lookahead import later, look_ahead
from schema.tickets.attachments import Attachment, load_attachments
from schema.tickets.link_types import Links, TicketLink, load_links
from schema.tickets.read_ahead import read_ahead, relations_in
from schema.tickets.replies import HistoryEntry, Reply
from schema.tickets.sla import TicketSla, ticket_sla

T = TypeVar("T")


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
    # Replies read ahead for this ticket, by (first, last, internal): see `read_ahead`.
    _replies: strawberry.Private[dict[tuple[int | None, int | None, bool | None], list[Reply]] | None] = None
    _attachments: strawberry.Private[list[Attachment] | None] = None
    # Links read ahead for this ticket (schema/tickets/link_types.py `read_links_ahead`).
    _links: strawberry.Private[Links | None] = None

    @strawberry.field(description="The description rendered as safe HTML (see docs/markdown.md).")
    def description_html(self) -> str:
        # Rendered when the description was written; never here (a read must not run the parser). A row written
        # outside the API before the start-up backfill shows its text escaped.
        stored = self._row["description_html"]
        return str(stored) if stored is not None else plain_text_html(self.description)

    # Each relation answers from the row when the read joined it (resolvers/tickets/rows.py; `read_ahead` below
    # decides which) and through the request's DataLoader when it did not (a mutation's payload, for one).
    @strawberry.field(description="Where it stands in the lifecycle.")
    def status(self, info: Info) -> Status:
        row = self._row.get("status")
        return Status.from_row(row) if row else later(self._status(info))

    async def _status(self, info: Info) -> Status:
        row = await info.context.loaders.status_by_id.load(self._row["status_id"])
        assert row is not None  # foreign key
        return Status.from_row(row)

    @strawberry.field(description="Top level of the classification.")
    def category(self, info: Info) -> Category:
        row = self._row.get("category")
        return Category.from_row(row) if row else later(self._category(info))

    async def _category(self, info: Info) -> Category:
        row = await info.context.loaders.category_by_id.load(self._row["category_id"])
        assert row is not None  # foreign key
        return Category.from_row(row)

    @strawberry.field(description="Second level of the classification, if any.")
    def type(self, info: Info) -> TicketType | None:
        if self._row["type_id"] is None or "type" in self._row:
            return TicketType.from_row(self._row["type"]) if self._row.get("type") else None
        return later(self._by_loader(info.context.loaders.type_by_id, self._row["type_id"], TicketType.from_row))

    @strawberry.field(description="Third level of the classification, if any.")
    def item(self, info: Info) -> Item | None:
        if self._row["item_id"] is None or "item" in self._row:
            return Item.from_row(self._row["item"]) if self._row.get("item") else None
        return later(self._by_loader(info.context.loaders.item_by_id, self._row["item_id"], Item.from_row))

    @strawberry.field(description="The person who asked; null for a guest ticket. Not available to guests.")
    def requester(self, info: Info) -> User | None:
        return self._user(info, "requester")

    @strawberry.field(description="The guest's email on a guest ticket; visible to staff and to that guest only.")
    def guest_email(self, info: Info) -> str | None:
        email = self._row["guest_email"]
        return email if shows_guest_email(info.context.actor, email) else None

    @strawberry.field(description="The staff member working on it, if any. Not available to guests.")
    def assignee(self, info: Info) -> User | None:
        return self._user(info, "assignee")

    @strawberry.field(description="The group working on it, if any. Not available to guests.")
    def assigned_group(self, info: Info) -> Group | None:
        if self._row["assigned_group_id"] is None or "assigned_group" in self._row:
            row = self._row.get("assigned_group")
            return Group.from_row(row) if row else None
        group_id = self._row["assigned_group_id"]
        return later(self._by_loader(info.context.loaders.group_by_id, group_id, Group.from_row))

    def _user(self, info: Info, relation: str) -> User | None:
        if self._row[f"{relation}_id"] is None or relation in self._row:
            row = self._row.get(relation)
            return user_from_row(info, row) if row else None
        return later(load_user(info, self._row[f"{relation}_id"]))

    @staticmethod
    async def _by_loader(loader: DataLoader[int, Row | None], key: int, build: Callable[[Row], T]) -> T | None:
        row = await loader.load(key)
        return build(row) if row else None

    @strawberry.field(
        description="The conversation in posting order: public replies, plus internal notes and deleted-reply "
        "placeholders for staff. `first` or `last` keep the earliest or latest N (at most 100) of what you may "
        "see; `internal` keeps only notes (true) or only public replies (false)."
    )
    def replies(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description="Only the earliest N.")] = None,
        last: Annotated[int | None, strawberry.argument(description="Only the latest N, still oldest first.")] = None,
        internal: Annotated[
            bool | None, strawberry.argument(description="true: internal notes only; false: public replies only.")
        ] = None,
    ) -> list[Reply]:
        fetched = self._replies.get((first, last, internal)) if self._replies else None
        if fetched is not None:
            return fetched
        try:
            check_window(first, last)
        except DomainError as error:
            raise GraphQLError(error.message, extensions={"code": error.code.value, "field": error.field}) from None
        return later(self._load_replies(info, first, last, internal))

    async def _load_replies(
        self, info: Info, first: int | None, last: int | None, internal: bool | None
    ) -> list[Reply]:  # fmt: skip
        rows = await info.context.loaders.replies(first, last, internal).load(int(self.id))
        return [Reply.from_row(r) for r in rows]

    @strawberry.field(
        description="Every file on the ticket that you may see, oldest first: those filed with it and those of its "
        "replies (`replyId` says which). Files of internal notes and deleted replies are for staff only."
    )
    def attachments(self, info: Info) -> list[Attachment]:
        if self._attachments is not None:
            return self._attachments
        return later(load_attachments(info, int(self.id)))

    @strawberry.field(
        description="Links to other tickets, oldest first: those whose other ticket you may open (requesters: links "
        "between their own tickets). Not available to guests."
    )
    def links(self, info: Info) -> list[TicketLink]:
        return self._links.all if self._links is not None else later(self._load_links(info, "all"))

    @strawberry.field(description="The parent ticket (this one is CHILD_OF it), if any you may open. Not for guests.")
    def parent(self, info: Info) -> TicketLink | None:
        return self._links.parent if self._links is not None else later(self._load_links(info, "parent"))

    @strawberry.field(description="The child tickets (this one is PARENT_OF them) you may open. Not for guests.")
    def children(self, info: Info) -> list[TicketLink]:
        return self._links.children if self._links is not None else later(self._load_links(info, "children"))

    async def _load_links(self, info: Info, part: str) -> Any:
        return getattr(await load_links(info, int(self.id)), part)

    @strawberry.field(
        description="SLA deadlines and state; null without a policy, while the slaEnabled setting is off, and for "
        "requesters. Staff and admins only; not available to guests."
    )
    def sla(self, info: Info) -> TicketSla | None:
        return ticket_sla(info, self._row)

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


async def read_ticket(info: Info, read: Callable[[set[str]], Awaitable[Row | None]]) -> Ticket | None:
    """One ticket as the selection wants it: `read(relations)` gives its row (None: not there or not visible), and
    what the selection reads below it is read ahead, as for a page."""
    selected = look_ahead(info)
    row = await read(relations_in(selected))
    if row is None:
        return None
    ticket = Ticket.from_row(row)
    await read_ahead(info, [ticket], selected)
    return ticket
