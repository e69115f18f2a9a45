"""Passwords, session tokens and API keys: how secrets are made, hashed and checked."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.config import get_config

API_KEY_PREFIX = "hd_"
SESSION_TOKEN_PREFIX = "hds_"
MIN_PASSWORD_LENGTH = 10


@lru_cache(maxsize=2)
def _hasher(profile: str) -> PasswordHasher:
    if profile == "fast":
        # Only for tests and benchmarks: the default profile costs ~0.3 s per hash on this machine.
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


def _current_hasher() -> PasswordHasher:
    return _hasher(get_config().password_hash_profile)


async def hash_password(password: str) -> str:
    # argon2 blocks for a long time by design; keep the event loop free.
    return await asyncio.to_thread(_current_hasher().hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same time as a real check so timing does not reveal which accounts exist.
        await asyncio.to_thread(_current_hasher().hash, password)
        return False
    try:
        return await asyncio.to_thread(_current_hasher().verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    """Tokens are long random strings, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_session_token() -> str:
    # A prefix of its own: a bare random token could start with "hd_" or "hdg_" and be read as another kind.
    return SESSION_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)
