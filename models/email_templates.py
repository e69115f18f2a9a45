"""An admin's version of one email topic's templates; a topic without a row uses the shipped default."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class EmailTemplate(Model):
    topic = fields.CharField(max_length=64, primary_key=True)
    subject = fields.TextField()
    text = fields.TextField()
    html = fields.TextField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "email_templates"
