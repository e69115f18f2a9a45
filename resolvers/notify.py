"""Who hears about what (SPEC 4, 6, 11). Every function here writes outbox rows inside the caller's
transaction; nothing is sent from a request."""

from __future__ import annotations

from typing import Any

from models.accounts import User
from models.replies import Reply
from models.tickets import Ticket
from resolvers.outbox import queue_email, queue_event


async def requester_address(ticket: Ticket) -> list[str]:
    """The requester's email, or the guest's on a guest ticket."""
    if ticket.requester_id is None:
        return [ticket.guest_email] if ticket.guest_email else []
    rows: list[Any] = await User.filter(id=ticket.requester_id).values_list("email", flat=True)
    return list(rows)


async def participant_addresses(ticket: Ticket) -> set[str]:
    """Requester (or guest), every staff member who replied publicly, and the assignee."""
    people: set[int] = set()
    if ticket.assignee_id is not None:
        people.add(ticket.assignee_id)
    repliers: list[Any] = await Reply.filter(
        ticket_id=ticket.id, internal=False, deleted_at__isnull=True, author__role__in=["STAFF", "ADMIN"]
    ).values_list("author_id", flat=True)
    people.update(r for r in repliers if r is not None)
    addresses = set(await requester_address(ticket))
    if people:
        emails: list[Any] = await User.filter(id__in=people).values_list("email", flat=True)
        addresses.update(emails)
    return addresses


async def user_address(user_id: int | None) -> list[str]:
    if user_id is None:
        return []
    rows: list[Any] = await User.filter(id=user_id).values_list("email", flat=True)
    return list(rows)


def _base(ticket: Ticket) -> dict[str, Any]:
    return {"number": ticket.number, "subject": ticket.subject}


async def reply_added(ticket: Ticket, reply: Reply, author_address: str | None) -> None:
    """A public reply emails every participant except its author; an internal note emails nobody."""
    if reply.internal:
        await queue_event("ticket.note_added", ticket_id=ticket.id, data={"number": ticket.number, "replyId": reply.id})
        return
    author = (author_address or "").lower()
    recipients = {r for r in await participant_addresses(ticket) if r.lower() != author}
    await queue_email(
        "reply_added", ticket_id=ticket.id, to=sorted(recipients), context={**_base(ticket), "reply_id": reply.id}
    )
    await queue_event("ticket.reply_added", ticket_id=ticket.id, data={"number": ticket.number, "replyId": reply.id})


async def status_changed(ticket: Ticket, before_status_id: int, kind: str) -> None:
    await queue_event(
        "ticket.status_changed",
        ticket_id=ticket.id,
        data={"number": ticket.number, "fromStatusId": before_status_id, "toStatusId": ticket.status_id},
    )
    if kind == "RESOLVED":
        await queue_email(
            "ticket_resolved",
            ticket_id=ticket.id,
            to=await requester_address(ticket),
            context={**_base(ticket), "resolution_notes": ticket.resolution_notes or ""},
        )
        await queue_event("ticket.resolved", ticket_id=ticket.id, data={"number": ticket.number})
    elif kind == "CLOSED":
        await queue_email(
            "ticket_closed", ticket_id=ticket.id, to=await requester_address(ticket), context=_base(ticket)
        )
        await queue_event("ticket.closed", ticket_id=ticket.id, data={"number": ticket.number})


async def reopened(ticket: Ticket, *, by_user_id: int | None, reason: str | None) -> None:
    """The original assignee hears about a reopening, unless they did it themselves."""
    to = [] if ticket.assignee_id == by_user_id else await user_address(ticket.assignee_id)
    await queue_email("ticket_reopened", ticket_id=ticket.id, to=to, context={**_base(ticket), "reason": reason or ""})
    await queue_event("ticket.reopened", ticket_id=ticket.id, data={"number": ticket.number})
