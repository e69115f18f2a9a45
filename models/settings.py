"""Admin-editable settings, one row per key with a JSON value."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Setting(Model):
    key = fields.CharField(max_length=64, primary_key=True)
    value: object = fields.JSONField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "settings"
