"""The guest HTML pages (/submit, /track, /track/<token>) through httpx against the ASGI app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from core import clock
from core.enums import Role, StatusKind
from models.outbox import OutboxMessage
from models.replies import Reply
from models.settings import Setting
from models.tickets import Ticket
from resolvers.kernel.rate_limit import reset_local_counters
from server.guest_pages import MAX_FORM_BYTES, MAX_FORM_FIELDS
from tests.helpers import make_category, make_guest, make_person, make_ticket, status_of

XSS = '<script>alert("x")</script>'


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    reset_local_counters()
    yield
    reset_local_counters()


async def enable() -> None:
    await Setting.create(key="guest_submission_enabled", value=True)


def form(fields: dict[str, str]) -> dict[str, Any]:
    return {"data": fields, "headers": {"Content-Type": "application/x-www-form-urlencoded"}}


async def test_submit_page_says_when_guest_submission_is_off(client: httpx.AsyncClient) -> None:
    category = await make_category()
    for response in (
        await client.get("/submit"),
        await client.post("/submit", **form({"email": "a@b.cd", "subject": "s", "description": "d",
                                            "categoryId": str(category.id)})),
    ):  # fmt: skip
        assert response.status_code == 403
        assert "turned off" in response.text
    assert await Ticket.all().count() == 0


async def test_submit_form_lists_live_categories_escaped(client: httpx.AsyncClient) -> None:
    await enable()
    await make_category(f"Hardware {XSS}")
    await make_category("Fax", archived=True)
    response = await client.get("/submit")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "&lt;script&gt;" in response.text and "<script>" not in response.text
    assert "Fax" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_posting_the_form_files_a_guest_ticket(client: httpx.AsyncClient) -> None:
    await enable()
    category = await make_category()
    fields = {"email": "visitor@example.net", "subject": XSS, "description": "Smoke", "categoryId": str(category.id)}
    response = await client.post("/submit", **form(fields))
    assert response.status_code == 200, response.text
    ticket = await Ticket.get(guest_email="visitor@example.net")
    assert ticket.subject == XSS and ticket.requester_id is None  # type: ignore[attr-defined]
    assert f"#{ticket.number}" in response.text and str(ticket.tracking_ref) in response.text
    assert "&lt;script&gt;" in response.text and "<script>" not in response.text
    email = await OutboxMessage.get(channel="email")
    assert email.topic == "guest_ticket_created"
    assert "hdg_" not in response.text  # the link goes only by email


async def test_a_refused_form_comes_back_with_the_errors_and_what_was_typed(client: httpx.AsyncClient) -> None:
    await enable()
    await make_category()
    fields = {"email": "nope", "subject": XSS, "description": "", "categoryId": ""}
    response = await client.post("/submit", **form(fields))
    assert response.status_code == 400
    for message in ("email must be an email address", "description is required", "categoryId is required"):
        assert message in response.text
    assert 'value="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"' in response.text
    assert await Ticket.all().count() == 0


async def test_track_answers_the_same_whether_or_not_it_matches(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(await make_category())
    guest = await make_guest(ticket, email="visitor@example.net")
    assert (await client.get("/track")).status_code == 200
    miss = await client.post("/track", **form({"email": "other@example.net", "trackingRef": "NOPE123456"}))
    hit = await client.post("/track", **form({"email": guest.email, "trackingRef": str(ticket.tracking_ref).lower()}))
    assert miss.status_code == hit.status_code == 200
    assert miss.text == hit.text
    emails = await OutboxMessage.filter(channel="email").values_list("topic", "payload")
    assert [(topic, payload["to"]) for topic, payload in emails] == [("guest_access_link", guest.email)]  # type: ignore[index]
    bad = await client.post("/track", **form({"email": "", "trackingRef": ""}))
    assert bad.status_code == 400 and "trackingRef is required" in bad.text


async def test_the_link_page_shows_the_public_thread_and_takes_replies(client: httpx.AsyncClient) -> None:
    staff = await make_person(Role.STAFF, name="Sam Staff")
    ticket = await make_ticket(await make_category(), assignee=staff, subject=f"Broken {XSS}")
    guest = await make_guest(ticket)
    await Reply.create(ticket_id=ticket.id, author_id=staff.id, body=f"Public answer {XSS}")
    await Reply.create(ticket_id=ticket.id, author_id=staff.id, body="Internal note text", internal=True)
    page = await client.get(f"/track/{guest.token}")
    assert page.status_code == 200
    assert "Public answer &lt;script&gt;" in page.text and "Sam Staff" in page.text
    assert "Internal note text" not in page.text and "<script>" not in page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"

    posted = await client.post(f"/track/{guest.token}", **form({"body": "Still broken"}))
    assert posted.status_code == 303 and posted.headers["location"] == f"/track/{guest.token}"
    stored = await Reply.get(body="Still broken")
    assert (stored.author_id, stored.guest_email) == (None, guest.email)
    assert "Still broken" in (await client.get(f"/track/{guest.token}")).text
    blank = await client.post(f"/track/{guest.token}", **form({"body": "  "}))
    assert blank.status_code == 400 and "body is required" in blank.text


async def test_the_link_page_of_a_closed_ticket_takes_no_reply(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(await make_category(), status=await status_of(StatusKind.CLOSED))
    guest = await make_guest(ticket)
    page = await client.get(f"/track/{guest.token}")
    assert page.status_code == 200 and "closed" in page.text and "<textarea" not in page.text
    refused = await client.post(f"/track/{guest.token}", **form({"body": "hello?"}))
    assert refused.status_code == 409
    assert await Reply.all().count() == 0


async def test_a_bad_or_stale_link_shows_how_to_get_a_new_one(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(await make_category())
    guest = await make_guest(ticket)
    for token in ("hdg_nonsense", guest.token[:-3] + "abc", "hd_not_a_guest_token"):
        for response in (await client.get(f"/track/{token}"), await client.post(f"/track/{token}", **form({}))):
            assert response.status_code == 404
            assert 'href="/track"' in response.text
    assert await Reply.all().count() == 0


async def test_forms_are_rate_limited_and_size_capped(client: httpx.AsyncClient) -> None:
    await enable()
    category = await make_category()
    clock.set_now(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # well inside one 10-minute window
    fields = {"email": "nope", "subject": "s", "description": "d", "categoryId": str(category.id)}
    codes = [(await client.post("/submit", **form(fields))).status_code for _ in range(11)]
    assert codes == [400] * 10 + [429]
    huge = await client.post("/track", **form({"email": "a@b.cd", "trackingRef": "x" * (MAX_FORM_BYTES + 1)}))
    assert huge.status_code == 413
    assert (await client.put("/submit")).status_code == 405


async def test_forms_with_too_many_fields_or_nul_characters_are_refused(client: httpx.AsyncClient) -> None:
    await enable()
    category = await make_category()
    ticket = await make_ticket(category)
    guest = await make_guest(ticket)
    crowded = {f"field{i}": "x" for i in range(MAX_FORM_FIELDS + 1)}
    good = {"email": "a@b.cd", "subject": "s", "description": "d", "categoryId": str(category.id)}
    for path in ("/submit", "/track", f"/track/{guest.token}"):
        response = await client.post(path, **form(crowded))
        assert response.status_code == 400, response.text
        assert f"more than {MAX_FORM_FIELDS} fields" in response.text
        # PostgreSQL cannot store a NUL in text; no field takes one, in a value or a name.
        for fields in ({**good, "body": "hi\x00there", "trackingRef": "REF"}, {**good, "body": "b", "x\x00": ""}):
            refused = await client.post(path, **form(fields))
            assert refused.status_code == 400, refused.text
            assert "NUL character" in refused.text and "\x00" not in refused.text
        raw = await client.post(path, content=b"email=a%40b.cd&body=raw\x00byte", headers=form({})["headers"])
        assert raw.status_code == 400 and "NUL character" in raw.text
    assert await Ticket.all().count() == 1 and await Reply.all().count() == 0
    assert await OutboxMessage.all().count() == 0
