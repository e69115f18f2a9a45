"""The Category / Type / Item tree that classifies tickets."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Category(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    sort_order = fields.IntField(default=0)
    archived = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "categories"


class TicketType(Model):
    id = fields.IntField(primary_key=True)
    category: fields.ForeignKeyRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name="types", on_delete=fields.RESTRICT
    )
    name = fields.CharField(max_length=100)
    sort_order = fields.IntField(default=0)
    archived = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ticket_types"
        unique_together = (("category", "name"),)


class Item(Model):
    id = fields.IntField(primary_key=True)
    type: fields.ForeignKeyRelation[TicketType] = fields.ForeignKeyField(
        "models.TicketType", related_name="items", on_delete=fields.RESTRICT
    )
    name = fields.CharField(max_length=100)
    sort_order = fields.IntField(default=0)
    archived = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "items"
        unique_together = (("type", "name"),)
