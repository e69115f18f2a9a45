"""Admins' email templates (issue 11.1): list, change, reset, preview and send a test of each topic's templates.

A topic's templates are the shipped default until an admin saves a version (a row in `email_templates`, keyed
by topic); reset deletes the row. A version is checked as a whole before it is saved (template_engine.check:
compiles, no include, only the topic's documented variables, fills with sample data), and every change writes
one audit entry with the before and after text.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models.email_templates import EmailTemplate
from resolvers.kernel.actor import Actor, require_admin
from resolvers.kernel.audit import record
from resolvers.kernel.errors import Problems, Reason
from resolvers.notify.email_templates import (
    SAMPLE_FLAG,
    TOPICS,
    Rendered,
    Sources,
    default_sources,
    render,
    saved_sources,
)
from resolvers.notify.outbox import queue_email
from resolvers.notify.template_engine import PART_FIELDS, Variable, check, sample_values, variables

_ENTITY = "email_template"


@dataclass(frozen=True)
class TopicTemplates:
    topic: str
    sources: Sources
    customised: bool
    variables: list[Variable]


@dataclass(frozen=True)
class Draft:
    """What updateEmailTemplate / previewEmailTemplate were given; None: the saved (or shipped) part."""

    subject: str | None = None
    text: str | None = None
    html: str | None = None


def _topic(topic: str) -> str:
    if topic not in TOPICS:
        problems = Problems()
        problems.add("topic", f"{topic!r} is not an email topic; topics are {', '.join(TOPICS)}.", Reason.NOT_A_TOPIC)
        problems.raise_if_any()
    return topic


def _topic_templates(topic: str, saved: dict[str, Sources]) -> TopicTemplates:
    sources = saved.get(topic)
    return TopicTemplates(topic, sources or default_sources(topic), sources is not None, variables(topic))


async def list_templates(actor: Actor | None) -> list[TopicTemplates]:
    """Admins only; every topic in TOPICS order, one statement."""
    require_admin(actor)
    rows = await EmailTemplate.all().values("topic", "subject", "text", "html")
    saved = {row.pop("topic"): Sources(**row) for row in rows}
    return [_topic_templates(topic, saved) for topic in TOPICS]


def _checked(topic: str, base: Sources, draft: Draft) -> Sources:
    """The draft over `base`, every part checked (all problems at once, each naming its part)."""
    sources = Sources(
        subject=draft.subject if draft.subject is not None else base.subject,
        text=draft.text if draft.text is not None else base.text,
        html=draft.html if draft.html is not None else base.html,
    )
    problems = Problems()
    for part in PART_FIELDS:
        check(problems, topic, part, getattr(sources, part))
    problems.raise_if_any()
    return sources


def _audit_values(sources: Sources) -> dict[str, str]:
    return {"subject": sources.subject, "text": sources.text, "html": sources.html}


async def update_template(actor: Actor | None, topic: str, draft: Draft) -> TopicTemplates:
    """Admins only. Parts left out keep their current text; the whole version is checked, then saved."""
    actor = require_admin(actor)
    before = await saved_sources(_topic(topic))
    sources = _checked(topic, before, draft)
    async with in_transaction():
        changed = await EmailTemplate.filter(topic=topic).update(**_audit_values(sources))
        if not changed:
            await EmailTemplate.create(topic=topic, subject=sources.subject, text=sources.text, html=sources.html)
        await record(actor, "email_template.updated", _ENTITY, topic,
                     before=_audit_values(before), after=_audit_values(sources))  # fmt: skip
    return TopicTemplates(topic, sources, True, variables(topic))


async def reset_template(actor: Actor | None, topic: str) -> TopicTemplates:
    """Admins only. Back to the shipped default; nothing is written when the topic was not customised."""
    actor = require_admin(actor)
    before = await saved_sources(_topic(topic))
    async with in_transaction():
        if await EmailTemplate.filter(topic=topic).delete():
            await record(actor, "email_template.reset", _ENTITY, topic, before=_audit_values(before),
                         after=_audit_values(default_sources(topic)))  # fmt: skip
    return TopicTemplates(topic, default_sources(topic), False, variables(topic))


async def preview_template(actor: Actor | None, topic: str, draft: Draft) -> Rendered:
    """Admins only. The draft (parts left out: the saved ones) filled with sample data; nothing is saved."""
    actor = require_admin(actor)
    sources = _checked(topic, await saved_sources(_topic(topic)), draft)
    return render(topic, sources, {**sample_values(topic), "recipient": actor.email})


async def send_test_email(actor: Actor | None, topic: str) -> str:
    """Admins only. Queue the saved templates, filled with sample data, to the admin's own address; delivered
    by the outbox like every email (so it also shows whether delivery works). Returns the address."""
    actor = require_admin(actor)
    await queue_email(_topic(topic), ticket_id=None, to=[actor.email], context={SAMPLE_FLAG: True})
    return actor.email
