"""Email templates: the admin's list and updateEmailTemplate / resetEmailTemplate / previewEmailTemplate /
sendTestEmail (rules in resolvers/notify/template_store.py)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.notify import template_store as rules
from resolvers.notify.email_templates import Rendered
from schema.context import Info
from schema.errors import INPUT, UserError, mutate, query

_TOPIC = "The email topic, e.g. ticket_created (the emailTemplates query lists them)."
_SUBJECT = "Subject template (Jinja, sandboxed); values and result are collapsed to one line."
_TEXT = "Plain-text body template (Jinja, sandboxed)."
_HTML = "HTML body template (Jinja, sandboxed); every value is HTML-escaped except the *_html ones."
_LEAVE = " Left out: the current one stays."
_ERRORS = "Why the request was refused; empty on success."


@strawberry.type(description="A value an email template may use, e.g. {{ subject }}.")
class EmailTemplateVariable:
    name: str = strawberry.field(description="Its name in the template.")
    description: str = strawberry.field(description="What it holds.")
    sample: str = strawberry.field(description="The value previews and test emails use.")


@strawberry.type(description="One email topic's templates: the admin's version, or the shipped default.")
class EmailTemplate:
    topic: str = strawberry.field(description=_TOPIC)
    subject: str = strawberry.field(description=_SUBJECT)
    text: str = strawberry.field(description=_TEXT)
    html: str = strawberry.field(description=_HTML)
    customised: bool = strawberry.field(description="True when an admin's version is used instead of the default.")
    variables: list[EmailTemplateVariable] = strawberry.field(description="Every variable the templates may use.")

    @classmethod
    def of(cls, found: rules.TopicTemplates) -> EmailTemplate:
        return cls(
            topic=found.topic,
            subject=found.sources.subject,
            text=found.sources.text,
            html=found.sources.html,
            customised=found.customised,
            variables=[EmailTemplateVariable(name=v.name, description=v.description, sample=v.sample)
                       for v in found.variables],
        )  # fmt: skip


@strawberry.type(description="An email as it would be sent, filled with sample data.")
class RenderedEmail:
    subject: str = strawberry.field(description="The subject line.")
    text: str = strawberry.field(description="The plain-text part.")
    html: str = strawberry.field(description="The HTML part.")

    @classmethod
    def of(cls, rendered: Rendered) -> RenderedEmail:
        return cls(subject=rendered.subject, text=rendered.text, html=rendered.html)


@strawberry.input(description="A new version of a topic's templates; it is checked as a whole before it is saved.")
class UpdateEmailTemplateInput:
    topic: str = strawberry.field(description=_TOPIC)
    subject: str | None = strawberry.field(default=None, description=_SUBJECT + _LEAVE)
    text: str | None = strawberry.field(default=None, description=_TEXT + _LEAVE)
    html: str | None = strawberry.field(default=None, description=_HTML + _LEAVE)


@strawberry.input(description="Templates to render with sample data, without saving them.")
class PreviewEmailTemplateInput:
    topic: str = strawberry.field(description=_TOPIC)
    subject: str | None = strawberry.field(default=None, description=_SUBJECT + " Left out: the saved one.")
    text: str | None = strawberry.field(default=None, description=_TEXT + " Left out: the saved one.")
    html: str | None = strawberry.field(default=None, description=_HTML + " Left out: the saved one.")


@strawberry.input(description="The topic whose templates go back to the shipped default.")
class ResetEmailTemplateInput:
    topic: str = strawberry.field(description=_TOPIC)


@strawberry.input(description="The topic whose saved templates to send as a test.")
class SendTestEmailInput:
    topic: str = strawberry.field(description=_TOPIC)


@strawberry.type(description="The result of updateEmailTemplate and resetEmailTemplate.")
class EmailTemplatePayload:
    template: EmailTemplate | None = strawberry.field(description="The topic's templates now; null when refused.")
    errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="The result of previewEmailTemplate.")
class PreviewEmailTemplatePayload:
    preview: RenderedEmail | None = strawberry.field(description="The email with sample data; null when refused.")
    errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="The result of sendTestEmail.")
class SendTestEmailPayload:
    sent_to: str | None = strawberry.field(description="The address the test email was queued for.")
    errors: list[UserError] = strawberry.field(description=_ERRORS)


def _draft(input: UpdateEmailTemplateInput | PreviewEmailTemplateInput) -> rules.Draft:
    return rules.Draft(subject=input.subject, text=input.text, html=input.html)


def _payload(found: rules.TopicTemplates | None, errors: list[UserError]) -> EmailTemplatePayload:
    return EmailTemplatePayload(template=EmailTemplate.of(found) if found else None, errors=errors)


@strawberry.type
class Query:
    @strawberry.field(description="Every email topic's templates with their variables. Admins only.")
    async def email_templates(self, info: Info) -> list[EmailTemplate]:
        return [EmailTemplate.of(found) for found in await query(info, rules.list_templates)]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Save an admin's version of a topic's templates, used for every later email of that topic. "
        "Refused, naming the part, when it does not compile or uses an unknown variable. Admins only."
    )
    async def update_email_template(
        self, info: Info, input: Annotated[UpdateEmailTemplateInput, INPUT]
    ) -> EmailTemplatePayload:
        draft = _draft(input)
        return _payload(*await mutate(info, lambda actor: rules.update_template(actor, input.topic, draft)))

    @strawberry.mutation(description="Go back to the shipped default templates of a topic. Admins only.")
    async def reset_email_template(
        self, info: Info, input: Annotated[ResetEmailTemplateInput, INPUT]
    ) -> EmailTemplatePayload:
        return _payload(*await mutate(info, lambda actor: rules.reset_template(actor, input.topic)))

    @strawberry.mutation(
        description="Render a topic's templates (the given parts, else the saved ones) with sample data, without "
        "saving anything. Admins only."
    )
    async def preview_email_template(
        self, info: Info, input: Annotated[PreviewEmailTemplateInput, INPUT]
    ) -> PreviewEmailTemplatePayload:
        draft = _draft(input)
        rendered, errors = await mutate(info, lambda actor: rules.preview_template(actor, input.topic, draft))
        return PreviewEmailTemplatePayload(preview=RenderedEmail.of(rendered) if rendered else None, errors=errors)

    @strawberry.mutation(
        description="Send the topic's saved templates, filled with sample data, to your own address, through the "
        "outbox like every email. Admins only."
    )
    async def send_test_email(self, info: Info, input: Annotated[SendTestEmailInput, INPUT]) -> SendTestEmailPayload:
        sent_to, errors = await mutate(info, lambda actor: rules.send_test_email(actor, input.topic))
        return SendTestEmailPayload(sent_to=sent_to, errors=errors)
