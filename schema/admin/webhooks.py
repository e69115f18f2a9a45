"""Webhooks: the admin's list, createWebhook / updateWebhook / deleteWebhook, the delivery log and
redeliverWebhook (rules: resolvers/notify/webhooks.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from core.enums import OutboxStatus as StoredOutboxStatus
from resolvers.kernel.validation import KEEP
from resolvers.notify import webhooks as rules
from schema.admin.outbox_view import OutboxStatus
from schema.context import Info
from schema.errors import INPUT, UserError, mutate, query

_URL = "Where events are POSTed: an http:// or https:// URL whose host resolves to public addresses only."
# From the list the resolver checks, so the manual can never name fewer or other events.
_EVENTS = f"Event names it receives ({', '.join(rules.EVENTS)}); null or empty: every event."
_ENABLED = "Whether events are delivered to it."
_ERRORS = "Why the change was refused; empty on success."


@strawberry.type(description="A URL that receives signed ticket events. The secret is shown once, on creation.")
class Webhook:
    id: strawberry.ID = strawberry.field(description="Webhook ID.")
    url: str = strawberry.field(description=_URL)
    events: list[str] = strawberry.field(description="The events it receives; empty: every event.")
    all_events: bool = strawberry.field(description="Whether it receives every event.")
    enabled: bool = strawberry.field(description=_ENABLED)
    created_at: datetime = strawberry.field(description="When it was created.")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Webhook:
        events = list(row["events"] or [])
        return cls(
            id=strawberry.ID(str(row["id"])),
            url=row["url"],
            events=events,
            all_events=not events,
            enabled=row["enabled"],
            created_at=row["created_at"],
        )


@strawberry.type(description="One event sent (or to be sent) to one webhook, with the outcome of its last attempt.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(
        description="Delivery ID: the X-Helpdesk-Delivery header, the same on retries."
    )
    webhook_id: strawberry.ID = strawberry.field(description="The webhook it is for.")
    event: str = strawberry.field(description="The event name.")
    status: OutboxStatus = strawberry.field(description="Where delivery stands (FAILED: gave up after 5 attempts).")
    attempts: int = strawberry.field(description="Attempts made so far (a redelivery starts again at 0).")
    response_code: int | None = strawberry.field(description="The HTTP status of the last answer; null: none.")
    response_body: str | None = strawberry.field(description="The last answer's body, first 2000 characters.")
    duration_ms: int | None = strawberry.field(description="How long the last attempt took, in milliseconds.")
    last_error: str | None = strawberry.field(description="Why the last attempt failed; null after a success.")
    next_attempt_at: datetime | None = strawberry.field(description="When it is tried again; null: not planned.")
    created_at: datetime = strawberry.field(description="When the event was fanned out to the webhook.")
    delivered_at: datetime | None = strawberry.field(description="When the receiver accepted it (2xx).")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(str(row["id"])),
            webhook_id=strawberry.ID(str(row["webhook_id"])),
            event=row["topic"],
            status=OutboxStatus[StoredOutboxStatus(row["status"]).name],
            attempts=row["attempts"],
            response_code=row["response_code"],
            response_body=row["response_body"],
            duration_ms=row["duration_ms"],
            last_error=row["last_error"],
            next_attempt_at=row["next_attempt_at"],
            created_at=row["created_at"],
            delivered_at=row["delivered_at"],
        )


@strawberry.input(description="A new webhook.")
class CreateWebhookInput:
    url: str = strawberry.field(description=_URL)
    events: list[str] | None = strawberry.field(default=None, description=_EVENTS)
    enabled: bool = strawberry.field(default=True, description=_ENABLED)


@strawberry.input(description="Changes to a webhook; fields left out stay as they are.")
class UpdateWebhookInput:
    webhook_id: strawberry.ID = strawberry.field(description="The webhook to change.")
    url: str | None = strawberry.field(default=strawberry.UNSET, description=_URL)
    events: list[str] | None = strawberry.field(default=strawberry.UNSET, description=_EVENTS)
    enabled: bool | None = strawberry.field(default=strawberry.UNSET, description=_ENABLED)


@strawberry.input(description="The webhook to delete.")
class DeleteWebhookInput:
    webhook_id: strawberry.ID = strawberry.field(description="The webhook to delete.")


@strawberry.input(description="The delivery to send again.")
class RedeliverWebhookInput:
    delivery_id: strawberry.ID = strawberry.field(description="Any delivery, sent, failed or waiting.")


@strawberry.type(description="The result of createWebhook.")
class CreateWebhookPayload:
    webhook: Webhook | None = strawberry.field(description="The webhook as saved; null when refused.")
    secret: str | None = strawberry.field(
        description="The HMAC-SHA256 signing key; shown only here, once. Null when refused."
    )
    errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="The result of updateWebhook.")
class UpdateWebhookPayload:
    webhook: Webhook | None = strawberry.field(description="The webhook as saved; null when refused.")
    errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="The result of deleteWebhook.")
class DeleteWebhookPayload:
    deleted_id: strawberry.ID | None = strawberry.field(description="The ID that was deleted; null when refused.")
    errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="The result of redeliverWebhook.")
class RedeliverWebhookPayload:
    delivery: WebhookDelivery | None = strawberry.field(description="The delivery, due again; null when refused.")
    errors: list[UserError] = strawberry.field(description=_ERRORS)


def _given(value: Any) -> Any:
    return KEEP if value is strawberry.UNSET else value


def _hook(row: dict[str, Any] | None) -> Webhook | None:
    return Webhook.from_row(row) if row else None


@strawberry.type
class Query:
    @strawberry.field(description="Every webhook, oldest first (secrets are never shown). Admins only.")
    async def webhooks(self, info: Info) -> list[Webhook]:
        return [Webhook.from_row(r) for r in await query(info, rules.list_webhooks)]

    @strawberry.field(description="A webhook's delivery log, newest first. Admins only.")
    async def webhook_deliveries(
        self,
        info: Info,
        webhook_id: Annotated[strawberry.ID, strawberry.argument(description="The webhook.")],
        first: Annotated[int, strawberry.argument(description="How many, 1 to 100.")] = 25,
    ) -> list[WebhookDelivery]:
        rows = await query(info, lambda actor: rules.list_deliveries(actor, str(webhook_id), first))
        return [WebhookDelivery.from_row(r) for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add a webhook; the answer holds its signing secret, shown once. Admins only.")
    async def create_webhook(self, info: Info, input: Annotated[CreateWebhookInput, INPUT]) -> CreateWebhookPayload:
        data = rules.WebhookInput(url=input.url, events=input.events, enabled=input.enabled)
        result, errors = await mutate(info, lambda actor: rules.create_webhook(actor, data))
        row, secret = result if result else (None, None)
        return CreateWebhookPayload(webhook=_hook(row), secret=secret, errors=errors)

    @strawberry.mutation(description="Change a webhook's URL, events or whether it is enabled. Admins only.")
    async def update_webhook(self, info: Info, input: Annotated[UpdateWebhookInput, INPUT]) -> UpdateWebhookPayload:
        data = rules.WebhookInput(url=_given(input.url), events=_given(input.events), enabled=_given(input.enabled))
        row, errors = await mutate(info, lambda actor: rules.update_webhook(actor, str(input.webhook_id), data))
        return UpdateWebhookPayload(webhook=_hook(row), errors=errors)

    @strawberry.mutation(description="Delete a webhook and its delivery log. Admins only.")
    async def delete_webhook(self, info: Info, input: Annotated[DeleteWebhookInput, INPUT]) -> DeleteWebhookPayload:
        deleted, errors = await mutate(info, lambda actor: rules.delete_webhook(actor, str(input.webhook_id)))
        return DeleteWebhookPayload(deleted_id=strawberry.ID(str(deleted)) if deleted else None, errors=errors)

    @strawberry.mutation(
        description="Send a delivery again, with five fresh attempts, at the next delivery pass (within a minute). "
        "Admins only."
    )
    async def redeliver_webhook(
        self, info: Info, input: Annotated[RedeliverWebhookInput, INPUT]
    ) -> RedeliverWebhookPayload:
        row, errors = await mutate(info, lambda actor: rules.redeliver(actor, str(input.delivery_id)))
        return RedeliverWebhookPayload(delivery=WebhookDelivery.from_row(row) if row else None, errors=errors)
