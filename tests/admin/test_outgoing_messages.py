"""The admin list of every outgoing message (`outgoingMessages`): emails, webhook deliveries and events in one
keyset list, newest first; filters by kind and status; pages that neither repeat nor skip across the two tables;
a constant number of statements per page; admins only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from tortoise.transactions import in_transaction

from core.enums import OutboxStatus, Role
from models.cti import Category
from models.outbox import OutboxMessage
from models.tickets import Ticket
from models.webhooks import Webhook, WebhookDelivery
from resolvers.kernel.errors import Reason
from resolvers.notify import outbox
from resolvers.notify.webhook_delivery import fan_out
from tests.conftest import StatementLog
from tests.helpers import assert_query_refused, gql, gql_data, make_group, make_guest, make_person
from tests.smtp import queue, requester_ticket

FIELDS = (
    "id kind sourceId destination topic status attempts nextAttemptAt lastError responseCode fannedOut ticketNumber"
    " createdAt sentAt"
)
LIST = f"""
query List($kind: OutgoingKind, $status: OutgoingStatus, $first: Int, $after: String) {{
  outgoingMessages(kind: $kind, status: $status, first: $first, after: $after) {{
    totalCount
    pageInfo {{ hasNextPage hasPreviousPage endCursor }}
    edges {{ cursor node {{ {FIELDS} }} }}
  }}
}}
"""
HOOK_URL = "https://hooks.example.org/helpdesk"


async def event(ticket: Ticket, topic: str = "ticket.created") -> int:
    async with in_transaction():
        await outbox.queue_event(topic, ticket_id=ticket.id, data={"number": ticket.number})
    outbox.forget_queued()
    row = await OutboxMessage.filter(channel=outbox.EVENT).order_by("-id").first()
    assert row is not None
    return row.id


async def mixed() -> tuple[Ticket, dict[str, int]]:
    """An email, a webhook with one delivery (its event fanned out), then an event nobody has fanned out yet."""
    _, ticket = await requester_ticket()
    await Webhook.create(url=HOOK_URL, secret="s", events=[])
    email = await queue("ticket_created", ticket, "one@example.com")
    fanned = await event(ticket)
    (delivery,) = await fan_out([fanned])
    await WebhookDelivery.filter(id=delivery).update(
        status=OutboxStatus.FAILED, attempts=5, response_code=503, last_error="the receiver answered HTTP 503"
    )
    waiting = await event(ticket, "ticket.closed")
    return ticket, {"email": email, "fanned": fanned, "delivery": delivery, "waiting": waiting}


def nodes(page: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in page["edges"]]


def ids_of(page: dict[str, Any]) -> list[str]:
    return [node["id"] for node in nodes(page)]


async def listed(client: httpx.AsyncClient, token: str, **variables: Any) -> dict[str, Any]:
    data: dict[str, Any] = (await gql_data(client, LIST, variables, token=token))["outgoingMessages"]
    return data


async def test_admins_see_emails_webhook_deliveries_and_events_newest_first(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    ticket, ids = await mixed()

    page = await listed(client, admin.token)

    assert page["totalCount"] == 4
    waiting, delivery, fanned, email = nodes(page)
    assert [n["id"] for n in (waiting, delivery, fanned, email)] == [
        f"EVENT:{ids['waiting']}", f"WEBHOOK:{ids['delivery']}", f"EVENT:{ids['fanned']}", f"EMAIL:{ids['email']}"
    ]  # fmt: skip
    assert email == {
        **email,
        "kind": "EMAIL",
        "sourceId": str(ids["email"]),
        "destination": "one@example.com",
        "topic": "ticket_created",
        "status": "PENDING",
        "attempts": 0,
        "responseCode": None,
        "fannedOut": None,
        "ticketNumber": ticket.number,
        "sentAt": None,
    }
    assert delivery == {
        **delivery,
        "kind": "WEBHOOK",
        "sourceId": str(ids["delivery"]),
        "destination": HOOK_URL,
        "topic": "ticket.created",
        "status": "FAILED",
        "attempts": 5,
        "responseCode": 503,
        "lastError": "the receiver answered HTTP 503",
        "fannedOut": None,
        "ticketNumber": ticket.number,
    }
    assert (fanned["kind"], fanned["destination"], fanned["status"]) == ("EVENT", None, "SENT")
    assert fanned["fannedOut"] is True
    assert fanned["sentAt"] is not None and fanned["ticketNumber"] == ticket.number
    assert (waiting["topic"], waiting["status"], waiting["fannedOut"], waiting["sentAt"]) == (
        "ticket.closed", "PENDING", False, None
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "expected"), [("EMAIL", ["email"]), ("WEBHOOK", ["delivery"]), ("EVENT", ["waiting", "fanned"])]
)
async def test_admins_filter_by_kind(client: httpx.AsyncClient, kind: str, expected: list[str]) -> None:
    admin = await make_person(Role.ADMIN)
    _, ids = await mixed()
    page = await listed(client, admin.token, kind=kind)
    assert [n["sourceId"] for n in nodes(page)] == [str(ids[name]) for name in expected]
    assert page["totalCount"] == len(expected)


async def test_admins_filter_by_status_across_kinds(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    _, ids = await mixed()
    pending = await listed(client, admin.token, status="PENDING")
    assert ids_of(pending) == [f"EVENT:{ids['waiting']}", f"EMAIL:{ids['email']}"]
    failed = await listed(client, admin.token, status="FAILED", kind="WEBHOOK")
    assert ids_of(failed) == [f"WEBHOOK:{ids['delivery']}"]
    assert (await listed(client, admin.token, status="SENDING"))["totalCount"] == 0


async def test_pages_neither_repeat_nor_skip_across_both_tables_and_equal_times(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    _, ticket = await requester_ticket()
    await Webhook.create(url=HOOK_URL, secret="s", events=[])
    for n in range(4):
        await queue("ticket_created", ticket, f"p{n}@example.com")
        await fan_out([await event(ticket)])
    # Several rows of both tables at exactly the same moment, the rest a second apart.
    same = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    await OutboxMessage.filter(id__in=[m.id for m in await OutboxMessage.all().order_by("id").limit(5)]).update(
        created_at=same
    )
    await WebhookDelivery.filter(id__in=[d.id for d in await WebhookDelivery.all().limit(2)]).update(created_at=same)
    for offset, row in enumerate(await OutboxMessage.filter(created_at__gt=same).order_by("id")):
        await OutboxMessage.filter(id=row.id).update(created_at=same + timedelta(seconds=offset + 1))
    whole = nodes(await listed(client, admin.token, first=100))
    assert len(whole) == 12  # 4 emails, 4 events, 4 deliveries
    times = [n["createdAt"] for n in whole]
    assert times == sorted(times, reverse=True)
    for size in (1, 2, 3, 5):
        seen: list[str] = []
        after = None
        while True:
            page = await listed(client, admin.token, first=size, after=after)
            seen += ids_of(page)
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == [n["id"] for n in whole], size


async def test_a_page_costs_the_same_statements_at_any_size(
    client: httpx.AsyncClient, count_statements: StatementLog
) -> None:
    admin = await make_person(Role.ADMIN)
    ticket, _ = await mixed()
    for n in range(8):
        await queue("ticket_closed", ticket, f"p{n}@example.com")
    counts = []
    for size in (2, 12):
        count_statements.clear()
        page = await listed(client, admin.token, first=size)
        assert len(page["edges"]) == size
        counts.append(count_statements.count)
    # Authentication, the page (both tables in one statement), the total across both.
    assert counts == [3, 3]
    count_statements.clear()
    document = "query { outgoingMessages(first: 12) { edges { node { id destination ticketNumber } } } }"
    await gql_data(client, document, token=admin.token)
    assert count_statements.count == 2  # no totalCount asked for: no count


async def test_a_cursor_from_elsewhere_is_refused(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    outbox_cursor = "WzEyXQ"  # [12]: the email list's shape
    body = await gql(client, LIST, {"after": outbox_cursor}, token=admin.token)
    assert_query_refused(body, Reason.INVALID_CURSOR, "after")


@pytest.mark.parametrize("role", [Role.STAFF, Role.USER])
async def test_staff_and_users_may_not_list_outgoing_messages(client: httpx.AsyncClient, role: Role) -> None:
    person = await make_person(role)
    await mixed()
    body = await gql(client, LIST, token=person.token)
    assert body["data"] is None
    assert_query_refused(body, Reason.ADMIN_ONLY)


async def test_staff_in_the_tickets_scope_may_not_list_them_either(client: httpx.AsyncClient) -> None:
    ticket, _ = await mixed()
    staff = await make_person(Role.STAFF)
    await make_group(members=[staff], scope=[(await Category.get(id=ticket.category_id), None)])
    await Ticket.filter(id=ticket.id).update(assignee_id=staff.user.id)
    body = await gql(client, LIST, token=staff.token)
    assert body["data"] is None
    assert_query_refused(body, Reason.ADMIN_ONLY)


async def test_the_requester_of_the_ticket_may_not_list_them(client: httpx.AsyncClient) -> None:
    ticket, _ = await mixed()
    requester = await make_person(Role.USER)
    await Ticket.filter(id=ticket.id).update(requester_id=requester.user.id)
    assert_query_refused(await gql(client, LIST, token=requester.token), Reason.ADMIN_ONLY)


async def test_a_guest_may_not_list_them(client: httpx.AsyncClient) -> None:
    ticket, _ = await mixed()
    guest = await make_guest(ticket)
    body = await gql(client, LIST, token=guest.token)
    assert_query_refused(body, Reason.FIELD_NOT_ALLOWED, "Query.outgoingMessages")


async def test_anonymous_callers_must_sign_in(client: httpx.AsyncClient) -> None:
    body = await gql(client, LIST)
    assert body["data"] is None
    assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Query.outgoingMessages")
