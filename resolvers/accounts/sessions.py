"""Signing in and out with email and password; session tokens.

Login failures all look the same (docs/accounts.md): unknown email, wrong password, an account without a
password and a disabled account give one VALIDATION error with no field and the same message, and each
path runs one argon2 computation so the response time does not tell them apart either.

Attempts are rate-limited per client address and per email tried (resolvers/kernel/rate_limit.py), counted before the
password is hashed, so a script (or thirty aliased logins in one request) cannot guess passwords quickly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tortoise.transactions import in_transaction

from core import clock
from core.config import get_config
from core.enums import Role
from models.accounts import SessionToken, User
from resolvers.accounts.credentials import API_KEY_PREFIX, new_session_token, token_hash, verify_password
from resolvers.kernel.actor import Actor, require_user
from resolvers.kernel.audit import record
from resolvers.kernel.errors import DomainError, Reason, conflict, validation
from resolvers.kernel.rate_limit import check_login_rate
from resolvers.kernel.validation import MAX_EMAIL_LENGTH, NUL

LOGIN_FAILED = "Email or password is incorrect."


@dataclass
class SignedIn:
    """A user who has just signed in, the bearer token that proves it, and the actor it stands for."""

    user: User
    token: str
    actor: Actor


def actor_for(user: User) -> Actor:
    return Actor(user_id=user.id, role=Role(user.role), email=user.email, name=user.name)


async def start_session(user: User) -> str:
    """A new session token for `user` (only its SHA-256 is stored), valid SESSION_HOURS from now.

    Also stamps `last_login_at`. Call it inside the caller's transaction.
    """
    token = new_session_token()
    moment = clock.now()
    await SessionToken.create(
        user=user, token_hash=token_hash(token), expires_at=moment + timedelta(hours=get_config().session_hours)
    )
    user.last_login_at = moment
    await user.save(update_fields=["last_login_at"])
    return token


async def login(email: str | None, password: str | None, client: str | None) -> SignedIn:
    """Email + password -> a session. Every failure is the same VALIDATION error (no field, one message).

    Each attempt first counts against `client` (the caller's network address) and the email tried: past either
    limit it is RATE_LIMITED without looking at the password, even a right one.
    """
    address = (email or "").strip().lower()
    await check_login_rate(client, address)
    if len(address) > MAX_EMAIL_LENGTH:
        # No account can have such an address (and Tortoise refuses to compare the column with it); saying so
        # tells nothing about any account.
        raise validation(
            "email", f"email is {len(address)} characters; the maximum is {MAX_EMAIL_LENGTH}.", Reason.TOO_LONG
        )
    # No account's email holds a NUL (and PostgreSQL refuses one in a query): such an email matches nobody.
    user = await User.get_or_none(email=address) if address and NUL not in address else None
    # Always verify (hashing a throwaway when there is no hash) so every failure costs the same time.
    valid = await verify_password(user.password_hash if user else None, password or "")
    if user is None or not valid or user.disabled:
        raise DomainError(Reason.LOGIN_FAILED, LOGIN_FAILED)
    async with in_transaction():
        token = await start_session(user)
        await record(actor_for(user), "user.login", "user", user.id)
    return SignedIn(user=user, token=token, actor=actor_for(user))


async def logout(actor: Actor | None, token: str | None) -> bool:
    """End the session the request was made with; the token stops working on the next request.

    API keys are not sessions: they are ended with revokeApiKey, so logging out with one is CONFLICT.
    """
    actor = require_user(actor)
    if not token or token.startswith(API_KEY_PREFIX):
        raise conflict(
            "This request was made with an API key, not a session; revoke the key with revokeApiKey.",
            Reason.NOT_A_SESSION,
        )
    async with in_transaction():
        deleted = await SessionToken.filter(token_hash=token_hash(token), user_id=actor.user_id).delete()
        if deleted:
            await record(actor, "user.logout", "user", str(actor.user_id))
    return bool(deleted)
