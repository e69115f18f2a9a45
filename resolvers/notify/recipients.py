"""Who hears about what (SPEC 4, 6, 11). Every function here writes outbox rows inside the caller's
transaction; nothing is sent from a request."""

from __future__ import annotations

from typing import Any

from models.accounts import User
from models.replies import Reply
from models.tickets import Ticket
from resolvers.kernel.sql import Statement
from resolvers.notify.outbox import queue_email, queue_event, queue_many


async def requester_address(ticket: Ticket) -> list[str]:
    """The requester's email, or the guest's on a guest ticket."""
    if ticket.requester_id is None:
        return [ticket.guest_email] if ticket.guest_email else []
    rows: list[Any] = await User.filter(id=ticket.requester_id).values_list("email", flat=True)
    return list(rows)


async def participant_addresses(ticket: Ticket) -> set[str]:
    """Requester (or guest), every staff member who replied publicly, and the assignee. One statement."""
    statement = Statement()
    text = (
        'SELECT DISTINCT u."email" FROM "users" AS u WHERE u."id" IN (SELECT r."author_id" FROM "replies" AS r'
        ' JOIN "users" AS a ON a."id" = r."author_id"'
        f' WHERE r."ticket_id" = {statement.param(ticket.id)} AND NOT r."internal" AND r."deleted_at" IS NULL'
        f" AND a.\"role\" IN ('STAFF', 'ADMIN'))"
        f' OR u."id" = {statement.param(ticket.assignee_id)} OR u."id" = {statement.param(ticket.requester_id)}'
    )
    addresses = {str(row["email"]) for row in await statement.rows(text)}
    if ticket.requester_id is None and ticket.guest_email:
        addresses.add(ticket.guest_email)
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
    # The emails and the event in one multi-row INSERT.
    await queue_many(
        emails=[("reply_added", ticket.id, sorted(recipients), {**_base(ticket), "reply_id": reply.id})],
        events=[("ticket.reply_added", ticket.id, {"number": ticket.number, "replyId": reply.id})],
    )


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


async def assigned(
    ticket: Ticket,
    *,
    previous_assignee_id: int | None,
    previous_group_id: int | None,
    assignee_address: str | None,
    by_user_id: int | None,
) -> None:
    """A new assignment (SPEC 6, 11): the new assignee is emailed, the previous one only if they replied publicly on
    the ticket (they are in the conversation, and would otherwise wonder where it went); nobody about a change they
    made themselves. Group-only changes email nobody: the ticket shows in the members' queues. Every outbox row
    in one INSERT; the previous assignee's reply costs one statement, and only when there is one to ask about."""
    emails: list[tuple[str, int | None, list[str], dict[str, Any]]] = []
    person_changed = ticket.assignee_id != previous_assignee_id
    if person_changed and ticket.assignee_id not in (None, by_user_id) and assignee_address:
        emails.append(("ticket_assigned", ticket.id, [assignee_address], _base(ticket)))
    if person_changed and previous_assignee_id not in (None, by_user_id):
        statement = Statement()
        text = (
            f'SELECT u."email" FROM "users" AS u WHERE u."id" = {statement.param(previous_assignee_id)} AND EXISTS'
            ' (SELECT 1 FROM "replies" AS r WHERE r."author_id" = u."id"'
            f' AND r."ticket_id" = {statement.param(ticket.id)} AND NOT r."internal" AND r."deleted_at" IS NULL)'
        )
        replied = [str(row["email"]) for row in await statement.rows(text)]
        if replied:
            emails.append(("ticket_reassigned", ticket.id, replied, _base(ticket)))
    data = {
        "number": ticket.number,
        "assigneeId": ticket.assignee_id,
        "groupId": ticket.assigned_group_id,
        "previousAssigneeId": previous_assignee_id,
        "previousGroupId": previous_group_id,
    }
    await queue_many(emails=emails, events=[("ticket.assigned", ticket.id, data)])


async def sla_warning_addresses(ticket_ids: list[int]) -> dict[int, list[str]]:
    """Who is warned that a ticket's SLA is at risk or breached, for a whole batch in one statement: the assignee;
    when there is none (or they are disabled or no longer staff), the active staff and admins of the assigned
    group; nobody when neither. Disabled accounts get nothing."""
    if not ticket_ids:
        return {}
    statement = Statement()
    assignee_active = f'SELECT 1 FROM "users" AS a WHERE a."id" = t."assignee_id" AND {_active_staff("a")}'
    members = 'SELECT m."user_id" FROM "group_members" AS m WHERE m."group_id" = t."assigned_group_id"'
    text = (
        'SELECT t."id" AS "ticket_id", u."email" FROM "tickets" AS t JOIN "users" AS u'
        f' ON u."id" = t."assignee_id" OR (NOT EXISTS ({assignee_active}) AND u."id" IN ({members}))'
        f' WHERE t."id" IN {statement.params_in(ticket_ids)} AND {_active_staff("u")} ORDER BY t."id", u."email"'
    )
    found: dict[int, list[str]] = {}
    for row in await statement.rows(text):
        found.setdefault(int(row["ticket_id"]), []).append(str(row["email"]))
    return found


def _active_staff(alias: str) -> str:
    return f"{alias}.\"role\" IN ('STAFF', 'ADMIN') AND NOT {alias}.\"disabled\""
