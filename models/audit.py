"""The audit log: who changed what, with the values before and after."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    id = fields.IntField(primary_key=True)
    actor = fields.ForeignKeyField("models.User", related_name="audit_entries", null=True, on_delete=fields.SET_NULL)
    # Who acted when there is no user row: "system", "guest:<email>", "cli".
    actor_label = fields.CharField(max_length=300, null=True)
    action = fields.CharField(max_length=64)
    entity_type = fields.CharField(max_length=32)
    entity_id = fields.CharField(max_length=64)
    # Set on every entry about a ticket so a ticket's history is one indexed query.
    ticket = fields.ForeignKeyField("models.Ticket", related_name="audit_entries", null=True, on_delete=fields.CASCADE)
    # Entries about internal notes are staff-only.
    internal = fields.BooleanField(default=False)
    before: object = fields.JSONField(null=True)
    after: object = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_log"
        indexes = (("ticket", "created_at"), ("entity_type", "entity_id"), ("created_at",))
