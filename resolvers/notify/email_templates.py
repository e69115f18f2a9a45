"""Turning an outbox email row into a message people can read: subject, plain text and HTML.

Templates are Jinja2 (sandboxed, resolvers/notify/template_engine.py): an admin's version saved by
resolvers/notify/template_store.py, else the files shipped in resolvers/notify/templates/ (`<topic>.subject.txt`,
`<topic>.txt`, `<topic>.html`). Every value is HTML-escaped in the HTML part and stripped of line breaks in the
subject, so text people typed can never inject markup or headers; Markdown fields are also offered to the HTML
part as `{{ <name>_html }}`: the description and a reply's body as the safe HTML
stored when they were written (never rendered again here), resolution notes and a reopening's reason (short,
staff-written, stored without HTML) rendered in a bounded worker (resolvers/kernel/markdown_bounded.py), or shown as
escaped text when that fails.

Rendering reads what it needs from the database at send time (the ticket's subject, a reply's body). A row
that must not be sent (an internal note, a reply deleted before delivery, a ticket that no longer exists)
raises `Undeliverable`; the mailer then marks it FAILED without sending anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from jinja2 import TemplateError

from core.config import get_config
from models.accounts import Group, User
from models.email_templates import EmailTemplate
from models.replies import Reply
from models.statuses import Status
from models.tickets import Ticket
from resolvers.guests.tokens import guest_access_url, issue_guest_token
from resolvers.kernel.markdown import plain_text_html
from resolvers.kernel.markdown_bounded import render_or_escape
from resolvers.notify.template_engine import fill, sample_values

log = logging.getLogger(__name__)

TOPICS = (
    "ticket_created",
    "ticket_assigned",
    "ticket_reassigned",
    "reply_added",
    "ticket_resolved",
    "ticket_closed",
    "ticket_reopened",
    "guest_ticket_created",
    "guest_access_link",
    "sla_at_risk",
    "sla_breached",
)
PARTS = ("subject.txt", "txt", "html")
# Emails whose whole point is the guest's access link: they go to the guest of a guest ticket or nowhere.
GUEST_TOPICS = ("guest_ticket_created", "guest_access_link")


# The SLA warnings (resolvers/tickets/sla_alerts.py) and the payload key of the moment each is about.
SLA_TOPICS = {"sla_at_risk": "due_at", "sla_breached": "breached_at"}


def email_time(moment: datetime | None) -> str:
    """A moment as emails show it: minutes, UTC (a naive time is UTC)."""
    if moment is None:
        return "not set"
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


class Undeliverable(Exception):
    """This row must never be sent; the message says why (it becomes the row's lastError)."""


@dataclass(frozen=True)
class Sources:
    """One topic's three templates, as Jinja source."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def default_template(topic: str, part: str) -> str:
    """The shipped template text for one part ("subject.txt", "txt" or "html") of a topic."""
    if topic not in TOPICS or part not in PARTS:
        raise Undeliverable(f"there is no email template for topic {topic!r}.")
    return resources.files("resolvers.notify").joinpath("templates", f"{topic}.{part}").read_text(encoding="utf-8")


def default_sources(topic: str) -> Sources:
    subject, text, html_part = (default_template(topic, part) for part in PARTS)
    return Sources(subject=subject, text=text, html=html_part)


# In a test email's payload (sendTestEmail): fill the templates with sample data, not a ticket's.
SAMPLE_FLAG = "sample"


async def saved_sources(topic: str) -> Sources:
    """The admin's templates for the topic (template_store), or the shipped ones."""
    rows = await EmailTemplate.filter(topic=topic).values("subject", "text", "html")
    return Sources(**rows[0]) if rows else default_sources(topic)


def ticket_url(number: int) -> str:
    return f"{get_config().base_url}/tickets/{number}"


def render(topic: str, sources: Sources, values: dict[str, str]) -> Rendered:
    """Fill the topic's three templates (template_engine.fill: escaped HTML, one-line subject).

    `values` are plain text, plus `<name>_html` entries holding HTML that is already safe (Markdown rendered by
    resolvers/kernel/markdown.py), which the HTML part shows as they are. Raises jinja2's TemplateError.
    """
    return Rendered(
        subject=fill(topic, "subject", sources.subject, values),
        text=fill(topic, "text", sources.text, values),
        html=fill(topic, "html", sources.html, values),
    )


@dataclass(frozen=True)
class TemplateValues:
    text: dict[str, str]
    """Plain text for every placeholder (escaped in the HTML part)."""
    stored_html: dict[str, str]
    """`<name>_html` for the Markdown fields whose safe HTML is stored with them."""


async def template_values(topic: str, ticket_id: int | None, payload: dict[str, Any]) -> TemplateValues:
    """Everything a template may use: the payload's plain values, then facts read from the database now."""
    values = {key: str(value) for key, value in payload.items() if isinstance(value, str | int) and value is not None}
    values["recipient"] = str(payload.get("to") or "")
    values["helpdesk_url"] = get_config().base_url
    ticket = await _ticket(ticket_id, payload)
    number = ticket.number or ticket.id
    if topic in GUEST_TOPICS and not _is_its_guest(ticket, values["recipient"]):
        raise Undeliverable(f"{topic} goes only to the guest of a guest ticket; #{number} has none by that address.")
    # Never from the payload: a token at rest in the outbox would be a live credential (docs/guests.md).
    link = await _link_for(ticket, values["recipient"])
    values.update(
        number=str(number),
        subject=ticket.subject,
        description=ticket.description,
        ticket_url=ticket_url(number),
        link=str(link),
        access_url=str(link),
        tracking_ref=ticket.tracking_ref or "",
        status=await _name(Status, ticket.status_id),
        assignee_name=await _name(User, ticket.assignee_id, "nobody"),
        group_name=await _name(Group, ticket.assigned_group_id, "no group"),
        resolution_notes=str(payload.get("resolution_notes") or ticket.resolution_notes or "No notes were given."),
        reason=str(payload.get("reason") or "No reason was given."),
    )
    if topic in SLA_TOPICS:
        # Queued with the moment the warning is about; a row without it shows the ticket's breach moment now.
        values.setdefault(SLA_TOPICS[topic], email_time(ticket.sla_breach_at))
    stored_html = {"description_html": _stored(ticket.description_html, ticket.description)}
    if topic == "reply_added":
        reply = await _reply(ticket, payload)
        values.update(await _reply_values(reply))
        stored_html["reply_body_html"] = _stored(reply.body_html, reply.body)
    return TemplateValues(values, stored_html)


def _stored(html_value: str | None, source: str) -> str:
    # A row written outside the API before the start-up backfill has no HTML yet: its text, escaped.
    return html_value if html_value is not None else plain_text_html(source)


# Markdown text stored without its HTML; rendered (bounded) only when the topic's HTML template shows it.
RENDERED_AT_SEND = ("resolution_notes", "reason")


async def render_message(topic: str, ticket_id: int | None, payload: dict[str, Any]) -> Rendered:
    """The finished subject, text and HTML for one outbox row, or Undeliverable. Uses the admin's templates
    when saved (template_store), else the shipped ones; a test email (sendTestEmail) is filled with sample data."""
    if topic not in TOPICS:
        raise Undeliverable(f"there is no email template for topic {topic!r}.")
    sources = await saved_sources(topic)
    if payload.get(SAMPLE_FLAG) is True:
        return render(topic, sources, {**sample_values(topic), "recipient": str(payload.get("to") or "")})
    values = await template_values(topic, ticket_id, payload)
    filled = {**values.text, **values.stored_html}
    for key in RENDERED_AT_SEND:
        if f"{key}_html" in sources.html:
            filled[f"{key}_html"] = await render_or_escape(values.text[key])
    try:
        return render(topic, sources, filled)
    except TemplateError:
        # Saved templates passed the same checks with sample data; should one still fail on real values, the
        # email goes out with the shipped text rather than not at all.
        log.warning("email template for %s failed; sending the shipped default", topic, exc_info=True)
        for key in RENDERED_AT_SEND:
            filled[f"{key}_html"] = filled.get(f"{key}_html") or await render_or_escape(values.text[key])
        return render(topic, default_sources(topic), filled)


async def _ticket(ticket_id: int | None, payload: dict[str, Any]) -> Ticket:
    ticket = await Ticket.get_or_none(id=ticket_id) if ticket_id is not None else None
    if ticket is None and isinstance(payload.get("number"), int):
        ticket = await Ticket.get_or_none(number=payload["number"])
    if ticket is None:
        raise Undeliverable(f"ticket #{payload.get('number', '?')} no longer exists.")
    return ticket


def _is_its_guest(ticket: Ticket, recipient: str) -> bool:
    guest = ticket.guest_email
    return ticket.requester_id is None and bool(guest) and recipient.lower() == str(guest).lower()


async def _link_for(ticket: Ticket, recipient: str) -> str:
    """Where the email's button leads: the ticket page, or for the guest of a guest ticket (who has no account to
    sign in with) a fresh access link, made at send time so it is valid for `guest_link_days` from delivery and
    never stored anywhere."""
    if _is_its_guest(ticket, recipient):
        return guest_access_url(await issue_guest_token(ticket.id, str(ticket.guest_email)))
    return ticket_url(ticket.number or ticket.id)


async def _name(model: type[Status] | type[User] | type[Group], key: int | None, missing: str = "") -> str:
    if key is None:
        return missing
    names: list[Any] = await model.filter(id=key).values_list("name", flat=True)
    return str(names[0]) if names else missing


async def _reply(ticket: Ticket, payload: dict[str, Any]) -> Reply:
    """The reply being announced. Checked here, at send time, as well as when it was queued: an internal note
    (or a reply deleted or moved since) is never emailed."""
    reply_id = payload.get("reply_id")
    reply = await Reply.get_or_none(id=reply_id) if isinstance(reply_id, int) else None
    if reply is None or reply.ticket_id != ticket.id:
        raise Undeliverable(f"reply {reply_id} of ticket #{ticket.number} does not exist.")
    if reply.internal:
        raise Undeliverable(f"reply {reply_id} is an internal note; internal notes are never emailed.")
    if reply.deleted_at is not None:
        raise Undeliverable(f"reply {reply_id} was deleted before it was delivered.")
    return reply


async def _reply_values(reply: Reply) -> dict[str, str]:
    author = await _name(User, reply.author_id, "") if reply.author_id else ""
    return {"reply_author": author or reply.guest_email or "Someone", "reply_body": reply.body}
