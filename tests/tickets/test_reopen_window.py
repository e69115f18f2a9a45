"""Reopen by reply (SPEC 3): inside the window a requester's reply reopens; after it, nothing is saved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from core import clock
from core.enums import Role, StatusKind
from models.audit import AuditEntry
from models.outbox import OutboxMessage
from models.replies import Reply
from models.settings import Setting
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from tests.helpers import ERRORS, assert_refused, gql_data, make_category, make_person, make_ticket, status_of

ADD = f"""mutation($i: AddReplyInput!) {{ addReply(input: $i) {{
  reply {{ id }} ticket {{ status {{ kind }} reopened }} {ERRORS} }} }}"""
QUEUE = "{ tickets(filter: {reopened: true}) { edges { node { number reopened status { kind } } } } }"
RESOLVED_AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def resolved_ticket() -> dict[str, Any]:
    category = await make_category()
    owner, staff = await make_person(Role.USER), await make_person(Role.STAFF)
    admin = await make_person(Role.ADMIN)
    ticket = await make_ticket(category, requester=owner, assignee=staff, status=await status_of(StatusKind.RESOLVED))
    await Ticket.filter(id=ticket.id).update(resolved_at=RESOLVED_AT, resolution_notes="Replaced toner")
    return {"owner": owner, "staff": staff, "admin": admin, "ticket": ticket}


async def reply_at(client: httpx.AsyncClient, w: dict[str, Any], moment: datetime) -> dict[str, Any]:
    clock.set_now(moment)
    data = await gql_data(client, ADD, {"i": {"number": w["ticket"].number, "body": "Still broken"}}, w["owner"].token)
    result: dict[str, Any] = data["addReply"]
    return result


async def test_reply_one_second_before_the_window_ends_reopens(client: httpx.AsyncClient) -> None:
    w = await resolved_ticket()
    result = await reply_at(client, w, RESOLVED_AT + timedelta(days=7) - timedelta(seconds=1))
    assert result["errors"] == []
    ticket = await Ticket.get(id=w["ticket"].id)
    assert ticket.status_id == (await status_of(StatusKind.NEW)).id
    assert ticket.reopened is True
    assert ticket.resolution_notes == "Replaced toner"  # kept on reopening
    emails = await OutboxMessage.filter(topic="ticket_reopened").values_list("payload", flat=True)
    assert [p["to"] for p in emails] == [w["staff"].user.email]  # type: ignore[index]
    assert await AuditEntry.filter(action="ticket.reopened", ticket_id=ticket.id).count() == 1
    # The staff queue shows it under the reopened filter.
    queue = await gql_data(client, QUEUE, token=w["admin"].token)
    assert queue["tickets"]["edges"] == [
        {"node": {"number": ticket.number, "reopened": True, "status": {"kind": "NEW"}}}
    ]


async def test_reply_one_second_after_the_window_is_refused_and_saves_nothing(client: httpx.AsyncClient) -> None:
    w = await resolved_ticket()
    result = await reply_at(client, w, RESOLVED_AT + timedelta(days=7, seconds=1))
    assert result["reply"] is None
    assert_refused(result, Reason.REOPEN_WINDOW_EXPIRED)
    assert "7 days" in result["errors"][0]["message"]
    assert await Reply.all().count() == 0
    assert await OutboxMessage.all().count() == 0
    ticket = await Ticket.get(id=w["ticket"].id)
    assert ticket.status_id == (await status_of(StatusKind.RESOLVED)).id and not ticket.reopened


async def test_window_zero_disables_reopening_by_reply(client: httpx.AsyncClient) -> None:
    w = await resolved_ticket()
    await Setting.create(key="reopen_window_days", value=0)
    result = await reply_at(client, w, RESOLVED_AT + timedelta(seconds=1))
    assert_refused(result, Reason.REOPEN_WINDOW_EXPIRED)
    assert await Reply.all().count() == 0


async def test_staff_reply_on_a_resolved_ticket_does_not_reopen_it(client: httpx.AsyncClient) -> None:
    w = await resolved_ticket()
    clock.set_now(RESOLVED_AT + timedelta(days=1))
    data = await gql_data(client, ADD, {"i": {"number": w["ticket"].number, "body": "FYI"}}, w["admin"].token)
    assert data["addReply"]["errors"] == []
    ticket = await Ticket.get(id=w["ticket"].id)
    assert ticket.status_id == (await status_of(StatusKind.RESOLVED)).id and not ticket.reopened


async def test_longer_window_setting_is_respected(client: httpx.AsyncClient) -> None:
    w = await resolved_ticket()
    await Setting.create(key="reopen_window_days", value=10)
    # Past the default 7 days, inside the 10 the setting gives: the reply reopens the ticket.
    result = await reply_at(client, w, RESOLVED_AT + timedelta(days=9))
    assert result["errors"] == []
    assert result["ticket"] == {"status": {"kind": "NEW"}, "reopened": True}
    ticket = await Ticket.get(id=w["ticket"].id)
    assert ticket.status_id == (await status_of(StatusKind.NEW)).id and ticket.reopened


async def test_longer_window_ends_where_the_setting_says(client: httpx.AsyncClient) -> None:
    w = await resolved_ticket()
    await Setting.create(key="reopen_window_days", value=10)
    result = await reply_at(client, w, RESOLVED_AT + timedelta(days=10, seconds=1))
    assert (result["reply"], result["ticket"]) == (None, None)
    assert_refused(result, Reason.REOPEN_WINDOW_EXPIRED)
    assert "10 days" in result["errors"][0]["message"]
    assert await Reply.all().count() == 0
    ticket = await Ticket.get(id=w["ticket"].id)
    assert ticket.status_id == (await status_of(StatusKind.RESOLVED)).id and not ticket.reopened
