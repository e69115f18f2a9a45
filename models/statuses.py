"""Ticket statuses: the three system kinds keep their behaviour under any display name."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.enums import StatusKind


class Status(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=50, unique=True)
    kind = fields.CharEnumField(StatusKind, max_length=10, default=StatusKind.CUSTOM)
    color = fields.CharField(max_length=7, default="#6b7280")
    sort_order = fields.IntField(default=0)
    pauses_sla = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "statuses"
