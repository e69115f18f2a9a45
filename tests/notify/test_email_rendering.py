"""What the emails say: every shipped template renders, text people typed is escaped, and an internal note (or a
reply that is gone) is never sent, checked again at send time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core import clock
from core.enums import OutboxStatus, Role
from jobs.email import deliver_email, deliver_pending_emails
from models.outbox import OutboxMessage
from models.replies import Reply
from models.tickets import Ticket
from resolvers.kernel.markdown import render_markdown
from resolvers.notify.email_templates import GUEST_TOPICS, TOPICS, render_message
from tests import smtp
from tests.helpers import make_category, make_guest, make_person, make_ticket
from tests.smtp import BASE_URL, SmtpServer, queue, requester_ticket

# The SMTP fixture, used by name.
smtp_server = smtp.smtp_server


async def sent_text(server: SmtpServer) -> tuple[str, str]:
    assert len(server.messages) == 1
    message = server.messages[0]
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


@pytest.mark.parametrize("topic", TOPICS)
async def test_every_shipped_template_renders_completely(db: str, smtp_server: SmtpServer, topic: str) -> None:
    _, ticket = await requester_ticket()
    if topic in GUEST_TOPICS:
        await make_guest(ticket, email="someone@example.com")
    reply = await Reply.create(ticket=ticket, body="Have you tried turning it off?", internal=False)
    context: dict[str, Any] = {"reply_id": reply.id, "reason": "Still broken"}

    rendered = await render_message(topic, ticket.id, {"to": "someone@example.com", "number": ticket.number, **context})

    assert rendered.subject.startswith(f"[#{ticket.number}] ")
    expected_link = f"{BASE_URL}/track/hdg_" if topic in GUEST_TOPICS else f"{BASE_URL}/tickets/{ticket.number}"
    assert expected_link in rendered.text and expected_link in rendered.html
    assert rendered.subject.endswith("Printer on fire")
    for part in (rendered.subject, rendered.text, rendered.html):
        assert "$" not in part, f"{topic}: a placeholder was left unfilled"
    assert rendered.html.lstrip().startswith("<!DOCTYPE html>")


async def test_what_people_typed_is_escaped_in_html_and_kept_on_one_subject_line(
    db: str, smtp_server: SmtpServer
) -> None:
    person = await make_person()
    ticket = await make_ticket(
        await make_category(), requester=person, subject="Broken <b>bold</b>\r\nBcc: x@evil.test"
    )
    ticket.description = '<script>alert("x")</script> & <a href="javascript:alert(1)">click</a>'
    await ticket.save()
    await queue("ticket_created", ticket, person.user.email)

    assert await deliver_pending_emails({}) == 1

    message = smtp_server.messages[0]
    assert message["Bcc"] is None
    assert message["Subject"] == f"[#{ticket.number}] Broken <b>bold</b> Bcc: x@evil.test"
    text, html = await sent_text(smtp_server)
    assert "<script>" not in html and "&lt;script&gt;alert(" in html
    assert '<a href="javascript:' not in html and "&lt;a href=" in html  # shown as text, never a link
    assert '<script>alert("x")</script>' in text  # plain text shows what was typed, as text


async def test_a_public_reply_is_emailed_with_its_author_and_body(db: str, smtp_server: SmtpServer) -> None:
    person, ticket = await requester_ticket()
    staff = await make_person(Role.STAFF, name="Dana Fixit")
    body = "Replaced the **fuser**. See [the manual](https://example.com/m) or [this](javascript:alert(1))."
    # The HTML a write through the API stores with the text (tests/kernel/test_markdown_bounds.py covers that path).
    reply = await Reply.create(ticket=ticket, author=staff.user, body=body, body_html=render_markdown(body))
    await queue("reply_added", ticket, person.user.email, reply_id=reply.id)

    assert await deliver_pending_emails({}) == 1

    assert smtp_server.messages[0]["Subject"] == f"[#{ticket.number}] New reply: Printer on fire"
    text, html = await sent_text(smtp_server)
    assert "Dana Fixit" in text and body in text  # the text part shows the Markdown as typed
    assert "Dana Fixit" in html and "Replaced the <strong>fuser</strong>." in html
    assert 'href="https://example.com/m"' in html and "javascript:" not in html


async def _reply_row_fails(ticket: Ticket, reply_id: int, server: SmtpServer, reason: str) -> None:
    outbox_id = await queue("reply_added", ticket, "requester@example.com", reply_id=reply_id)
    assert await deliver_email({}, outbox_id) is False
    assert await deliver_pending_emails({}) == 0
    row = await OutboxMessage.get(id=outbox_id)
    assert row.status is OutboxStatus.FAILED
    assert row.last_error is not None and reason in row.last_error
    assert row.attempts == 1
    assert server.received == []


async def test_an_internal_note_is_never_emailed(db: str, smtp_server: SmtpServer) -> None:
    _, ticket = await requester_ticket()
    staff = await make_person(Role.STAFF)
    note = await Reply.create(ticket=ticket, author=staff.user, body="Requester is a VIP, careful.", internal=True)

    await _reply_row_fails(ticket, note.id, smtp_server, "internal note")


async def test_a_reply_turned_into_a_note_after_queueing_is_not_emailed(db: str, smtp_server: SmtpServer) -> None:
    _, ticket = await requester_ticket()
    reply = await Reply.create(ticket=ticket, body="Secret after all.", internal=False)
    outbox_id = await queue("reply_added", ticket, "requester@example.com", reply_id=reply.id)
    reply.internal = True
    await reply.save()

    assert await deliver_email({}, outbox_id) is False
    assert (await OutboxMessage.get(id=outbox_id)).status is OutboxStatus.FAILED
    assert smtp_server.received == []


async def test_a_deleted_reply_is_not_emailed(db: str, smtp_server: SmtpServer) -> None:
    _, ticket = await requester_ticket()
    reply = await Reply.create(ticket=ticket, body="Oops.", internal=False, deleted_at=datetime.now(UTC))

    await _reply_row_fails(ticket, reply.id, smtp_server, "deleted")


async def test_a_reply_of_another_ticket_is_not_emailed(db: str, smtp_server: SmtpServer) -> None:
    _, ticket = await requester_ticket()
    other = await make_ticket(await make_category())
    reply = await Reply.create(ticket=other, body="Not yours.", internal=False)

    await _reply_row_fails(ticket, reply.id, smtp_server, "does not exist")


async def test_resolution_notes_reason_and_guest_link_reach_the_message(db: str, smtp_server: SmtpServer) -> None:
    clock.set_now(None)
    _, ticket = await requester_ticket()
    guest_ticket = await make_ticket(await make_category(), subject="Scanner jammed")
    guest_ticket.tracking_ref = "TRK-42"
    await guest_ticket.save()
    await make_guest(guest_ticket, email="c@example.com")
    await queue("ticket_resolved", ticket, "a@example.com", resolution_notes="Swapped the toner.")
    await queue("ticket_reopened", ticket, "b@example.com", reason="It smokes again.")
    # A row queued before links were made at send time: the stored link is ignored, a fresh one is made.
    await queue("guest_access_link", guest_ticket, "c@example.com", access_url=f"{BASE_URL}/track/hdg_stale")

    assert await deliver_pending_emails({}) == 3

    by_recipient = {r.recipients[0]: r.message for r in smtp_server.received}
    bodies = {address: m.get_body(("plain",)).get_content() for address, m in by_recipient.items()}  # type: ignore[union-attr]
    assert "Swapped the toner." in bodies["a@example.com"]
    assert "It smokes again." in bodies["b@example.com"]
    assert f"{BASE_URL}/track/hdg_{guest_ticket.id}." in bodies["c@example.com"] and "TRK-42" in bodies["c@example.com"]
    assert "hdg_stale" not in bodies["c@example.com"] and f"{BASE_URL}/tickets/" not in bodies["c@example.com"]


@pytest.mark.parametrize("topic", GUEST_TOPICS)
async def test_guest_emails_go_only_to_the_guest_of_a_guest_ticket(
    db: str, smtp_server: SmtpServer, topic: str
) -> None:
    _, user_ticket = await requester_ticket()
    guest_ticket = await make_ticket(await make_category())
    await make_guest(guest_ticket, email="guest@example.net")
    refused = [
        await queue(topic, user_ticket, "requester@example.com"),  # a requester signs in instead
        await queue(topic, guest_ticket, "someone.else@example.net"),  # the guest's address changed since
    ]

    assert await deliver_pending_emails({}) == 0

    for outbox_id in refused:
        row = await OutboxMessage.get(id=outbox_id)
        assert row.status is OutboxStatus.FAILED and row.last_error and "only to the guest" in row.last_error
    assert smtp_server.received == []


async def test_an_unknown_topic_fails_without_sending(db: str, smtp_server: SmtpServer) -> None:
    _, ticket = await requester_ticket()
    outbox_id = await queue("no_such_template", ticket, "a@example.com")

    assert await deliver_email({}, outbox_id) is False

    row = await OutboxMessage.get(id=outbox_id)
    assert row.status is OutboxStatus.FAILED and row.last_error and "no_such_template" in row.last_error
    assert smtp_server.received == []
