"""Moving a ticket through its statuses (SPEC 3). Users and guests never change status directly; their
only way back from Resolved is a reply inside the reopen window (resolvers/tickets/replies.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tortoise.transactions import in_transaction

from core import clock
from core.enums import StatusKind
from models.statuses import Status
from models.tickets import Ticket
from resolvers.kernel import audit
from resolvers.kernel.actor import Actor, require_staff
from resolvers.kernel.errors import Problems, Reason, conflict, not_found
from resolvers.kernel.settings import get_setting
from resolvers.kernel.validation import clean_text, parse_id
from resolvers.notify import recipients as notify
from resolvers.tickets import sla
from resolvers.tickets.locked import locked_ticket_for
from resolvers.tickets.visibility import workable_ticket

NOTES_MAX = 20_000
REASON_MAX = 2_000


async def status_of_kind(kind: StatusKind) -> Status:
    """The status carrying a system behaviour (lowest sort order if an admin made several)."""
    status = await Status.filter(kind=kind).order_by("sort_order", "id").first()
    if status is None:
        raise conflict(f"No status of kind {kind.value} exists; run `helpdesk migrate`.", Reason.MISSING_SYSTEM_STATUS)
    return status


async def locked_ticket(ticket_id: int) -> Ticket:
    """Re-read the ticket inside the transaction, locked on PostgreSQL, so concurrent changes (and the close
    sweep, which skips locked rows) serialise on it."""
    return await Ticket.select_for_update().get(id=ticket_id)


async def _move(
    actor: Actor | None,
    ticket: Ticket,
    target: Status,
    *,
    action: str,
    extra: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """Apply a transition inside the caller's transaction: timestamps, audit row, notifications."""
    before_status_id = ticket.status_id
    before = {"status_id": before_status_id, "resolution_notes": ticket.resolution_notes, "reopened": ticket.reopened}
    now = clock.now()
    ticket.status_id = target.id
    if target.kind is StatusKind.RESOLVED:
        ticket.resolved_at = now
        ticket.closed_at = None
        # A fresh resolution answers the reopening, so the ticket leaves the "reopened" view.
        ticket.reopened = False
    elif target.kind is StatusKind.CLOSED:
        ticket.closed_at = now
    else:
        ticket.closed_at = None
    for key, value in (extra or {}).items():
        setattr(ticket, key, value)
    sla.on_status_change(ticket, target)
    await ticket.save()
    after = {"status_id": ticket.status_id, "resolution_notes": ticket.resolution_notes, "reopened": ticket.reopened}
    old, new = audit.changed(before, after)
    if reason:
        new["reason"] = reason
    await audit.record(actor, action, "ticket", ticket.id, before=old, after=new, ticket_id=ticket.id)
    await notify.status_changed(ticket, before_status_id, target.kind.value)


async def change_status(actor: Actor | None, number: int, raw_status_id: str) -> Ticket:
    """Staff and admins move a ticket to any status (SPEC 3: any -> any); to the one it has is a CONFLICT."""
    actor = require_staff(actor)
    target = await status_to_move_to(raw_status_id)
    async with in_transaction():
        ticket, moved = await move_ticket(actor, number, target)
        if not moved:
            raise conflict(f"Ticket {number} is already {target.name}.", Reason.ALREADY_IN_STATUS, "statusId")
    return ticket


async def status_to_move_to(raw_status_id: str) -> Status:
    """The status a change names (`statusId`), or why not."""
    problems = Problems()
    status_id = parse_id(problems, "statusId", raw_status_id)
    problems.raise_if_any()
    target = await Status.get_or_none(id=status_id)
    if target is None:
        raise not_found(f"Status {raw_status_id}", "statusId", Reason.STATUS_NOT_FOUND)
    return target


async def move_ticket(actor: Actor, number: int, target: Status) -> tuple[Ticket, bool]:
    """Inside the caller's transaction: the staff member's ticket (locked, in their queue) moved to `target`, and
    whether it moved (False: it already had that status, and nothing was written). The one rule of changeStatus,
    which bulkUpdateTickets applies to each of its tickets."""
    ticket, kind = await locked_ticket_for(actor, number, in_scope=True)
    if ticket.status_id == target.id:
        return ticket, False
    closed = (StatusKind.RESOLVED, StatusKind.CLOSED)
    reopening = kind in closed and target.kind not in closed
    await _move(actor, ticket, target, action="ticket.status_changed", extra={"reopened": True} if reopening else None)
    if reopening:
        await notify.reopened(ticket, by_user_id=actor.user_id, reason=None)
    return ticket, True


