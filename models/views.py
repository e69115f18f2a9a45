"""Saved queue views: a named filter and sort, personal or published to all staff."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class SavedView(Model):
    id = fields.IntField(primary_key=True)
    owner = fields.ForeignKeyField("models.User", related_name="saved_views", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=100)
    shared = fields.BooleanField(default=False)
    filters: object = fields.JSONField(default=dict)
    sort = fields.CharField(max_length=32, default="UPDATED_DESC")
    created_at = fields.DatetimeField(auto_now_add=True)

    # The foreign key column Tortoise adds at runtime, declared for the type checker.
    owner_id: int

    class Meta:
        table = "saved_views"
        unique_together = (("owner", "name"),)
