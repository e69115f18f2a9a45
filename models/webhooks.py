"""Webhooks (SPEC 11): where an admin wants ticket events POSTed, and the log of each delivery."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.enums import OutboxStatus


class Webhook(Model):
    id = fields.IntField(primary_key=True)
    url = fields.CharField(max_length=2000)
    # The HMAC key; shown once, on creation.
    secret = fields.CharField(max_length=128)
    # Event names it receives; an empty list means every event.
    events: object = fields.JSONField(default=list)
    enabled = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "webhooks"


class WebhookDelivery(Model):
    """One event for one webhook: claimed, retried and logged on its own, like an outbox email."""

    id = fields.IntField(primary_key=True)
    webhook = fields.ForeignKeyField("models.Webhook", related_name="deliveries", on_delete=fields.CASCADE)
    # The outbox event row it delivers.
    event = fields.ForeignKeyField("models.OutboxMessage", related_name="webhook_deliveries", on_delete=fields.CASCADE)
    topic = fields.CharField(max_length=64)
    status = fields.CharEnumField(OutboxStatus, max_length=10, default=OutboxStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    response_code = fields.IntField(null=True)
    response_body = fields.TextField(null=True)
    duration_ms = fields.IntField(null=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_deliveries"
        unique_together = (("webhook", "event"),)
        indexes = (("status", "next_attempt_at"),)
