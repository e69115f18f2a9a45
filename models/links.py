"""Typed links between tickets; every link is stored as two rows, one per direction."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.enums import LinkType


class TicketLink(Model):
    id = fields.IntField(primary_key=True)
    source = fields.ForeignKeyField("models.Ticket", related_name="links_out", on_delete=fields.CASCADE)
    target = fields.ForeignKeyField("models.Ticket", related_name="links_in", on_delete=fields.CASCADE)
    type = fields.CharEnumField(LinkType, max_length=20)
    created_by = fields.ForeignKeyField("models.User", related_name="links", null=True, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ticket_links"
        # One link between two tickets, whatever its type (SPEC 5: no duplicate link).
        unique_together = (("source", "target"),)
