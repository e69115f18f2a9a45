"""Signing in and out, the current user, API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from resolvers.accounts import api_keys, sessions
from resolvers.accounts import registration as accounts
from resolvers.kernel.rows import USER_COLUMNS, as_row
from schema.accounts.types import User, load_user
from schema.context import Info, client_address
from schema.errors import INPUT, UserError, mutate, query


def user_from_model(user: Any) -> User:
    """A freshly written account (a resolver's result) as the GraphQL type; read paths use rows and loaders."""
    return User.from_row(as_row(user, USER_COLUMNS))


def signed_in(info: Info, result: sessions.SignedIn) -> User:
    """The rest of this response is resolved as the person who just signed in (e.g. their email)."""
    info.context.actor = result.actor
    return user_from_model(result.user)


@strawberry.type(description="A long-lived credential for integrations. The key itself is shown only once.")
class ApiKey:
    id: strawberry.ID = strawberry.field(description="API key ID (use it to revoke the key).")
    name: str = strawberry.field(description="What the key is for, as its owner named it.")
    prefix: str = strawberry.field(description="The first characters of the key, to tell keys apart.")
    created_at: datetime = strawberry.field(description="When the key was created.")
    last_used_at: datetime | None = strawberry.field(
        description="Not recorded yet (it would cost a write per request); always null for now."
    )
    revoked_at: datetime | None = strawberry.field(description="When the key was revoked; null while it works.")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ApiKey:
        return cls(
            id=strawberry.ID(str(row["id"])),
            name=row["name"],
            prefix=row["prefix"],
            created_at=row["created_at"],
            last_used_at=row["last_used_at"],
            revoked_at=row["revoked_at"],
        )

    @classmethod
    def from_model(cls, key: Any) -> ApiKey:
        return cls.from_row(as_row(key, api_keys.API_KEY_COLUMNS))


@strawberry.input(description="A new account for yourself (only while self-registration is on).")
class RegisterInput:
    email: str = strawberry.field(description="Your email address; it is your sign-in name. Case is ignored.")
    name: str = strawberry.field(description="Your display name, 1 to 200 characters.")
    password: str = strawberry.field(description="At least 10 characters.")


@strawberry.type(description="The result of register.")
class RegisterPayload:
    user: User | None = strawberry.field(description="The new account; null when refused.")
    token: str | None = strawberry.field(description="A session token: send it as `Authorization: Bearer <token>`.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.input(description="Email and password.")
class LoginInput:
    email: str = strawberry.field(description="The account's email address (case is ignored).")
    password: str = strawberry.field(description="The account's password.")


@strawberry.type(description="The result of login.")
class LoginPayload:
    token: str | None = strawberry.field(
        description="A session token, valid for SESSION_HOURS: send it as `Authorization: Bearer <token>`."
    )
    user: User | None = strawberry.field(description="Who signed in; null when refused.")
    errors: list[UserError] = strawberry.field(
        description="On any failure one VALIDATION error with no field: 'Email or password is incorrect.'; "
        "RATE_LIMITED (no field) after too many attempts."
    )


@strawberry.type(description="The result of logout.")
class LogoutPayload:
    ok: bool = strawberry.field(description="True when the session was ended.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.input(description="The first admin of a new installation.")
class SetupFirstAdminInput:
    email: str = strawberry.field(description="The admin's email address; it is their sign-in name.")
    name: str = strawberry.field(description="Display name, 1 to 200 characters.")
    password: str = strawberry.field(description="At least 10 characters.")


@strawberry.type(description="The result of setupFirstAdmin.")
class SetupFirstAdminPayload:
    user: User | None = strawberry.field(description="The new admin; null when refused.")
    token: str | None = strawberry.field(description="A session token for the new admin.")
    errors: list[UserError] = strawberry.field(description="CONFLICT once any account exists.")


@strawberry.input(description="A new API key for yourself.")
class CreateApiKeyInput:
    name: str = strawberry.field(description="What the key is for, 1 to 100 characters.")


@strawberry.type(description="The result of createApiKey.")
class CreateApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(description="The new key's details; null when refused.")
    plaintext_key: str | None = strawberry.field(
        description="The key itself (starts with `hd_`). Shown only now: store it, it cannot be read again."
    )
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.input(description="The API key to revoke.")
class RevokeApiKeyInput:
    api_key_id: strawberry.ID = strawberry.field(description="ID of one of your keys (admins: any key).")


@strawberry.type(description="The result of revokeApiKey.")
class RevokeApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(description="The revoked key; null when refused.")
    errors: list[UserError] = strawberry.field(
        description="NOT_FOUND for a key that is not yours, CONFLICT when already revoked."
    )


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user; null without a valid token, and for a guest link.")
    async def me(self, info: Info) -> User | None:
        actor = info.context.actor
        if actor is None or actor.user_id is None:  # a guest link is not an account
            return None
        return await load_user(info, actor.user_id)

    @strawberry.field(description="Your API keys, newest first, revoked ones included. Requires sign-in.")
    async def my_api_keys(self, info: Info) -> list[ApiKey]:
        rows = await query(info, api_keys.own_api_keys)
        return [ApiKey.from_row(row) for row in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Create a USER account for yourself and sign in. FORBIDDEN when turned off; "
        "RATE_LIMITED past the per-address limit."
    )
    async def register(self, info: Info, input: Annotated[RegisterInput, INPUT]) -> RegisterPayload:
        client = client_address(info.context.request)
        result, errors = await mutate(
            info, lambda _: accounts.register(input.email, input.name, input.password, client)
        )
        if result is None:
            return RegisterPayload(user=None, token=None, errors=errors)
        return RegisterPayload(user=signed_in(info, result), token=result.token, errors=[])

    @strawberry.mutation(
        description="Sign in with email and password; returns a session token. Attempts are limited per client "
        "address and per email address (RATE_LIMITED past either, even with the right password)."
    )
    async def login(self, info: Info, input: Annotated[LoginInput, INPUT]) -> LoginPayload:
        client = client_address(info.context.request)
        result, errors = await mutate(info, lambda _: sessions.login(input.email, input.password, client))
        if result is None:
            return LoginPayload(token=None, user=None, errors=errors)
        return LoginPayload(token=result.token, user=signed_in(info, result), errors=[])

    @strawberry.mutation(
        description="End the session this request was made with; its token stops working at once. Requires sign-in."
    )
    async def logout(self, info: Info) -> LogoutPayload:
        ok, errors = await mutate(info, lambda actor: sessions.logout(actor, info.context.token))
        return LogoutPayload(ok=bool(ok), errors=errors)

    @strawberry.mutation(
        description="Create the first admin of a new installation and sign in. Works only while no account exists."
    )
    async def setup_first_admin(
        self, info: Info, input: Annotated[SetupFirstAdminInput, INPUT]
    ) -> SetupFirstAdminPayload:
        result, errors = await mutate(
            info, lambda _: accounts.setup_first_admin(input.email, input.name, input.password)
        )
        if result is None:
            return SetupFirstAdminPayload(user=None, token=None, errors=errors)
        return SetupFirstAdminPayload(user=signed_in(info, result), token=result.token, errors=[])

    @strawberry.mutation(description="Create an API key for yourself. Requires sign-in.")
    async def create_api_key(self, info: Info, input: Annotated[CreateApiKeyInput, INPUT]) -> CreateApiKeyPayload:
        result, errors = await mutate(info, lambda actor: api_keys.create_api_key(actor, input.name))
        if result is None:
            return CreateApiKeyPayload(api_key=None, plaintext_key=None, errors=errors)
        key, plaintext = result
        return CreateApiKeyPayload(api_key=ApiKey.from_model(key), plaintext_key=plaintext, errors=[])

    @strawberry.mutation(description="Revoke an API key; it stops working on the next request. Requires sign-in.")
    async def revoke_api_key(self, info: Info, input: Annotated[RevokeApiKeyInput, INPUT]) -> RevokeApiKeyPayload:
        key, errors = await mutate(info, lambda actor: api_keys.revoke_api_key(actor, input.api_key_id))
        return RevokeApiKeyPayload(api_key=ApiKey.from_model(key) if key else None, errors=errors)
