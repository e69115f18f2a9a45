"""People and the credentials they present: users, session tokens, API keys, groups and their scope."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.enums import Role


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200)
    role = fields.CharEnumField(Role, max_length=10, default=Role.USER, db_index=True)
    disabled = fields.BooleanField(default=False)
    password_hash = fields.CharField(max_length=255, null=True)
    last_login_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "users"


class SessionToken(Model):
    """A login session. Only the SHA-256 of the bearer token is stored."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "session_tokens"


class ApiKey(Model):
    """A long-lived credential for integrations; shown once, stored as a SHA-256 hash."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="api_keys", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    # The first characters of the key, kept so people can tell their keys apart.
    prefix = fields.CharField(max_length=16)
    key_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_keys"


class Group(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "groups"


class GroupMember(Model):
    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[Group] = fields.ForeignKeyField(
        "models.Group", related_name="memberships", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="memberships", on_delete=fields.CASCADE
    )

    class Meta:
        table = "group_members"
        unique_together = (("group", "user"),)


class GroupScope(Model):
    """One scope entry: a Category, or a Category + Type. Items never affect scope (SPEC 1)."""

    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[Group] = fields.ForeignKeyField(
        "models.Group", related_name="scopes", on_delete=fields.CASCADE
    )
    category = fields.ForeignKeyField("models.Category", related_name="group_scopes", on_delete=fields.RESTRICT)
    type = fields.ForeignKeyField(
        "models.TicketType", related_name="group_scopes", null=True, on_delete=fields.RESTRICT
    )

    class Meta:
        table = "group_scopes"
        unique_together = (("group", "category", "type"),)
