"""Creating accounts: self-registration, the first admin, and the CLI's `create-admin`.

Shared account rules live here too (what a valid email/name/password is, the audit snapshot of a user),
so admin user management (resolvers/accounts/users.py) applies exactly the same ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.enums import Role
from models.accounts import User
from resolvers.accounts.credentials import MIN_PASSWORD_LENGTH, hash_password
from resolvers.accounts.sessions import SignedIn, actor_for, start_session
from resolvers.kernel.actor import Actor
from resolvers.kernel.audit import record
from resolvers.kernel.errors import Problems, Reason, conflict, forbidden
from resolvers.kernel.rate_limit import REGISTER, check_rate
from resolvers.kernel.settings import get_setting
from resolvers.kernel.validation import clean_email, clean_text

MAX_NAME_LENGTH = 200
# Passwords are hashed, so length only bounds the hashing work an attacker can ask for.
MAX_PASSWORD_LENGTH = 1000
# Advisory lock keys: any constants work, as long as every process uses the same ones.
FIRST_ADMIN_LOCK = 0x6864_0001
ADMIN_SET_LOCK = 0x6864_0002
EMAIL_TAKEN = "email is already used by another account."
FIRST_ADMIN_EXISTS = "The first admin already exists; sign in instead."


async def serialise(conn: BaseDBAsyncClient, key: int) -> None:
    """Hold a lock named `key` until the current transaction ends, on every process.

    PostgreSQL: a transaction-scoped advisory lock. SQLite needs none: Tortoise runs its transactions
    one at a time on its single connection.
    """
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [key])


def snapshot(user: User) -> dict[str, Any]:
    """What the audit log keeps about an account: never the password hash, only whether one is set."""
    return {
        "email": user.email,
        "name": user.name,
        "role": Role(user.role).value,
        "disabled": user.disabled,
        "passwordSet": user.password_hash is not None,
    }


def check_password(problems: Problems, field: str, password: str | None, *, required: bool = True) -> str | None:
    """At least MIN_PASSWORD_LENGTH characters; counted as given (spaces are part of a password)."""
    if password is None or password == "":
        if required:
            problems.add(field, f"{field} is required.", Reason.REQUIRED)
        return None
    # "1 character", not "1 characters": one is a length people do type.
    length = "1 character" if len(password) == 1 else f"{len(password)} characters"
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.add(field, f"{field} is {length}; the minimum is {MIN_PASSWORD_LENGTH}.", Reason.TOO_SHORT)
    elif len(password) > MAX_PASSWORD_LENGTH:
        problems.add(field, f"{field} is {length}; the maximum is {MAX_PASSWORD_LENGTH}.", Reason.TOO_LONG)
    return password


@dataclass
class NewAccount:
    email: str
    name: str
    password: str | None


def clean_new_account(
    email: str | None, name: str | None, password: str | None, *, password_required: bool
) -> NewAccount:
    """Every bad field reported at once: email trimmed and lowercased, name 1..200, password >= 10."""
    problems = Problems()
    account = NewAccount(
        email=clean_email(problems, "email", email),
        name=clean_text(problems, "name", name, max_length=MAX_NAME_LENGTH),
        password=check_password(problems, "password", password, required=password_required),
    )
    problems.raise_if_any()
    return account


async def insert_account(
    account: NewAccount,
    role: Role,
    *,
    by: Actor | None,
    self_acting: bool = False,
    label: str | None = None,
    sign_in: bool = False,
    lock_if_empty: bool = False,
) -> tuple[User, str | None]:
    """Insert the user and its audit row (and a session when `sign_in`) in one transaction.

    The password is hashed before the transaction opens: argon2 is slow and must not hold a connection.
    A duplicate email is CONFLICT whether the pre-check or the unique index catches it (a race).
    The audit row names `by`, or the new user when `self_acting` (they signed themselves up).
    `lock_if_empty` makes the insert succeed only while no user exists (setupFirstAdmin).
    """
    password_hash = await hash_password(account.password) if account.password else None
    try:
        async with in_transaction() as conn:
            if lock_if_empty:
                # Serialises concurrent first-admin setups across processes.
                await serialise(conn, FIRST_ADMIN_LOCK)
                if await User.exists():
                    raise conflict(FIRST_ADMIN_EXISTS, Reason.ALREADY_SET_UP)
            if await User.filter(email=account.email).exists():
                raise conflict(EMAIL_TAKEN, Reason.EMAIL_TAKEN, "email")
            user = await User.create(email=account.email, name=account.name, role=role, password_hash=password_hash)
            await record(
                actor_for(user) if self_acting else by,
                "user.created",
                "user",
                user.id,
                after=snapshot(user),
                actor_label=label,
            )
            token = await start_session(user) if sign_in else None
    except IntegrityError:
        raise conflict(EMAIL_TAKEN, Reason.EMAIL_TAKEN, "email") from None
    return user, token


async def register(email: str | None, name: str | None, password: str | None, client: str | None) -> SignedIn:
    """Self-registration: a new USER, signed in at once. Refused while `self_registration_enabled` is off.

    Every attempt from `client` (the caller's network address) counts against GUEST_RATE_LIMIT, refused ones
    too, before the password is hashed: RATE_LIMITED past it.
    """
    if not await get_setting("self_registration_enabled"):
        raise forbidden("Self-registration is turned off; ask an admin for an account.", Reason.REGISTRATION_OFF)
    await check_rate(REGISTER, client)
    account = clean_new_account(email, name, password, password_required=True)
    user, token = await insert_account(
        account, Role.USER, by=None, self_acting=True, label="self-registration", sign_in=True
    )
    assert token is not None
    return SignedIn(user=user, token=token, actor=actor_for(user))


async def setup_first_admin(email: str | None, name: str | None, password: str | None) -> SignedIn:
    """The very first account of an installation becomes an ADMIN; CONFLICT as soon as any user exists."""
    if await User.exists():
        # Cheap early answer; the transaction re-checks under a lock.
        raise conflict(FIRST_ADMIN_EXISTS, Reason.ALREADY_SET_UP)
    account = clean_new_account(email, name, password, password_required=True)
    user, token = await insert_account(
        account, Role.ADMIN, by=None, self_acting=True, label="setup", sign_in=True, lock_if_empty=True
    )
    assert token is not None
    return SignedIn(user=user, token=token, actor=actor_for(user))


async def create_admin(email: str, name: str, password: str) -> User:
    """For the CLI (`helpdesk create-admin`): a new ADMIN with a password, whether or not users exist.

    Raises DomainError (VALIDATION for bad input, CONFLICT for an email already in use).
    """
    account = clean_new_account(email, name, password, password_required=True)
    user, _ = await insert_account(account, Role.ADMIN, by=None, label="cli")
    return user