async def resolve_ticket(actor: Actor | None, number: int, notes: str | None) -> Ticket:
    """Resolve with optional notes; starts the reopen window. Resolving twice is a CONFLICT."""
    actor = require_staff(actor)
    problems = Problems()
    cleaned = clean_text(problems, "resolutionNotes", notes, max_length=NOTES_MAX, required=False)
    problems.raise_if_any()
    ticket = await workable_ticket(actor, number)
    resolved = await status_of_kind(StatusKind.RESOLVED)
    async with in_transaction():
        ticket = await locked_ticket(ticket.id)
        await resolve_locked(actor, ticket, resolved, cleaned)
    return ticket


async def resolve_locked(actor: Actor, ticket: Ticket, resolved: Status, notes: str | None) -> None:
    """Resolve a ticket the caller has locked in its transaction and may change: the one resolve every path shares
    (resolveTicket, resolveChildren), with its audit row, emails and events. Notes left out keep earlier ones."""
    if ticket.status_id == resolved.id:
        raise conflict(f"Ticket {ticket.number} is already resolved.", Reason.ALREADY_RESOLVED)
    extra = {"resolution_notes": notes} if notes else {}
    await _move(actor, ticket, resolved, action="ticket.resolved", extra=extra)


async def reopen_ticket(actor: Actor | None, number: int, reason: str | None) -> Ticket:
    """Staff reopen a Resolved or Closed ticket whatever the window; resolution notes are kept."""
    actor = require_staff(actor)
    problems = Problems()
    cleaned = clean_text(problems, "reason", reason, max_length=REASON_MAX, required=False)
    problems.raise_if_any()
    ticket = await workable_ticket(actor, number)
    new = await status_of_kind(StatusKind.NEW)
    async with in_transaction():
        ticket = await locked_ticket(ticket.id)
        current = await Status.get(id=ticket.status_id)
        if current.kind not in (StatusKind.RESOLVED, StatusKind.CLOSED):
            raise conflict(
                f"Ticket {number} is {current.name}; only Resolved or Closed tickets can be reopened.",
                Reason.NOT_REOPENABLE,
            )
        await _move(actor, ticket, new, action="ticket.reopened", extra={"reopened": True}, reason=cleaned or None)
        await notify.reopened(ticket, by_user_id=actor.user_id, reason=cleaned or None)
    return ticket


async def reopen_window_open(ticket: Ticket) -> tuple[bool, str]:
    """Whether a requester's reply may still reopen this Resolved ticket, and why not if it may not."""
    days = int(await get_setting("reopen_window_days"))
    if days <= 0:
        return False, "Resolved tickets cannot be reopened by replying here; please open a new ticket."
    resolved_at = ticket.resolved_at
    if resolved_at is None or clock.now() > resolved_at + timedelta(days=days):
        return False, (
            f"This ticket was resolved more than {days} day{'s' if days != 1 else ''} ago and can no longer be "
            "reopened by replying; please open a new ticket."
        )
    return True, ""


async def reopen_by_reply(ticket: Ticket, actor: Actor | None, actor_label: str | None) -> None:
    """Inside the reply's transaction: back to New, flagged for the staff queue, assignee told."""
    new = await status_of_kind(StatusKind.NEW)
    before = {"status_id": ticket.status_id, "reopened": ticket.reopened}
    ticket.status_id = new.id
    ticket.reopened = True
    sla.on_status_change(ticket, new)
    await ticket.save()
    await audit.record(
        actor,
        "ticket.reopened",
        "ticket",
        ticket.id,
        before=before,
        after={"status_id": new.id, "reopened": True, "by": "reply"},
        ticket_id=ticket.id,
        actor_label=actor_label,
    )
    await notify.status_changed(ticket, before["status_id"], new.kind.value)
    await notify.reopened(ticket, by_user_id=actor.user_id if actor else None, reason=None)
