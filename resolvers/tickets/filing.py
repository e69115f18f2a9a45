"""Filing and reclassifying tickets (SPEC 2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from core.enums import Priority, StatusKind
from models.accounts import User
from models.tickets import Ticket
from resolvers.kernel import audit
from resolvers.kernel.actor import Actor, require_staff, require_user
from resolvers.kernel.errors import Problems, Reason, forbidden
from resolvers.kernel.markdown_bounded import render_markdown_bounded
from resolvers.kernel.settings import get_setting
from resolvers.kernel.validation import KEEP, _Keep, clean_text, parse_id
from resolvers.notify.outbox import queue_email, queue_event
from resolvers.tickets import sla
from resolvers.tickets.attachment_storage import ReceivedFile
from resolvers.tickets.attachments import check_files, kept_if_committed, store_attachments
from resolvers.tickets.classification import Classification, check_classification
from resolvers.tickets.lifecycle import status_of_kind
from resolvers.tickets.locked import locked_ticket_for

SUBJECT_MAX = 255
DESCRIPTION_MAX = 100_000

# What the audit log and events record about a ticket.
SNAPSHOT_FIELDS = (
    "subject",
    "category_id",
    "type_id",
    "item_id",
    "priority",
    "status_id",
    "requester_id",
    "assignee_id",
    "assigned_group_id",
)


def snapshot(ticket: Ticket) -> dict[str, Any]:
    values = {name: getattr(ticket, name) for name in SNAPSHOT_FIELDS}
    values["priority"] = Priority(values["priority"]).name
    return values


@dataclass
class NewTicket:
    subject: str
    description: str
    category_id: str | None
    type_id: str | None = None
    item_id: str | None = None
    priority: Priority | None = None
    requester_id: str | None = None
    # Uploads as received (server/uploads.py); anything else in the list is refused as NOT_A_FILE.
    files: list[object] = field(default_factory=list)


@dataclass
class TicketChanges:
    number: int
    subject: str | _Keep | None = KEEP
    category_id: str | _Keep | None = KEEP
    type_id: str | _Keep | None = KEEP
    item_id: str | _Keep | None = KEEP
    priority: Priority | _Keep | None = KEEP


async def _requester_for(actor: Actor, problems: Problems, raw_id: str | None) -> int | None:
    """Users file for themselves; staff and admins may file on behalf of any enabled account."""
    requester_id = parse_id(problems, "requesterId", raw_id)
    if requester_id is None:
        return actor.user_id
    if requester_id == actor.user_id:
        return requester_id
    if not actor.is_staff:
        raise forbidden("You can only file tickets for yourself.", Reason.FOR_YOURSELF_ONLY, "requesterId")
    row = await User.get_or_none(id=requester_id).values("disabled")
    if row is None:
        problems.add("requesterId", f"User {requester_id} does not exist.", Reason.UNKNOWN_ID)
    elif row["disabled"]:
        problems.add(
            "requesterId", "That account is disabled; tickets cannot be filed for it.", Reason.ACCOUNT_DISABLED
        )
    return requester_id


async def _check_priority(actor: Actor | None, priority: Priority | None) -> Priority:
    """Staff always choose; requesters and guests (`actor` None: a guest submission) only when allowed."""
    if priority is None:
        return Priority.MEDIUM
    if not (actor is not None and actor.is_staff) and not await get_setting("user_selectable_priority"):
        # Refused rather than dropped, so the requester knows their choice did not stick (SPEC 2).
        raise forbidden(
            "Requesters cannot choose the priority here; leave it out.", Reason.PRIORITY_NOT_SELECTABLE, "priority"
        )
    return priority


@dataclass(frozen=True)
class Draft:
    """A new ticket that passed every rule of SPEC 2, ready to insert."""

    subject: str
    description: str
    # Rendered once here, within the time limit; a description that cannot be is refused before any row exists.
    description_html: str
    classification: Classification
    priority: Priority
    status_id: int
    files: tuple[ReceivedFile, ...] = ()


async def check_new_ticket(actor: Actor | None, data: NewTicket, problems: Problems) -> Draft:
    """Subject, description, priority and the CTI cascade of a new ticket, for every way of filing one (users,
    staff, guests: `actor` None). Adds to `problems` and raises them together with any already recorded."""
    subject = clean_text(problems, "subject", data.subject, max_length=SUBJECT_MAX)
    description = clean_text(problems, "description", data.description, max_length=DESCRIPTION_MAX)
    priority = await _check_priority(actor, data.priority)
    ids = [
        parse_id(problems, name, raw)
        for name, raw in (("categoryId", data.category_id), ("typeId", data.type_id), ("itemId", data.item_id))
    ]
    classification = None
    if not problems.about("categoryId", "typeId", "itemId"):
        classification = await check_classification(problems, *ids)
    files = check_files(problems, data.files)
    problems.raise_if_any()
    assert classification is not None
    new_status = await status_of_kind(StatusKind.NEW)
    # Last, and outside any transaction: the one expensive check runs only for an otherwise valid ticket, and
    # no row lock or connection is held while a worker renders.
    description_html = await render_markdown_bounded(description, "description")
    return Draft(subject, description, description_html, classification, priority, new_status.id, tuple(files))


async def insert_ticket(
    draft: Draft,
    *,
    actor: Actor | None,
    requester_id: int | None,
    guest_email: str | None = None,
    tracking_ref: str | None = None,
) -> Ticket:
    """Inside the caller's transaction: the ticket, its number, the audit row and the ticket.created event.
    `actor` None with a guest email means a guest filed it (audited as "guest:<email>")."""
    category_id = draft.classification.category_id
    clocks = await sla.new_ticket_columns(draft.priority, category_id, draft.status_id)
    ticket = await Ticket.create(
        subject=draft.subject,
        description=draft.description,
        description_html=draft.description_html,
        category_id=draft.classification.category_id,
        type_id=draft.classification.type_id,
        item_id=draft.classification.item_id,
        priority=draft.priority,
        status_id=draft.status_id,
        requester_id=requester_id,
        guest_email=guest_email,
        tracking_ref=tracking_ref,
        created_by_id=actor.user_id if actor else None,
        **clocks,
    )
    ticket.number = ticket.id
    await ticket.save(update_fields=["number"])
    label = f"guest:{guest_email}" if actor is None and guest_email else None
    await audit.record(
        actor, "ticket.created", "ticket", ticket.id, after=snapshot(ticket), ticket_id=ticket.id, actor_label=label
    )
    await queue_event("ticket.created", ticket_id=ticket.id, data={"number": ticket.number})
    uploader = actor.user_id if actor else None
    await store_attachments(draft.files, ticket_id=ticket.id, reply_id=None, uploaded_by_id=uploader)
    return ticket


async def create_ticket(actor: Actor | None, data: NewTicket) -> Ticket:
    """File a ticket: every rule of SPEC 2, one transaction with its audit, email and event rows."""
    actor = require_user(actor)
    problems = Problems()
    requester_id = await _requester_for(actor, problems, data.requester_id)
    draft = await check_new_ticket(actor, data, problems)
    async with kept_if_committed(draft.files), in_transaction():
        ticket = await insert_ticket(draft, actor=actor, requester_id=requester_id)
        requester_email: list[Any] = await User.filter(id=requester_id).values_list("email", flat=True)
        await queue_email(
            "ticket_created", ticket_id=ticket.id, to=list(requester_email), context={"number": ticket.number}
        )
    return ticket


# Column names as clients know the fields (camelCase GraphQL names) in the ticket.updated event.
_EVENT_FIELDS = {"category_id": "categoryId", "type_id": "typeId", "item_id": "itemId"}


async def update_ticket(actor: Actor | None, changes: TicketChanges) -> Ticket:
    """Staff reclassify and re-prioritise. A new category clears type and item, a new type clears item,
    unless the same request sets them (then they must fit the new parent).

    The ticket is re-read and locked inside the transaction and only the changed columns are written, so a
    concurrent resolve, reopen or sweep close is never overwritten by a stale copy."""
    ticket, _ = await change_ticket(require_staff(actor), changes)
    return ticket


async def change_ticket(actor: Actor, changes: TicketChanges) -> tuple[Ticket, bool]:
    """updateTicket's rules for a staff member, and whether anything changed (nothing written when not): what
    bulkUpdateTickets applies to each of its tickets."""
    async with in_transaction():
        ticket, _ = await locked_ticket_for(actor, changes.number, in_scope=True)
        before = snapshot(ticket)
        problems = Problems()
        _apply_fields(problems, ticket, changes)
        current = Classification(ticket.category_id, ticket.type_id, ticket.item_id)
        wanted = _reclassify(problems, current, changes)
        if wanted != current and not problems.about("categoryId", "typeId", "itemId"):
            checked = await check_classification(
                problems, wanted.category_id, wanted.type_id, wanted.item_id, keep=current
            )
            if checked is not None:
                ticket.category_id, ticket.type_id, ticket.item_id = (
                    checked.category_id, checked.type_id, checked.item_id)  # fmt: skip
        problems.raise_if_any()
        old, new = audit.changed(before, snapshot(ticket))
        # A new priority or category may mean another SLA policy (resolvers/tickets/sla.py).
        clocks = await sla.on_reclassified(ticket) if {"priority", "category_id"} & set(new) else []
        if new:
            await ticket.save(update_fields=[*new, "updated_at", *clocks])
            await audit.record(actor, "ticket.updated", "ticket", ticket.id, before=old, after=new, ticket_id=ticket.id)
            # Which fields changed, not their values: receivers read the ticket (a webhook, a live dashboard).
            fields = sorted(_EVENT_FIELDS.get(name, name) for name in new)
            await queue_event("ticket.updated", ticket_id=ticket.id, data={"number": ticket.number, "fields": fields})
    return ticket, bool(new)


def _apply_fields(problems: Problems, ticket: Ticket, changes: TicketChanges) -> None:
    if not isinstance(changes.subject, _Keep):
        ticket.subject = clean_text(problems, "subject", changes.subject, max_length=SUBJECT_MAX)
    if changes.priority is None:
        problems.add(
            "priority", "priority cannot be cleared; choose CRITICAL, HIGH, MEDIUM or LOW.", Reason.CANNOT_CLEAR
        )
    elif not isinstance(changes.priority, _Keep):
        ticket.priority = changes.priority


def _reclassify(problems: Problems, current: Classification, changes: TicketChanges) -> Classification:
    """The classification asked for, applying the cascade: a changed parent clears unset children."""
    category_id = current.category_id
    type_id, item_id = current.type_id, current.item_id
    if not isinstance(changes.category_id, _Keep):
        parsed = parse_id(problems, "categoryId", changes.category_id)
        if parsed is None:
            problems.add(
                "categoryId", "categoryId cannot be cleared; every ticket has a category.", Reason.CANNOT_CLEAR
            )
        elif parsed != category_id:
            category_id, type_id, item_id = parsed, None, None
    if not isinstance(changes.type_id, _Keep):
        parsed_type = parse_id(problems, "typeId", changes.type_id)
        if parsed_type != type_id:
            type_id, item_id = parsed_type, None
    if not isinstance(changes.item_id, _Keep):
        item_id = parse_id(problems, "itemId", changes.item_id)
    return Classification(category_id, type_id, item_id)
