"""What the two guest emails carry (security review): no relay for text a stranger typed, and no token at rest.

Anyone may file a guest ticket with anyone's address, so guest_ticket_created must not carry the stranger's
Markdown in the help desk's voice; the access link is made when the email is rendered, never stored in the
outbox payload (sessions and API keys are stored hashed; a token in a JSON column would be a live credential).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from jobs.email import deliver_pending_emails
from models.outbox import OutboxMessage
from models.settings import Setting
from resolvers.kernel.rate_limit import reset_local_counters
from tests import smtp
from tests.helpers import gql_data, make_category
from tests.smtp import BASE_URL, SmtpServer

smtp_server = smtp.smtp_server

SUBMIT = """mutation($i: SubmitGuestTicketInput!) { submitGuestTicket(input: $i) {
  trackingRef ticket { number } errors { code field message } } }"""
LINK = "mutation($i: RequestGuestLinkInput!) { requestGuestLink(input: $i) { accepted errors { code } } }"
ONE = "query($n: Int!) { ticket(number: $n) { number subject } }"
PHISH_SUBJECT = 'Your account is locked <a href="https://evil.example">now</a>'
PHISH_BODY = "Click [verify here](https://evil.example/login) **today** or <a href='https://evil.example'>here</a>."
LINK_PATTERN = re.compile(re.escape(BASE_URL) + r"/track/(hdg_[A-Za-z0-9_.\-]+)")


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    reset_local_counters()
    yield
    reset_local_counters()


async def submit_as_stranger(client: httpx.AsyncClient, email: str = "victim@example.net") -> dict[str, Any]:
    await Setting.create(key="guest_submission_enabled", value=True)
    category = await make_category("Accounts")
    fields = {"email": email, "subject": PHISH_SUBJECT, "description": PHISH_BODY, "categoryId": str(category.id)}
    result: dict[str, Any] = (await gql_data(client, SUBMIT, {"i": fields}))["submitGuestTicket"]
    assert result["errors"] == []
    return result


def parts(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


async def test_the_guest_receipt_never_echoes_the_description(
    client: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    result = await submit_as_stranger(client)
    number, ref = result["ticket"]["number"], result["trackingRef"]

    assert await deliver_pending_emails({}) == 1

    (received,) = smtp_server.received
    assert received.recipients == ["victim@example.net"]
    text, html = parts(received.message)
    for part in (text, html):
        # Nothing of what the stranger wrote as the request itself: no link, no words, no Markdown.
        assert "verify here" not in part and "evil.example/login" not in part and "today" not in part
        assert f"#{number}" in part and ref in part
        assert f"{BASE_URL}/track/hdg_" in part
    # The subject is there only as escaped text inside our own sentence: never markup, never a link target.
    assert "Your account is locked &lt;a href=&quot;https://evil.example&quot;&gt;now&lt;/a&gt;" in html
    assert '<a href="https://evil.example' not in html
    links = set(re.findall(r'href="([^"]*)"', html))
    assert {link.split("/track/")[0] for link in links} == {BASE_URL}
    assert all(link == BASE_URL or LINK_PATTERN.fullmatch(link) for link in links), links
    assert f"We received your request “{PHISH_SUBJECT}”" in text
    assert "did not send this request" in text and "did not send this request" in html


async def test_guest_email_payloads_hold_no_token_and_the_rendered_link_still_opens_the_ticket(
    client: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    result = await submit_as_stranger(client, email="Visitor@Example.net")
    number, ref = result["ticket"]["number"], result["trackingRef"]
    asked = await gql_data(client, LINK, {"i": {"email": "visitor@example.net", "trackingRef": ref}})
    assert asked["requestGuestLink"] == {"accepted": True, "errors": []}

    rows = await OutboxMessage.filter(channel="email").order_by("id").values("topic", "payload")
    assert [row["topic"] for row in rows] == ["guest_ticket_created", "guest_access_link"]
    for row in rows:
        stored = json.dumps(row["payload"])
        assert "hdg_" not in stored and "/track/" not in stored, stored

    assert await deliver_pending_emails({}) == 2

    assert len(smtp_server.messages) == 2
    for message in smtp_server.messages:
        text, html = parts(message)
        found = LINK_PATTERN.search(text)
        assert found is not None, text
        assert found.group(0) in html
        # The emailed token is a working guest credential for exactly this ticket.
        seen = await gql_data(client, ONE, {"n": number}, found.group(1))
        assert seen["ticket"] == {"number": number, "subject": PHISH_SUBJECT}
