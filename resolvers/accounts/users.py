"""Admin user management, and the user list staff pick people from.

Who may list users (docs/accounts.md): admins see every account, disabled ones included; staff see
enabled accounts of every role (they pick assignees and the requester of a ticket filed on someone's
behalf); users may not list anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.enums import Role
from models.accounts import SessionToken, User
from resolvers.accounts.credentials import hash_password
from resolvers.accounts.registration import (
    ADMIN_SET_LOCK,
    check_password,
    clean_new_account,
    insert_account,
    serialise,
    snapshot,
)
from resolvers.kernel.actor import Actor, require_admin, require_staff
from resolvers.kernel.audit import record
from resolvers.kernel.errors import Problems, Reason, conflict, not_found
from resolvers.kernel.pagination import Page, clean_page_size, keyset_page, read_position
from resolvers.kernel.rows import USER_COLUMNS
from resolvers.kernel.validation import clean_text, has_nul, required_id

MAX_NAME_LENGTH = 200
MAX_SEARCH_LENGTH = 200


async def create_user(
    actor: Actor | None, email: str | None, name: str | None, role: Role, password: str | None
) -> User:
    """Admins create accounts of any role. Without a password the account cannot sign in until one is set."""
    actor = require_admin(actor)
    account = clean_new_account(email, name, password, password_required=False)
    user, _ = await insert_account(account, role, by=actor)
    return user


@dataclass
class UserChanges:
    """What updateUser asks for; None means "leave as it is"."""

    name: str | None = None
    role: Role | None = None
    disabled: bool | None = None
    password: str | None = None


async def update_user(actor: Actor | None, user_id: str | None, changes: UserChanges) -> User:
    """Admins rename, change the role of, disable/enable and set the password of any account.

    No change may leave the installation without an enabled admin who can sign in, i.e. has a password
    (CONFLICT): an admin account created without one cannot sign in, so it does not count. Disabling an account or
    setting someone else's password ends that account's sessions, so re-enabling does not revive old tokens.
    Each aspect that changed gets its own audit row (user.updated, user.role_changed, user.disabled /
    user.enabled, user.password_set), all in the one transaction.
    """
    actor = require_admin(actor)
    problems = Problems()
    target_id = required_id(problems, "userId", user_id)
    name = clean_text(problems, "name", changes.name, max_length=MAX_NAME_LENGTH) if changes.name is not None else None
    password = check_password(problems, "password", changes.password) if changes.password is not None else None
    problems.raise_if_any()
    password_hash = await hash_password(password) if password else None

    async with in_transaction() as conn:
        if changes.role is not None or changes.disabled is not None:
            # Taken before any row lock: two admins demoting each other at once queue here instead of
            # deadlocking, and the second sees the first's change when it counts the remaining admins.
            await serialise(conn, ADMIN_SET_LOCK)
        user = await User.filter(id=target_id).select_for_update().first()
        if user is None:
            raise not_found("User", "userId", Reason.USER_NOT_FOUND)
        before = snapshot(user)
        if name is not None:
            user.name = name
        if changes.role is not None:
            user.role = changes.role
        if changes.disabled is not None:
            user.disabled = changes.disabled
        if password_hash is not None:
            user.password_hash = password_hash
        after = snapshot(user)
        if before["role"] == Role.ADMIN.value and not before["disabled"] and not _enabled_admin(after):
            await _keep_an_admin(user.id)
        if password_hash is None and before == after:
            return user
        await user.save()
        await _audit(actor, user.id, before, after, password_changed=password_hash is not None)
        if (after["disabled"] and not before["disabled"]) or (password_hash is not None and user.id != actor.user_id):
            await SessionToken.filter(user_id=user.id).delete()
    return user


def _enabled_admin(state: dict[str, Any]) -> bool:
    return bool(state["role"] == Role.ADMIN.value and not state["disabled"])


async def _keep_an_admin(leaving_id: int) -> None:
    """CONFLICT when no other enabled admin could sign in (the caller holds ADMIN_SET_LOCK). A password is the only
    way into an account (sessions come from login or from sign-up with a password, API keys from a session, and a
    password can be set but never removed), so an admin without one cannot administer anything."""
    usable = User.filter(role=Role.ADMIN, disabled=False, password_hash__isnull=False).exclude(id=leaving_id)
    if not await usable.exists():
        raise conflict(
            "This is the last enabled admin with a password; make another account an admin and give it a password "
            "before demoting or disabling this one.",
            Reason.LAST_ADMIN,
        )


async def _audit(
    actor: Actor, user_id: int, before: dict[str, Any], after: dict[str, Any], *, password_changed: bool
) -> None:
    if before["name"] != after["name"]:
        await record(
            actor, "user.updated", "user", user_id, before={"name": before["name"]}, after={"name": after["name"]}
        )
    if before["role"] != after["role"]:
        await record(
            actor, "user.role_changed", "user", user_id, before={"role": before["role"]}, after={"role": after["role"]}
        )
    if before["disabled"] != after["disabled"]:
        action = "user.disabled" if after["disabled"] else "user.enabled"
        await record(
            actor,
            action,
            "user",
            user_id,
            before={"disabled": before["disabled"]},
            after={"disabled": after["disabled"]},
        )
    if password_changed:
        # Only the fact that a password was set: never the hash.
        await record(
            actor,
            "user.password_set",
            "user",
            user_id,
            before={"passwordSet": before["passwordSet"]},
            after={"passwordSet": True},
        )


def user_position(row: dict[str, Any]) -> list[Any]:
    """The keyset position of a user in the list order (name, then id)."""
    return [row["name"], row["id"]]


async def list_users(
    actor: Actor | None,
    *,
    role: Role | None = None,
    search: str | None = None,
    first: int | None = None,
    after: list[Any] | None = None,
) -> Page:
    """Users ordered by name then id, `first` per page (max 100), after a keyset position [name, id].

    `search` matches part of the name or email, ignoring case. Staff see enabled accounts only.
    """
    actor = require_staff(actor)
    problems = Problems()
    size = clean_page_size(problems, first)
    term = (search or "").strip()
    if len(term) > MAX_SEARCH_LENGTH:
        problems.add(
            "search", f"search is {len(term)} characters; the maximum is {MAX_SEARCH_LENGTH}.", Reason.TOO_LONG
        )
    # PostgreSQL refuses a NUL in a query (a 500), and no name or email holds one.
    has_nul(problems, "search", term)
    problems.raise_if_any()
    start = read_position(after, str, int)

    query = User.all()
    if not actor.is_admin:
        query = query.filter(disabled=False)
    if role is not None:
        query = query.filter(role=role)
    if term:
        query = query.filter(Q(name__icontains=term) | Q(email__icontains=term))
    following = None
    if start is not None:
        name, last_id = start
        following = Q(name__gt=name) | Q(name=name, id__gt=last_id)
    return await keyset_page(query, after=following, order=("name", "id"), size=size, columns=USER_COLUMNS)
