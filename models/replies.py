"""The conversation on a ticket: public replies and staff-only internal notes."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Reply(Model):
    id = fields.IntField(primary_key=True)
    ticket = fields.ForeignKeyField("models.Ticket", related_name="replies", on_delete=fields.CASCADE)
    author = fields.ForeignKeyField("models.User", related_name="replies", null=True, on_delete=fields.SET_NULL)
    # Set when a guest (no account) wrote it.
    guest_email = fields.CharField(max_length=254, null=True)
    body = fields.TextField()
    # The body as safe HTML, rendered once when it is written (see Ticket.description_html).
    body_html = fields.TextField(null=True)
    internal = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    edited_at = fields.DatetimeField(null=True)
    # Soft delete: the row stays for staff placeholders and the audit log keeps the text.
    deleted_at = fields.DatetimeField(null=True)

    # Foreign key columns Tortoise adds at runtime, declared for the type checker.
    ticket_id: int
    author_id: int | None

    class Meta:
        table = "replies"
        indexes = (("ticket", "created_at"),)
