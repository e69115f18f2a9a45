"""A guest's replies (SPEC 3, 4): the same rules as a requester's, named by email instead of a user id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from core import clock
from core.enums import Role, StatusKind
from models.audit import AuditEntry
from models.outbox import OutboxMessage
from models.replies import Reply
from models.settings import Setting
from models.tickets import Ticket
from resolvers.guests.tokens import read_guest_token
from resolvers.kernel.errors import Reason
from resolvers.notify.email_templates import render_message
from tests.helpers import (
    ERRORS,
    Guest,
    Person,
    assert_query_refused,
    assert_refused,
    gql,
    gql_data,
    make_category,
    make_guest,
    make_person,
    make_ticket,
    refusals,
    status_of,
)

ADD = f"""mutation($i: AddReplyInput!) {{ addReply(input: $i) {{
  reply {{ id body internal author {{ id }} guestEmail }} {ERRORS} }} }}"""
EDIT = f"""mutation($i: EditReplyInput!) {{ editReply(input: $i) {{ reply {{ id body }} {ERRORS} }} }}"""
DELETE = f"""mutation($i: DeleteReplyInput!) {{ deleteReply(input: $i) {{ reply {{ id deleted }} {ERRORS} }} }}"""
RESOLVED_AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class World:
    staff: Person
    guest: Guest
    ticket: Ticket


async def world(status: StatusKind = StatusKind.NEW) -> World:
    category = await make_category()
    staff = await make_person(Role.STAFF)
    ticket = await make_ticket(category, assignee=staff, status=await status_of(status))
    if status is StatusKind.RESOLVED:
        await Ticket.filter(id=ticket.id).update(resolved_at=RESOLVED_AT, resolution_notes="Rebooted")
    guest = await make_guest(ticket, email="visitor@example.net")
    return World(staff=staff, guest=guest, ticket=ticket)


async def reply(
    client: httpx.AsyncClient, token: str, number: int, body: str = "Hello", **extra: Any
) -> dict[str, Any]:
    data = await gql_data(client, ADD, {"i": {"number": number, "body": body, **extra}}, token)
    result: dict[str, Any] = data["addReply"]
    return result


async def test_a_guest_replies_on_their_ticket_by_email_not_by_user_id(client: httpx.AsyncClient) -> None:
    w = await world()
    result = await reply(client, w.guest.token, w.ticket.number, "It smokes again")
    assert result["errors"] == []
    assert result["reply"]["author"] is None and result["reply"]["guestEmail"] == "visitor@example.net"
    stored = await Reply.get(id=int(result["reply"]["id"]))
    assert (stored.author_id, stored.guest_email, stored.internal) == (None, "visitor@example.net", False)
    entry = await AuditEntry.get(action="reply.created")
    assert (entry.actor_id, entry.actor_label, entry.ticket_id) == (None, "guest:visitor@example.net", w.ticket.id)  # type: ignore[attr-defined]
    # Participants are told (the assignee), never the author (the guest).
    emails = await OutboxMessage.filter(topic="reply_added").values_list("payload", flat=True)
    assert [p["to"] for p in emails] == [w.staff.user.email]  # type: ignore[index]


async def test_a_staff_reply_reaches_the_guest_with_a_working_link(client: httpx.AsyncClient) -> None:
    w = await world()
    result = await reply(client, w.staff.token, w.ticket.number, "Try turning it off")
    assert result["errors"] == []
    rows = await OutboxMessage.filter(topic="reply_added").values_list("payload", flat=True)
    assert [p["to"] for p in rows] == ["visitor@example.net"]  # type: ignore[index]
    # The guest has no account: their email's button is a fresh access link, made when the email is rendered.
    message = await OutboxMessage.get(topic="reply_added")
    rendered = await render_message("reply_added", w.ticket.id, message.payload)  # type: ignore[arg-type]
    link = next(word for word in rendered.text.split() if "/track/hdg_" in word)
    token = link.rsplit("/", 1)[1]
    assert read_guest_token(token) is not None
    seen = await gql_data(client, "query($n: Int!) { ticket(number: $n) { number } }", {"n": w.ticket.number}, token)
    assert seen["ticket"] == {"number": w.ticket.number}
    assert "/tickets/" not in rendered.text


@pytest.mark.parametrize(
    ("target", "internal", "refusal"),
    [
        ("own", False, None),
        ("own", True, (Reason.STAFF_ONLY, "internal")),
        ("other", False, (Reason.TICKET_NOT_FOUND, "number")),
        ("user", False, (Reason.TICKET_NOT_FOUND, "number")),
    ],
)
async def test_guest_reply_matrix(
    client: httpx.AsyncClient, target: str, internal: bool, refusal: tuple[Reason, str] | None
) -> None:
    w = await world()
    other = await make_ticket(await make_category())
    await make_guest(other)
    users = await make_ticket(await make_category(), requester=await make_person(Role.USER))
    number = {"own": w.ticket, "other": other, "user": users}[target].number
    result = await reply(client, w.guest.token, number, internal=internal)
    assert refusals(result) == ([refusal] if refusal else [])
    assert await Reply.all().count() == (0 if refusal else 1)


async def reply_at(client: httpx.AsyncClient, w: World, moment: datetime) -> dict[str, Any]:
    clock.set_now(moment)
    return await reply(client, w.guest.token, w.ticket.number, "Still broken")


async def test_reply_one_second_before_the_window_ends_reopens(client: httpx.AsyncClient) -> None:
    w = await world(StatusKind.RESOLVED)
    # A token issued at resolution is still valid at the end of a 7-day window only if made late enough.
    clock.set_now(RESOLVED_AT + timedelta(days=6))
    w.guest = await make_guest(w.ticket, email=w.guest.email)
    result = await reply_at(client, w, RESOLVED_AT + timedelta(days=7) - timedelta(seconds=1))
    assert result["errors"] == []
    ticket = await Ticket.get(id=w.ticket.id)
    assert ticket.status_id == (await status_of(StatusKind.NEW)).id and ticket.reopened
    assert ticket.resolution_notes == "Rebooted"
    reopened = await OutboxMessage.filter(topic="ticket_reopened").values_list("payload", flat=True)
    assert [p["to"] for p in reopened] == [w.staff.user.email]  # type: ignore[index]
    entry = await AuditEntry.get(action="ticket.reopened")
    assert (entry.actor_id, entry.actor_label) == (None, "guest:visitor@example.net")


@pytest.mark.parametrize("window", [7, 0])
async def test_reply_after_the_window_or_with_window_zero_is_refused(client: httpx.AsyncClient, window: int) -> None:
    w = await world(StatusKind.RESOLVED)
    await Setting.create(key="reopen_window_days", value=window)
    clock.set_now(RESOLVED_AT + timedelta(days=window) - timedelta(days=1))
    w.guest = await make_guest(w.ticket, email=w.guest.email)
    moment = RESOLVED_AT + (timedelta(days=7, seconds=1) if window else timedelta(seconds=1))
    result = await reply_at(client, w, moment)
    assert_refused(result, Reason.REOPEN_WINDOW_EXPIRED)
    assert await Reply.all().count() == 0 and await OutboxMessage.all().count() == 0
    ticket = await Ticket.get(id=w.ticket.id)
    assert ticket.status_id == (await status_of(StatusKind.RESOLVED)).id and not ticket.reopened


async def test_closed_ticket_takes_no_reply_from_the_guest(client: httpx.AsyncClient) -> None:
    w = await world(StatusKind.CLOSED)
    result = await reply(client, w.guest.token, w.ticket.number)
    assert_refused(result, Reason.TICKET_CLOSED)
    assert await Reply.all().count() == 0


async def test_a_guest_edits_and_deletes_own_replies_for_fifteen_minutes(client: httpx.AsyncClient) -> None:
    w = await world()
    start = clock.now()
    clock.set_now(start)
    first = (await reply(client, w.guest.token, w.ticket.number, "v1"))["reply"]["id"]
    second = (await reply(client, w.guest.token, w.ticket.number, "v1"))["reply"]["id"]
    staff_reply = (await reply(client, w.staff.token, w.ticket.number, "staff"))["reply"]["id"]
    clock.set_now(start + timedelta(minutes=14, seconds=59))
    edited = await gql_data(client, EDIT, {"i": {"replyId": first, "body": "v2"}}, w.guest.token)
    assert edited["editReply"] == {"reply": {"id": first, "body": "v2"}, "errors": []}
    entry = await AuditEntry.get(action="reply.edited")
    assert (entry.actor_id, entry.actor_label, entry.before) == (None, "guest:visitor@example.net", {"body": "v1"})
    deleted = await gql_data(client, DELETE, {"i": {"replyId": second}}, w.guest.token)
    assert deleted["deleteReply"]["errors"] == []
    # Not theirs: a staff reply.
    body = await gql_data(client, EDIT, {"i": {"replyId": staff_reply, "body": "mine"}}, w.guest.token)
    assert_refused(body["editReply"], Reason.NOT_YOUR_REPLY)
    clock.set_now(start + timedelta(minutes=15, seconds=1))
    late = await gql_data(client, EDIT, {"i": {"replyId": first, "body": "v3"}}, w.guest.token)
    assert_refused(late["editReply"], Reason.EDIT_WINDOW_EXPIRED)


async def test_a_guest_cannot_touch_replies_of_other_tickets_or_authorless_ones(client: httpx.AsyncClient) -> None:
    w = await world()
    other = await make_ticket(await make_category())
    other_guest = await make_guest(other)
    theirs = (await reply(client, other_guest.token, other.number, "theirs"))["reply"]["id"]
    body = await gql_data(client, EDIT, {"i": {"replyId": theirs, "body": "x"}}, w.guest.token)
    assert_refused(body["editReply"], Reason.REPLY_NOT_FOUND, "replyId")
    # A reply whose author account was deleted has neither author nor guest email: nobody's to edit.
    orphan = await Reply.create(ticket_id=w.ticket.id, author_id=None, body="from a deleted account")
    body = await gql_data(client, EDIT, {"i": {"replyId": str(orphan.id), "body": "x"}}, w.guest.token)
    assert_refused(body["editReply"], Reason.NOT_YOUR_REPLY)


async def test_anonymous_reply_is_unauthenticated(client: httpx.AsyncClient) -> None:
    w = await world()
    body = await gql(client, ADD, {"i": {"number": w.ticket.number, "body": "hi"}})
    assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Mutation.addReply")
