"""SLA policies: targets chosen per ticket at creation, most specific match first."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.enums import Priority


class SlaPolicy(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    priority = fields.IntEnumField(Priority, null=True)
    category = fields.ForeignKeyField(
        "models.Category", related_name="sla_policies", null=True, on_delete=fields.CASCADE
    )
    first_response_minutes = fields.IntField()
    resolution_minutes = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sla_policies"
