"""The admin outbox list: only admins see outgoing email, with its state, attempts and last error."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from core.enums import OutboxStatus, Role
from jobs.email import deliver_pending_emails
from models.outbox import OutboxMessage
from resolvers.kernel.errors import Reason
from resolvers.notify.outbox import queue_event
from tests.helpers import assert_query_refused, gql, gql_data, make_person
from tests.smtp import mail_environment, queue, requester_ticket

OUTBOX = """
query Outbox($status: OutboxStatus, $first: Int, $after: String) {
  outbox(status: $status, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node { id topic recipient ticketNumber status attempts lastError createdAt nextAttemptAt sentAt } }
  }
}
"""


async def three_emails() -> tuple[int, list[int]]:
    """A sent, a failed and a pending email (newest last), plus a webhook event that is not email."""
    _, ticket = await requester_ticket()
    ids = [
        await queue("ticket_created", ticket, "one@example.com"),
        await queue("ticket_closed", ticket, "two@example.com"),
        await queue("ticket_resolved", ticket, "three@example.com"),
    ]
    await OutboxMessage.filter(id=ids[0]).update(status=OutboxStatus.SENT, attempts=1)
    await OutboxMessage.filter(id=ids[1]).update(status=OutboxStatus.FAILED, attempts=6, last_error="gave up: 550")
    await queue_event("ticket.created", ticket_id=ticket.id, data={"number": ticket.number})
    assert ticket.number is not None
    return ticket.number, ids


def nodes(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in data["outbox"]["edges"]]


async def test_admins_see_every_email_newest_first_with_its_delivery_state(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    number, ids = await three_emails()

    data = await gql_data(client, OUTBOX, token=admin.token)

    assert data["outbox"]["totalCount"] == 3
    listed = nodes(data)
    assert [n["id"] for n in listed] == [str(i) for i in reversed(ids)]
    pending, failed, sent = listed
    assert pending == {
        **pending,
        "topic": "ticket_resolved",
        "recipient": "three@example.com",
        "ticketNumber": number,
        "status": "PENDING",
        "attempts": 0,
        "lastError": None,
        "nextAttemptAt": None,
        "sentAt": None,
    }
    assert pending["createdAt"]
    assert (failed["status"], failed["attempts"], failed["lastError"]) == ("FAILED", 6, "gave up: 550")
    assert (sent["status"], sent["recipient"]) == ("SENT", "one@example.com")


async def test_admins_filter_by_status_and_page_through(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    _, ids = await three_emails()

    failed = await gql_data(client, OUTBOX, {"status": "FAILED"}, token=admin.token)
    assert [n["id"] for n in nodes(failed)] == [str(ids[1])]
    assert failed["outbox"]["totalCount"] == 1

    first = await gql_data(client, OUTBOX, {"first": 2}, token=admin.token)
    assert [n["id"] for n in nodes(first)] == [str(ids[2]), str(ids[1])]
    assert first["outbox"]["pageInfo"]["hasNextPage"] is True
    rest = await gql_data(
        client, OUTBOX, {"first": 2, "after": first["outbox"]["pageInfo"]["endCursor"]}, token=admin.token
    )
    assert [n["id"] for n in nodes(rest)] == [str(ids[0])]
    assert rest["outbox"]["pageInfo"] == {**rest["outbox"]["pageInfo"], "hasNextPage": False, "hasPreviousPage": True}


async def test_mail_waits_visibly_when_no_smtp_server_is_configured(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    _, ticket = await requester_ticket()
    with mail_environment(SMTP_HOST=None):
        await queue("ticket_created", ticket, "waiting@example.com")
        assert await deliver_pending_emails({}) == 0

    data = await gql_data(client, OUTBOX, {"status": "PENDING"}, token=admin.token)
    assert [(n["recipient"], n["attempts"]) for n in nodes(data)] == [("waiting@example.com", 0)]


@pytest.mark.parametrize("role", [Role.STAFF, Role.USER])
async def test_staff_and_users_may_not_list_the_outbox(client: httpx.AsyncClient, role: Role) -> None:
    person = await make_person(role)
    await three_emails()

    body = await gql(client, OUTBOX, token=person.token)

    assert body["data"] is None
    assert_query_refused(body, Reason.ADMIN_ONLY)


async def test_anonymous_callers_must_sign_in(client: httpx.AsyncClient) -> None:
    body = await gql(client, OUTBOX)

    assert body["data"] is None
    assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Query.outbox")


@pytest.mark.parametrize(
    ("variables", "reason", "field"),
    [({"first": 0}, Reason.OUT_OF_RANGE, "first"), ({"after": "garbage"}, Reason.INVALID_CURSOR, "after")],
)
async def test_bad_paging_arguments_are_refused(
    client: httpx.AsyncClient, variables: dict[str, Any], reason: Reason, field: str
) -> None:
    admin = await make_person(Role.ADMIN)

    body = await gql(client, OUTBOX, variables, token=admin.token)

    assert_query_refused(body, reason, field)
