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
    # "<priority or ->:<category id or ->": one policy per combination, the default ("-:-") included, kept by the
    # database too (a plain unique index cannot, since NULLs never clash).
    match_key = fields.CharField(max_length=40, unique=True, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    # The foreign key column Tortoise adds at runtime, declared for the type checker.
    category_id: int | None

    class Meta:
        table = "sla_policies"
