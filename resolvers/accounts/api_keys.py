"""API keys: long-lived credentials for integrations, one person's each.

The key is shown once (at creation) and stored only as its SHA-256, with a short prefix so people can
tell their keys apart. Revoking is immediate: authentication ignores revoked keys on the next request.
`last_used_at` is not stamped on use: that would cost a write on every API request (docs/accounts.md).
"""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from core import clock
from models.accounts import ApiKey
from resolvers.accounts.credentials import new_api_key, token_hash
from resolvers.kernel.actor import Actor, require_user
from resolvers.kernel.audit import record
from resolvers.kernel.errors import Problems, Reason, conflict, not_found
from resolvers.kernel.validation import clean_text, required_id

MAX_NAME_LENGTH = 100
# "hd_" and 8 random characters: enough to recognise a key, far too little to guess the rest.
PREFIX_LENGTH = 11
API_KEY_COLUMNS = ("id", "user_id", "name", "prefix", "created_at", "last_used_at", "revoked_at")


def _snapshot(key: ApiKey) -> dict[str, Any]:
    """What the audit log keeps about a key: never the key or its hash."""
    return {
        "name": key.name,
        "prefix": key.prefix,
        "userId": key.user_id,  # type: ignore[attr-defined]
        "revokedAt": key.revoked_at.isoformat() if key.revoked_at else None,
    }


async def create_api_key(actor: Actor | None, name: str | None) -> tuple[ApiKey, str]:
    """Any signed-in person may create keys for themselves. Returns the key row and the plaintext key."""
    actor = require_user(actor)
    problems = Problems()
    clean_name = clean_text(problems, "name", name, max_length=MAX_NAME_LENGTH)
    problems.raise_if_any()
    plaintext = new_api_key()
    async with in_transaction():
        key = await ApiKey.create(
            user_id=actor.user_id, name=clean_name, prefix=plaintext[:PREFIX_LENGTH], key_hash=token_hash(plaintext)
        )
        await record(actor, "api_key.created", "api_key", key.id, after=_snapshot(key))
    return key, plaintext


async def revoke_api_key(actor: Actor | None, api_key_id: str | None) -> ApiKey:
    """Owners revoke their own keys, admins any key. Someone else's key is NOT_FOUND, as if it did not exist."""
    actor = require_user(actor)
    problems = Problems()
    key_id = required_id(problems, "apiKeyId", api_key_id)
    problems.raise_if_any()
    async with in_transaction():
        query = ApiKey.filter(id=key_id)
        if not actor.is_admin:
            query = query.filter(user_id=actor.user_id)
        key = await query.select_for_update().first()
        if key is None:
            raise not_found("API key", "apiKeyId", Reason.API_KEY_NOT_FOUND)
        if key.revoked_at is not None:
            raise conflict("This API key is already revoked.", Reason.ALREADY_REVOKED, "apiKeyId")
        before = _snapshot(key)
        key.revoked_at = clock.now()
        await key.save(update_fields=["revoked_at"])
        await record(actor, "api_key.revoked", "api_key", key.id, before=before, after=_snapshot(key))
    return key


async def own_api_keys(actor: Actor | None) -> list[dict[str, Any]]:
    """The caller's keys, newest first, revoked ones included (rows, not models)."""
    actor = require_user(actor)
    rows: list[dict[str, Any]] = (
        await ApiKey.filter(user_id=actor.user_id).order_by("-created_at", "-id").values(*API_KEY_COLUMNS)
    )
    return rows
