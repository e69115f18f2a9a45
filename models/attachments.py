"""Files attached to a ticket or a reply; the bytes live under ATTACHMENT_DIR by a random name."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Attachment(Model):
    id = fields.IntField(primary_key=True)
    ticket = fields.ForeignKeyField("models.Ticket", related_name="attachments", on_delete=fields.CASCADE)
    reply = fields.ForeignKeyField("models.Reply", related_name="attachments", null=True, on_delete=fields.CASCADE)
    filename = fields.CharField(max_length=255)
    content_type = fields.CharField(max_length=127)
    size = fields.BigIntField()
    # Hex SHA-256 of the stored bytes, computed while they were received: lets staff match a file they were sent
    # elsewhere, and a download be checked against what was uploaded.
    sha256 = fields.CharField(max_length=64, default="")
    storage_name = fields.CharField(max_length=64, unique=True)
    uploaded_by = fields.ForeignKeyField(
        "models.User", related_name="attachments", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "attachments"
        indexes = (("ticket",), ("reply",))
