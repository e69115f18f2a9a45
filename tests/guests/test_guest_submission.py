"""submitGuestTicket and requestGuestLink (SPEC 10) through GraphQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from core.enums import Role
from models.audit import AuditEntry
from models.outbox import OutboxMessage
from models.settings import Setting
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from resolvers.kernel.rate_limit import reset_local_counters
from resolvers.notify.email_templates import render_message
from tests.helpers import (
    ERRORS,
    assert_query_refused,
    assert_refused,
    gql,
    gql_data,
    make_category,
    make_item,
    make_person,
    make_type,
    refusals,
)

SUBMIT = f"""mutation($i: SubmitGuestTicketInput!) {{ submitGuestTicket(input: $i) {{
  trackingRef ticket {{ number subject priority status {{ kind }} category {{ name }} guestEmail }} {ERRORS} }} }}"""
LINK = f"""mutation($i: RequestGuestLinkInput!) {{ requestGuestLink(input: $i) {{
  accepted message {ERRORS} }} }}"""
CATEGORIES = "{ categories { id name } }"


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    reset_local_counters()
    yield
    reset_local_counters()


async def enable() -> None:
    await Setting.create(key="guest_submission_enabled", value=True)


async def submit(client: httpx.AsyncClient, token: str | None = None, **fields: Any) -> dict[str, Any]:
    payload = {"email": "Visitor@Example.net", "subject": "Printer on fire", "description": "Smoke", **fields}
    data = await gql_data(client, SUBMIT, {"i": payload}, token)
    result: dict[str, Any] = data["submitGuestTicket"]
    return result


async def test_submission_is_forbidden_while_the_setting_is_off(client: httpx.AsyncClient) -> None:
    category = await make_category()
    result = await submit(client, categoryId=str(category.id))
    assert result["ticket"] is None and result["trackingRef"] is None
    assert_refused(result, Reason.GUEST_SUBMISSION_OFF)
    assert await Ticket.all().count() == 0 and await OutboxMessage.all().count() == 0
    # Without an account the category list is closed too while submission is off.
    assert_query_refused(await gql(client, CATEGORIES), Reason.SIGN_IN_REQUIRED)


async def test_a_guest_files_a_ticket_and_the_link_goes_only_by_email(client: httpx.AsyncClient) -> None:
    await enable()
    category = await make_category("Hardware")
    await make_category("Old", archived=True)
    # People without an account may read the live categories to choose one.
    assert [c["name"] for c in (await gql_data(client, CATEGORIES))["categories"]] == ["Hardware"]
    result = await submit(client, categoryId=str(category.id), subject="  Printer on fire  ")
    assert result["errors"] == []
    ticket = result["ticket"]
    assert ticket["subject"] == "Printer on fire" and ticket["priority"] == "MEDIUM"
    assert ticket["status"] == {"kind": "NEW"} and ticket["category"] == {"name": "Hardware"}
    assert ticket["guestEmail"] is None  # no token, so not shown as theirs (the mailbox is the proof)
    ref = result["trackingRef"]
    assert len(ref) == 10 and ref.isalnum() and ref.isupper()
    stored = await Ticket.get(number=ticket["number"])
    assert (stored.requester_id, stored.created_by_id, stored.guest_email, stored.tracking_ref) == (  # type: ignore[attr-defined]
        None,
        None,
        "visitor@example.net",
        ref,
    )
    entry = await AuditEntry.get(action="ticket.created")
    assert (entry.actor_id, entry.actor_label) == (None, "guest:visitor@example.net")  # type: ignore[attr-defined]
    assert await OutboxMessage.filter(channel="event", topic="ticket.created").count() == 1
    # The access link is in the email and nowhere in the answer.
    email = await OutboxMessage.get(channel="email")
    assert email.topic == "guest_ticket_created"
    payload: dict[str, Any] = email.payload  # type: ignore[assignment]
    assert payload == {"to": "visitor@example.net", "number": ticket["number"]}  # no token at rest
    rendered = await render_message(email.topic, email.ticket_id, payload)  # type: ignore[attr-defined]
    token = rendered.text.split("/track/", 1)[1].split()[0]
    assert token.startswith("hdg_") and token not in str(result)
    assert ref in rendered.text and "Printer on fire" in rendered.subject
    # The emailed token opens the ticket.
    seen = await gql_data(client, "query($n: Int!) { ticket(number: $n) { subject } }", {"n": ticket["number"]}, token)
    assert seen["ticket"] == {"subject": "Printer on fire"}


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"email": "  "}, "email", Reason.REQUIRED),
        ({"email": "not-an-address"}, "email", Reason.INVALID_EMAIL),
        ({"subject": " "}, "subject", Reason.REQUIRED),
        ({"subject": "x" * 256}, "subject", Reason.TOO_LONG),
        ({"description": ""}, "description", Reason.REQUIRED),
        ({"categoryId": None}, "categoryId", Reason.REQUIRED),
        ({"categoryId": "999"}, "categoryId", Reason.UNKNOWN_ID),
        ({"categoryId": "abc"}, "categoryId", Reason.INVALID_ID),
        ({"typeId": "TYPE_OF_OTHER"}, "typeId", Reason.NOT_IN_CATEGORY),
        ({"itemId": "ITEM"}, "itemId", Reason.ITEM_NEEDS_TYPE),
        ({"categoryId": "ARCHIVED"}, "categoryId", Reason.ARCHIVED),
    ],
)
async def test_every_rule_of_create_ticket_applies(
    client: httpx.AsyncClient, fields: dict[str, Any], field: str, reason: Reason
) -> None:
    await enable()
    category, other = await make_category(), await make_category()
    ids = {
        "TYPE_OF_OTHER": str((await make_type(other)).id),
        "ITEM": str((await make_item(await make_type(category))).id),
        "ARCHIVED": str((await make_category(archived=True)).id),
    }
    given = {name: ids.get(value, value) if isinstance(value, str) else value for name, value in fields.items()}
    result = await submit(client, **{"categoryId": str(category.id), **given})
    assert_refused(result, reason, field)
    assert await Ticket.all().count() == 0 and await OutboxMessage.all().count() == 0


async def test_every_bad_field_is_reported_at_once(client: httpx.AsyncClient) -> None:
    await enable()
    await make_category()
    result = await submit(client, email="x", subject="", description="", categoryId=None)
    assert {e["field"] for e in result["errors"]} == {"email", "subject", "description", "categoryId"}


async def test_guest_priority_follows_the_requester_setting(client: httpx.AsyncClient) -> None:
    await enable()
    category = await make_category()
    refused = await submit(client, categoryId=str(category.id), priority="HIGH")
    assert_refused(refused, Reason.PRIORITY_NOT_SELECTABLE, "priority")
    await Setting.create(key="user_selectable_priority", value=True)
    allowed = await submit(client, categoryId=str(category.id), priority="HIGH")
    assert allowed["ticket"]["priority"] == "HIGH"


async def test_request_guest_link_answers_the_same_and_emails_only_on_a_match(client: httpx.AsyncClient) -> None:
    await enable()
    category = await make_category()
    ref = (await submit(client, categoryId=str(category.id)))["trackingRef"]
    await OutboxMessage.all().delete()
    answers = []
    for email, typed in [
        ("someone@example.net", ref),  # wrong email
        ("visitor@example.net", "AAAAAAAAAA"),  # unknown reference
        ("visitor@example.net", ref + "X"),  # a longer reference
        ("VISITOR@example.net", f" {ref[:5].lower()}-{ref[5:]} "),  # a match, as people type it
    ]:
        answers.append(
            (await gql_data(client, LINK, {"i": {"email": email, "trackingRef": typed}}))["requestGuestLink"]
        )
    assert all(a == answers[0] for a in answers), answers
    assert answers[0]["accepted"] is True and answers[0]["errors"] == []
    emails = await OutboxMessage.filter(channel="email").values_list("topic", "payload")
    assert len(emails) == 1
    topic, payload = emails[0]
    stored = await Ticket.get(tracking_ref=ref)
    assert topic == "guest_access_link" and payload == {"to": "visitor@example.net", "number": stored.number}
    rendered = await render_message(topic, stored.id, payload)  # type: ignore[arg-type]
    token = rendered.text.split("/track/", 1)[1].split()[0]
    number = stored.number
    seen = await gql_data(client, "query($n: Int!) { ticket(number: $n) { number } }", {"n": number}, token)
    assert seen["ticket"] == {"number": number}
    actions = await AuditEntry.filter(action__startswith="guest.").order_by("id").values_list("action", flat=True)
    assert actions == ["guest.link_refused", "guest.link_refused", "guest.link_refused", "guest.link_sent"]


async def test_user_tickets_never_get_guest_links(client: httpx.AsyncClient) -> None:
    user = await make_person(Role.USER, email="member@example.net")
    category = await make_category()
    created = await gql_data(
        client,
        "mutation($i: CreateTicketInput!) { createTicket(input: $i) { ticket { id } } }",
        {"i": {"subject": "s", "description": "d", "categoryId": str(category.id)}},
        user.token,
    )
    await Ticket.filter(id=int(created["createTicket"]["ticket"]["id"])).update(tracking_ref="MEMBERREF1")
    await OutboxMessage.all().delete()
    body = await gql_data(client, LINK, {"i": {"email": "member@example.net", "trackingRef": "MEMBERREF1"}})
    assert body["requestGuestLink"]["accepted"] is True
    assert await OutboxMessage.filter(channel="email").count() == 0


async def test_malformed_link_requests_name_the_field(client: httpx.AsyncClient) -> None:
    body = await gql_data(client, LINK, {"i": {"email": "nope", "trackingRef": " "}})
    result = body["requestGuestLink"]
    assert result["accepted"] is False and result["message"] is None
    assert refusals(result) == [(Reason.INVALID_EMAIL, "email"), (Reason.REQUIRED, "trackingRef")]
    long = await gql_data(client, LINK, {"i": {"email": "a@b.cd", "trackingRef": "X" * 33}})
    assert_refused(long["requestGuestLink"], Reason.TOO_LONG, "trackingRef")
    assert "33 characters; the maximum is 32" in long["requestGuestLink"]["errors"][0]["message"]
    nul = await gql_data(client, LINK, {"i": {"email": "a@b.cd", "trackingRef": "AB\u0000CD"}})
    assert_refused(nul["requestGuestLink"], Reason.CONTAINS_NUL, "trackingRef")
