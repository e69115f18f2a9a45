"""Admins' email templates through GraphQL: edit (used by the next real email), preview, send a test (caught by a
real SMTP server), reset; a broken template refused with its position; a template that reaches for a note, a
Python object's attributes or a file gets nothing; admins only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from core.enums import Role
from jobs.email import deliver_pending_emails
from models.audit import AuditEntry
from models.email_templates import EmailTemplate
from models.outbox import OutboxMessage
from models.replies import Reply
from resolvers.kernel.errors import Problems, Reason
from resolvers.notify.email_templates import TOPICS, default_sources, render_message
from resolvers.notify.template_engine import PART_FIELDS, check, fill, variables
from tests import smtp
from tests.helpers import (
    assert_admins_only,
    assert_query_refused,
    gql,
    gql_data,
    make_guest,
    make_person,
    mutation_document,
    mutation_payload,
    refusals,
)
from tests.smtp import SmtpServer, queue, requester_ticket

smtp_server = smtp.smtp_server

TEMPLATE = "template { topic subject text html customised variables { name } }"
UPDATE = mutation_document("updateEmailTemplate", TEMPLATE)
RESET = mutation_document("resetEmailTemplate", TEMPLATE)
PREVIEW = mutation_document("previewEmailTemplate", "preview { subject text html }")
SEND_TEST = mutation_document("sendTestEmail", "sentTo")
LIST = "{ emailTemplates { topic subject text html customised variables { name description sample } } }"


async def update(client: httpx.AsyncClient, token: str, **input: Any) -> dict[str, Any]:
    return await mutation_payload(client, UPDATE, "updateEmailTemplate", token, {"topic": "ticket_created", **input})


async def nothing_saved() -> None:
    assert await EmailTemplate.all().count() == 0
    assert await AuditEntry.filter(entity_type="email_template").count() == 0


def test_every_shipped_default_passes_the_checks_an_admin_version_must_pass() -> None:
    for topic in TOPICS:
        problems = Problems()
        for part in PART_FIELDS:
            check(problems, topic, part, getattr(default_sources(topic), part))
        assert problems.errors == [], topic


def test_text_people_typed_is_escaped_in_html_even_with_autoescape_turned_off() -> None:
    source = "{% autoescape false %}{{ subject }}{% endautoescape %}{{ subject|e }}"
    assert fill("ticket_created", "html", source, {"subject": "<b>x</b>"}) == "&lt;b&gt;x&lt;/b&gt;" * 2


def test_no_topic_offers_a_variable_that_could_hold_an_internal_note() -> None:
    for topic in TOPICS:
        names = {variable.name for variable in variables(topic)}
        assert not any("note" in name and not name.startswith("resolution_notes") for name in names), topic
        assert "internal" not in " ".join(names)
        if topic != "reply_added":
            assert not names & {"reply_body", "reply_body_html", "reply_author"}, topic


async def test_admin_lists_every_topic_with_its_default_and_documented_variables(
    db: str, client: httpx.AsyncClient
) -> None:
    admin = await make_person(Role.ADMIN)
    listed = (await gql_data(client, LIST, token=admin.token))["emailTemplates"]
    assert [entry["topic"] for entry in listed] == list(TOPICS)
    created = listed[0]
    assert created["subject"] == default_sources("ticket_created").subject == "[#{{ number }}] {{ subject }}\n"
    assert created["customised"] is False
    names = {v["name"]: v for v in created["variables"]}
    assert {"number", "subject", "link", "description_html"} <= set(names)
    assert names["subject"]["description"] and names["subject"]["sample"] == "Printer on fire"
    reply = next(entry for entry in listed if entry["topic"] == "reply_added")
    assert {"reply_author", "reply_body", "reply_body_html"} <= {v["name"] for v in reply["variables"]}


async def test_an_edited_template_is_used_by_the_next_email_and_reset_brings_the_default_back(
    db: str, client: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    admin = await make_person(Role.ADMIN)
    payload = await update(
        client, admin.token,
        subject="New: {{ subject|upper }}\n(#{{ number }})",
        html="<p>{{ subject }}</p>{{ description_html }}",
    )  # fmt: skip
    assert payload["errors"] == []
    assert payload["template"]["customised"] is True
    assert payload["template"]["text"] == default_sources("ticket_created").text  # left out: kept
    entry = await AuditEntry.get(entity_type="email_template", entity_id="ticket_created")
    assert entry.action == "email_template.updated"
    assert entry.after["subject"].startswith("New:")  # type: ignore[index]

    person, ticket = await requester_ticket(subject="Printer <on> fire")
    await queue("ticket_created", ticket, person.user.email)
    assert await deliver_pending_emails({}) == 1
    message = smtp_server.messages[-1]
    assert message["Subject"] == f"New: PRINTER <ON> FIRE (#{ticket.number})"
    html = message.get_body(("html",))
    assert html is not None and html.get_content().startswith("<p>Printer &lt;on&gt; fire</p><p>")

    reset = await mutation_payload(client, RESET, "resetEmailTemplate", admin.token, {"topic": "ticket_created"})
    assert reset["errors"] == [] and reset["template"]["customised"] is False
    assert reset["template"]["subject"] == default_sources("ticket_created").subject
    assert await EmailTemplate.all().count() == 0
    assert await AuditEntry.filter(entity_type="email_template", action="email_template.reset").count() == 1
    await queue("ticket_created", ticket, person.user.email)
    assert await deliver_pending_emails({}) == 1
    assert smtp_server.messages[-1]["Subject"] == f"[#{ticket.number}] Printer <on> fire"


async def test_preview_renders_sample_data_without_saving(db: str, client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    preview = await mutation_payload(
        client, PREVIEW, "previewEmailTemplate", admin.token,
        {"topic": "reply_added", "subject": "{{ reply_author }}\r\nBcc: x", "html": "<b>{{ subject }}</b>{{ reply_body_html }}"},  # noqa: E501
    )  # fmt: skip
    assert preview["errors"] == []
    rendered = preview["preview"]
    assert rendered["subject"] == "Sam Staff Bcc: x"
    assert rendered["html"] == "<b>Printer on fire</b><p>We are <strong>on it</strong>.</p>"
    assert "We are **on it**." in rendered["text"]  # the saved (shipped) text part, with sample values
    await nothing_saved()


async def test_send_test_email_delivers_the_saved_template_with_sample_data_to_the_admin(
    db: str, client: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    admin = await make_person(Role.ADMIN, email="boss@example.com")
    await update(client, admin.token, text="Test for {{ recipient }} about #{{ number }}\n")
    payload = await mutation_payload(client, SEND_TEST, "sendTestEmail", admin.token, {"topic": "ticket_created"})
    assert payload == {"sentTo": "boss@example.com", "errors": []}
    assert await deliver_pending_emails({}) == 1
    (received,) = smtp_server.received
    assert received.recipients == ["boss@example.com"]
    assert received.message["Subject"] == "[#123] Printer on fire"
    text = received.message.get_body(("plain",))
    assert text is not None and text.get_content().strip() == "Test for boss@example.com about #123"


@pytest.mark.parametrize(
    ("part", "source", "reason", "where"),
    [
        ("subject", "[#{{ number }] {{ subject }}", Reason.TEMPLATE_SYNTAX, "line 1"),
        ("text", "Hello\n{% if number %}\nno end", Reason.TEMPLATE_SYNTAX, "line 2"),
        ("html", "<p>\n  {{ nope }}</p>", Reason.UNKNOWN_VARIABLE, "line 2, column 6"),
        ("text", "x" * 20_001, Reason.TOO_LONG, "20000"),
    ],
)
async def test_a_broken_template_is_refused_with_its_part_and_position_and_nothing_is_saved(
    db: str, client: httpx.AsyncClient, part: str, source: str, reason: Reason, where: str
) -> None:
    admin = await make_person(Role.ADMIN)
    payload = await update(client, admin.token, **{part: source})
    assert refusals(payload) == [(reason, part)]
    assert where in payload["errors"][0]["message"], payload
    assert payload["template"] is None
    await nothing_saved()


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{{ ticket.__class__ }}", Reason.UNKNOWN_VARIABLE),
        ("{{ ''.__class__.__mro__ }}", Reason.TEMPLATE_UNSAFE),
        ("{{ subject.__class__.__init__.__globals__ }}", Reason.TEMPLATE_UNSAFE),
        ("{{ subject|attr('__class__') }}", Reason.TEMPLATE_UNSAFE),
        ("{% include '/etc/passwd' %}", Reason.TEMPLATE_INCLUDE),
        ("{% extends 'base.html' %}", Reason.TEMPLATE_INCLUDE),
        ("{{ range(3)|list }}", Reason.UNKNOWN_VARIABLE),
        ("{{ reply_body }}", Reason.UNKNOWN_VARIABLE),  # a reply's (or a note's) body is not a ticket_created value
        ("{{ note }}", Reason.UNKNOWN_VARIABLE),
        ("{{ 'x' * 999 * 999 * 999 }}", Reason.TEMPLATE_UNSAFE),  # memory: repetition is capped
        ("{{ 9 ** 99999999 }}", Reason.TEMPLATE_UNSAFE),
        ("{{ subject|safe }}", Reason.TEMPLATE_SYNTAX),  # people's text is always escaped in HTML
    ],
)
async def test_a_template_reaching_past_its_values_gets_nothing(
    db: str, client: httpx.AsyncClient, source: str, reason: Reason
) -> None:
    admin = await make_person(Role.ADMIN)
    for document, operation in ((UPDATE, "updateEmailTemplate"), (PREVIEW, "previewEmailTemplate")):
        payload = await mutation_payload(
            client, document, operation, admin.token, {"topic": "ticket_created", "html": source}
        )
        assert refusals(payload) == [(reason, "html")], payload
        assert "class '" not in str(payload) and "root:" not in str(payload)
    await nothing_saved()


async def test_an_internal_note_never_reaches_an_email_to_a_user_or_guest_whatever_the_template(
    db: str, client: httpx.AsyncClient
) -> None:
    admin = await make_person(Role.ADMIN)
    every_variable = "".join("{{ " + variable.name + " }}|" for variable in variables("reply_added"))
    assert (await update(client, admin.token, topic="reply_added", text=every_variable, html=every_variable))[
        "errors"
    ] == []
    person, ticket = await requester_ticket()
    await Reply.create(ticket=ticket, body="SECRET internal remark", internal=True)
    public = await Reply.create(ticket=ticket, body="A public answer", internal=False)
    payload = {"to": person.user.email, "number": ticket.number, "reply_id": public.id}
    rendered = await render_message("reply_added", ticket.id, payload)
    assert "A public answer" in rendered.text
    await make_guest(ticket, email="guest@example.net")
    for topic in TOPICS:
        for to in (person.user.email, "guest@example.net"):
            try:
                out = await render_message(topic, ticket.id, {**payload, "to": to})
            except Exception:
                continue
            assert "SECRET" not in out.subject + out.text + out.html, topic


MUTATIONS = [
    (UPDATE, "updateEmailTemplate", {"topic": "ticket_created", "subject": "Hi"}),
    (RESET, "resetEmailTemplate", {"topic": "ticket_created"}),
    (PREVIEW, "previewEmailTemplate", {"topic": "ticket_created"}),
    (SEND_TEST, "sendTestEmail", {"topic": "ticket_created"}),
]


@pytest.mark.parametrize("role", [Role.STAFF, Role.USER, None], ids=["staff", "user", "anonymous"])
async def test_only_admins_see_or_change_templates(db: str, client: httpx.AsyncClient, role: Role | None) -> None:
    token = (await make_person(role)).token if role is not None else None
    for document, operation, input in MUTATIONS:
        body = await gql(client, document, {"input": input}, token=token)
        assert_admins_only(body, operation, signed_in=role is not None)
    body = await gql(client, LIST, token=token)
    assert_query_refused(
        body, Reason.ADMIN_ONLY if role else Reason.SIGN_IN_REQUIRED, None if role else "Query.emailTemplates"
    )
    await nothing_saved()
    assert await OutboxMessage.all().count() == 0


async def test_a_guest_gets_nothing_from_the_template_api(db: str, client: httpx.AsyncClient) -> None:
    _, ticket = await requester_ticket()
    guest = await make_guest(ticket)
    for document, operation, input in MUTATIONS:
        body = await gql(client, document, {"input": input}, token=guest.token)
        assert_query_refused(body, Reason.FIELD_NOT_ALLOWED, f"Mutation.{operation}")
    assert_query_refused(await gql(client, LIST, token=guest.token), Reason.FIELD_NOT_ALLOWED, "Query.emailTemplates")
    await nothing_saved()
    assert await OutboxMessage.all().count() == 0


async def test_an_unknown_topic_is_refused_by_name(db: str, client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    for document, operation, _ in MUTATIONS:
        payload = await mutation_payload(client, document, operation, admin.token, {"topic": "nope"})
        assert refusals(payload) == [(Reason.NOT_A_TOPIC, "topic")]
    await nothing_saved()
