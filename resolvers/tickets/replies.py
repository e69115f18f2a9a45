"""The conversation (SPEC 4): public replies, internal notes, and the edit/delete rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tortoise import timezone
from tortoise.transactions import in_transaction

from core import clock
from core.enums import StatusKind
from models.replies import Reply
from models.statuses import Status
from models.tickets import Ticket
from resolvers.kernel import audit
from resolvers.kernel.actor import Actor, require_requester
from resolvers.kernel.bulk import insert_rows
from resolvers.kernel.errors import Problems, Reason, conflict, forbidden, not_found
from resolvers.kernel.markdown_bounded import render_markdown_bounded
from resolvers.kernel.rate_limit import GUEST_REPLY, check_rate
from resolvers.kernel.sql import Statement
from resolvers.kernel.validation import clean_text, parse_id
from resolvers.notify import recipients as notify
from resolvers.notify.outbox import queue_event
from resolvers.tickets import sla
from resolvers.tickets.attachments import check_files, kept_if_committed, store_attachments
from resolvers.tickets.lifecycle import reopen_by_reply, reopen_window_open
from resolvers.tickets.locked import locked_ticket_for
from resolvers.tickets.visibility import visible_tickets, workable_ticket

BODY_MAX = 100_000
USER_EDIT_WINDOW = timedelta(minutes=15)


@dataclass
class NewReply:
    number: int
    body: str
    internal: bool = False
    # Uploads as received (server/uploads.py), checked by resolvers/tickets/attachments.py.
    files: list[object] = field(default_factory=list)


@dataclass
class ReplyChange:
    """A reply after a change, with its ticket as the change left it (status and `reopened` after a reopening
    reply), so a payload can show both without reading them again."""

    reply: Reply
    ticket: Ticket


async def add_reply(actor: Actor | None, data: NewReply, client: str | None) -> ReplyChange:
    """Post a reply or note. A requester's (or guest's) reply reopens a Resolved ticket inside the window and is
    refused after it; Closed tickets take nothing from requesters or guests.

    A guest's every attempt counts against the GUEST_REPLY limit of their `client` address, one budget for the
    GraphQL mutation and the /track reply form (RATE_LIMITED past it).

    Statements (docs/performance.md): BEGIN, the locked ticket, the reply, the ticket's bump (public replies), the
    participants' addresses and one INSERT of every outbox row (notes: the event only), the audit row, COMMIT.
    """
    actor = require_requester(actor)
    if actor.is_guest:
        await check_rate(GUEST_REPLY, client)
    problems = Problems()
    body = clean_text(problems, "body", data.body, max_length=BODY_MAX)
    files = check_files(problems, data.files)
    problems.raise_if_any()
    if data.internal and not actor.is_staff:
        raise forbidden("Only staff can write internal notes.", Reason.STAFF_ONLY, "internal")
    # Rendered once, before the transaction (no ticket lock is held while a worker renders); refused when it
    # cannot be done within the time limit, so no reply, email or event exists for it.
    body_html = await render_markdown_bounded(body, "body")
    async with kept_if_committed(files), in_transaction():
        # Staff write notes on any ticket they can see, public replies only within their scope (SPEC 1, 4).
        ticket, kind = await locked_ticket_for(actor, data.number, in_scope=not data.internal)
        reopen = False
        if not actor.is_staff:
            if kind is StatusKind.CLOSED:
                raise conflict(f"Ticket {ticket.number} is closed; please open a new ticket.", Reason.TICKET_CLOSED)
            if kind is StatusKind.RESOLVED:
                allowed, why = await reopen_window_open(ticket)
                if not allowed:
                    raise conflict(why, Reason.REOPEN_WINDOW_EXPIRED)
                reopen = True
        # Times as Tortoise's auto_now fields would set them.
        now = timezone.now()
        values = {
            "ticket_id": ticket.id,
            "author_id": actor.user_id,  # None for a guest, who is named by guest_email instead
            "guest_email": actor.email if actor.is_guest else None,
            "body": body,
            "body_html": body_html,
            "internal": data.internal,
            "created_at": now,
        }
        (reply_id,) = await insert_rows(Reply, tuple(values), [tuple(values.values())])
        reply = Reply._init_from_db(id=reply_id, edited_at=None, deleted_at=None, **values)
        await store_attachments(files, ticket_id=ticket.id, reply_id=reply.id, uploaded_by_id=actor.user_id)
        if not data.internal:
            # A public reply is news on the ticket; a note must not even move `updatedAt`, which requesters see.
            first_response = actor.is_staff and ticket.first_response_at is None
            await _bump(ticket, now, first_response=kind if first_response else None)
        await audit.record(
            actor,
            "reply.created",
            "reply",
            reply.id,
            after={"internal": data.internal},
            ticket_id=ticket.id,
            internal=data.internal,
        )
        await notify.reply_added(ticket, reply, actor.email)
        if reopen:
            await reopen_by_reply(ticket, actor, None)
    return ReplyChange(reply, ticket)


async def _bump(ticket: Ticket, now: datetime, *, first_response: StatusKind | None) -> None:
    """Move the ticket's updated_at (and, given the status kind of a ticket answered for the first time, set its
    first response and stop its SLA response clock) on the instance and in one UPDATE."""
    statement = Statement()
    sets = [f'"updated_at" = {statement.param(now)}']
    ticket.updated_at = now
    if first_response is not None:
        for column, value in sla.on_first_response(ticket, first_response).items():
            sets.append(f'"{column}" = {statement.param(value)}')
    text = f'UPDATE "tickets" SET {", ".join(sets)} WHERE "id" = {statement.param(ticket.id)}'
    await statement.db.execute_query(text, statement.params)


def _wrote(actor: Actor, reply: Reply) -> bool:
    """Whether the actor is the reply's author: a user by id, a guest by the email on a reply without an author
    (their token already limits them to one ticket)."""
    if actor.is_guest:
        return reply.author_id is None and (reply.guest_email or "").lower() == actor.email.lower()
    return reply.author_id is not None and reply.author_id == actor.user_id


async def _editable_reply(actor: Actor, raw_id: str) -> tuple[Reply, Ticket]:
    """The reply an actor may change: staff any note on a ticket they can see and any public reply within their
    scope; users and guests their own public replies within 15 minutes while the ticket is not Closed. Replies
    one may not see are NOT_FOUND. Call inside the transaction that changes the reply."""
    problems = Problems()
    reply_id = parse_id(problems, "replyId", raw_id)
    problems.raise_if_any()
    # Locked (PostgreSQL) inside the caller's transaction, so an edit and a delete cannot interleave.
    reply = await Reply.select_for_update().get_or_none(id=reply_id)
    ticket = await visible_tickets(actor).get_or_none(id=reply.ticket_id) if reply else None
    hidden = reply is None or ticket is None or (not actor.is_staff and (reply.internal or reply.deleted_at))
    if hidden:
        raise not_found(f"Reply {raw_id}", "replyId", Reason.REPLY_NOT_FOUND)
    assert reply is not None and ticket is not None
    if reply.deleted_at is not None:
        raise conflict("This reply was deleted.", Reason.REPLY_DELETED, "replyId")
    if actor.is_staff:
        if not reply.internal:
            # Public replies belong to the conversation staff may only change within their scope (SPEC 1).
            await workable_ticket(actor, ticket.number or 0)
        return reply, ticket
    if not _wrote(actor, reply):
        raise forbidden("You can only change your own replies.", Reason.NOT_YOUR_REPLY)
    if clock.now() - reply.created_at > USER_EDIT_WINDOW:
        raise conflict(
            "Replies can be changed for 15 minutes after posting; this one is older.", Reason.EDIT_WINDOW_EXPIRED
        )
    if (await Status.get(id=ticket.status_id)).kind is StatusKind.CLOSED:
        raise conflict(f"Ticket {ticket.number} is closed; its replies can no longer change.", Reason.TICKET_CLOSED)
    return reply, ticket


async def edit_reply(actor: Actor | None, raw_id: str, new_body: str) -> ReplyChange:
    """Replace a reply's text; the previous text is kept in the audit log."""
    actor = require_requester(actor)
    problems = Problems()
    body = clean_text(problems, "body", new_body, max_length=BODY_MAX)
    problems.raise_if_any()
    # Checked once before rendering, so only an allowed edit costs a worker; checked again under the lock below.
    async with in_transaction():
        reply, ticket = await _editable_reply(actor, raw_id)
    if body == reply.body:
        return ReplyChange(reply, ticket)
    body_html = await render_markdown_bounded(body, "body")
    async with in_transaction():
        reply, ticket = await _editable_reply(actor, raw_id)
        if body == reply.body:
            return ReplyChange(reply, ticket)
        previous = reply.body
        reply.body = body
        reply.body_html = body_html
        reply.edited_at = clock.now()
        await reply.save(update_fields=["body", "body_html", "edited_at"])
        await audit.record(
            actor,
            "reply.edited",
            "reply",
            reply.id,
            before={"body": previous},
            after={"body": body},
            ticket_id=ticket.id,
            internal=reply.internal,
        )
        await _reply_event("ticket.reply_edited", ticket, reply)
    return ReplyChange(reply, ticket)


async def delete_reply(actor: Actor | None, raw_id: str) -> ReplyChange:
    """Soft delete: staff see a placeholder, everyone else nothing; the text stays in the audit log."""
    actor = require_requester(actor)
    async with in_transaction():
        reply, ticket = await _editable_reply(actor, raw_id)
        reply.deleted_at = clock.now()
        await reply.save(update_fields=["deleted_at"])
        await audit.record(
            actor,
            "reply.deleted",
            "reply",
            reply.id,
            before={"body": reply.body},
            ticket_id=ticket.id,
            internal=reply.internal,
        )
        await _reply_event("ticket.reply_deleted", ticket, reply)
    return ReplyChange(reply, ticket)


async def _reply_event(topic: str, ticket: Ticket, reply: Reply) -> None:
    """An edit or a deletion, for live threads and webhooks; `internal` keeps a note's from requesters and guests
    (resolvers/notify/live_events.py). Not the text: receivers read the reply as they may see it."""
    data = {"number": ticket.number, "replyId": reply.id, "internal": reply.internal}
    await queue_event(topic, ticket_id=ticket.id, data=data)
