"""The conversation on a ticket: replies, internal notes and the history of changes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from resolvers.kernel.markdown import plain_text_html
from resolvers.tickets.replies import NewReply, add_reply, delete_reply, edit_reply
from resolvers.tickets.thread import reply_row
from resolvers.tickets.visibility import shows_guest_email
from schema.accounts.types import User, load_user, user_from_row
from schema.context import Info, client_address
from schema.errors import INPUT, UserError, mutate
from schema.lookahead import later
from schema.tickets.attachments import Attachment, FileList, files_field, load_reply_attachments

if TYPE_CHECKING:
    # schema.tickets.types imports this module (a ticket's replies and history); the payload refers back lazily.
    from schema.tickets.types import Ticket


@strawberry.type(description="A public reply or an internal note. Deleted replies appear to staff only, without text.")
class Reply:
    id: strawberry.ID = strawberry.field(description="Reply ID.")
    internal: bool = strawberry.field(description="An internal note: staff only, never shown to requesters or guests.")
    created_at: datetime = strawberry.field(description="When it was posted.")
    edited_at: datetime | None = strawberry.field(description="When it was last edited.")
    deleted: bool = strawberry.field(description="Deleted: staff see this placeholder, nobody sees the text.")
    _row: strawberry.Private[dict[str, Any]]
    # Read ahead with the ticket's attachments (schema/tickets/read_ahead.py).
    _attachments: strawberry.Private[list[Attachment] | None] = None

    @strawberry.field(description="The text in Markdown; null once deleted.")
    def body(self) -> str | None:
        return None if self.deleted else str(self._row["body"])

    @strawberry.field(description="The text rendered as safe HTML (see docs/markdown.md); null once deleted.")
    def body_html(self) -> str | None:
        if self.deleted:
            return None
        # Stored when the text was written (see Ticket.description_html); never rendered on a read.
        stored = self._row["body_html"]
        return str(stored) if stored is not None else plain_text_html(str(self._row["body"]))

    @strawberry.field(description="Who wrote it; null for a guest.")
    def author(self, info: Info) -> User | None:
        # Joined into the row when the thread was read (resolvers/tickets/thread.py); loaded when it was not.
        if self._row["author_id"] is None or "author" in self._row:
            row = self._row.get("author")
            return user_from_row(info, row) if row else None
        return later(load_user(info, self._row["author_id"]))

    @strawberry.field(description="The guest who wrote it, if a guest did; visible to staff and to that guest only.")
    def guest_email(self, info: Info) -> str | None:
        email = self._row["guest_email"]
        return email if shows_guest_email(info.context.actor, email) else None

    @strawberry.field(
        description="Files posted with it, oldest first. A deleted reply keeps them, for staff (who alone see it)."
    )
    def attachments(self, info: Info) -> list[Attachment]:
        if self._attachments is not None:
            return self._attachments
        return later(load_reply_attachments(info, int(self._row["ticket_id"]), str(self.id)))

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Reply:
        return cls(
            id=strawberry.ID(str(row["id"])),
            internal=row["internal"],
            created_at=row["created_at"],
            edited_at=row["edited_at"],
            deleted=row["deleted_at"] is not None,
            _row=row,
        )


@strawberry.type(description="One recorded change: who did what, with the values before and after.")
class HistoryEntry:
    id: strawberry.ID = strawberry.field(description="Entry ID.")
    action: str = strawberry.field(description="What happened, e.g. ticket.resolved or reply.edited.")
    entity_type: str = strawberry.field(description="What changed: ticket, reply, link...")
    entity_id: str = strawberry.field(description="The ID of what changed.")
    actor_label: str | None = strawberry.field(description="Who acted when it was not a user: system, guest...")
    before: JSON | None = strawberry.field(description="Changed values before (keys are field names).")
    after: JSON | None = strawberry.field(description="Changed values after.")
    created_at: datetime = strawberry.field(description="When it happened.")
    _actor_id: strawberry.Private[int | None]

    @strawberry.field(description="The user who acted, if a user did.")
    async def actor(self, info: Info) -> User | None:
        return await load_user(info, self._actor_id)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> HistoryEntry:
        return cls(
            id=strawberry.ID(str(row["id"])),
            action=row["action"],
            entity_type=row["entity_type"],
            entity_id=row["entity_id"],
            actor_label=row["actor_label"],
            before=row["before"],
            after=row["after"],
            created_at=row["created_at"],
            _actor_id=row["actor_id"],
        )


@strawberry.input(description="A reply or internal note on a ticket.")
class AddReplyInput:
    number: int = strawberry.field(description="The ticket.")
    body: str = strawberry.field(description="The text, in Markdown.")
    internal: bool = strawberry.field(default=False, description="Staff only: an internal note.")
    files: FileList = files_field()


@strawberry.input(description="New text for a reply.")
class EditReplyInput:
    reply_id: strawberry.ID = strawberry.field(description="The reply.")
    body: str = strawberry.field(description="The new text, in Markdown.")


@strawberry.input(description="A reply to delete (softly: the audit log keeps its text).")
class DeleteReplyInput:
    reply_id: strawberry.ID = strawberry.field(description="The reply.")


@strawberry.type(description="Result of a reply mutation.")
class ReplyPayload:
    reply: Reply | None = strawberry.field(description="The reply after the change, unless refused.")
    ticket: Annotated[Ticket, strawberry.lazy("schema.tickets.types")] | None = strawberry.field(
        description="Its ticket after the change, as you may see it (a requester's reply to a Resolved ticket "
        "inside the window shows it New and `reopened`), unless refused."
    )
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


async def _payload(info: Info, work: Any) -> ReplyPayload:
    from schema.tickets.types import changed_ticket  # see the TYPE_CHECKING import above

    change, errors = await mutate(info, work)
    if change is None:
        return ReplyPayload(reply=None, ticket=None, errors=errors)
    return ReplyPayload(reply=Reply.from_row(reply_row(change.reply)), ticket=changed_ticket(change.ticket), errors=[])


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Reply on a ticket, or (staff) add an internal note. A requester's reply "
        "inside the reopen window reopens a Resolved ticket. A guest's replies are rate-limited per client "
        "address, together with the reply form of their link page."
    )
    async def add_reply(self, info: Info, input: Annotated[AddReplyInput, INPUT]) -> ReplyPayload:
        data = NewReply(number=input.number, body=input.body, internal=input.internal, files=list(input.files or []))
        client = client_address(info.context.request)
        return await _payload(info, lambda actor: add_reply(actor, data, client))

    @strawberry.mutation(description="Change a reply: authors within 15 minutes, staff any time.")
    async def edit_reply(self, info: Info, input: Annotated[EditReplyInput, INPUT]) -> ReplyPayload:
        return await _payload(info, lambda actor: edit_reply(actor, input.reply_id, input.body))

    @strawberry.mutation(description="Delete a reply: authors within 15 minutes, staff any time.")
    async def delete_reply(self, info: Info, input: Annotated[DeleteReplyInput, INPUT]) -> ReplyPayload:
        return await _payload(info, lambda actor: delete_reply(actor, input.reply_id))
