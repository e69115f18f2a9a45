"""The transactional outbox: emails, webhook calls and events written with the change that caused them."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.enums import OutboxStatus


class OutboxMessage(Model):
    id = fields.IntField(primary_key=True)
    # "email", "webhook" or "event".
    channel = fields.CharField(max_length=16)
    # Template or event name, e.g. "ticket_created", "ticket.closed".
    topic = fields.CharField(max_length=64)
    payload: object = fields.JSONField()
    ticket = fields.ForeignKeyField("models.Ticket", related_name="outbox", null=True, on_delete=fields.SET_NULL)
    status = fields.CharEnumField(OutboxStatus, max_length=10, default=OutboxStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox"
        indexes = (("status", "next_attempt_at"), ("channel", "status"))
