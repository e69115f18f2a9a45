"""register, login, logout, setupFirstAdmin, create_admin: accounts and sessions through GraphQL."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from typing import Any

import httpx
import pytest

from core import clock
from core.config import get_config
from core.enums import Role
from models.accounts import SessionToken, User
from models.audit import AuditEntry
from models.settings import Setting
from resolvers.accounts.credentials import API_KEY_PREFIX, token_hash
from resolvers.accounts.registration import create_admin
from resolvers.guests.tokens import GUEST_TOKEN_PREFIX
from resolvers.kernel.errors import DomainError, Reason
from tests.helpers import ERRORS, assert_query_refused, assert_refused, gql, gql_data, make_person, refusals

REGISTER = f"""
mutation ($input: RegisterInput!) {{
  register(input: $input) {{ token user {{ id email name role }} {ERRORS} }}
}}"""
LOGIN = f"""
mutation ($input: LoginInput!) {{
  login(input: $input) {{ token user {{ id email role lastLoginAt }} {ERRORS} }}
}}"""
LOGOUT = f"mutation {{ logout {{ ok {ERRORS} }} }}"
SETUP = f"""
mutation ($input: SetupFirstAdminInput!) {{
  setupFirstAdmin(input: $input) {{ token user {{ id email role }} {ERRORS} }}
}}"""
ME = "{ me { id email role } }"
PASSWORD = "correct horse battery"


async def register(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    values = {"email": "new@example.com", "name": "New Person", "password": PASSWORD, **fields}
    data = await gql_data(client, REGISTER, {"input": values})
    result: dict[str, Any] = data["register"]
    return result


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    data = await gql_data(client, LOGIN, {"input": {"email": email, "password": password}})
    result: dict[str, Any] = data["login"]
    return result


async def me(client: httpx.AsyncClient, token: str | None) -> dict[str, Any] | None:
    data = await gql_data(client, ME, token=token)
    result: dict[str, Any] | None = data["me"]
    return result


# register


async def test_register_creates_a_signed_in_user_with_a_normalised_email(client: httpx.AsyncClient) -> None:
    result = await register(client, email="  New.Person@Example.COM ", name="  New Person ")
    assert result["errors"] == []
    assert result["user"]["email"] == "new.person@example.com"
    assert result["user"]["name"] == "New Person"
    assert result["user"]["role"] == "USER"
    assert await me(client, result["token"]) == {
        "id": result["user"]["id"],
        "email": "new.person@example.com",
        "role": "USER",
    }
    user = await User.get(email="new.person@example.com")
    assert user.password_hash and PASSWORD not in user.password_hash
    entry = await AuditEntry.get(action="user.created", entity_id=str(user.id))
    assert entry.actor_id == user.id  # type: ignore[attr-defined]
    assert entry.after == {
        "email": "new.person@example.com",
        "name": "New Person",
        "role": "USER",
        "disabled": False,
        "passwordSet": True,
    }


async def test_register_is_forbidden_when_self_registration_is_off(client: httpx.AsyncClient) -> None:
    await Setting.create(key="self_registration_enabled", value=False)
    result = await register(client)
    assert result["user"] is None and result["token"] is None
    assert_refused(result, Reason.REGISTRATION_OFF)
    assert not await User.exists()


@pytest.mark.parametrize(("length", "ok"), [(9, False), (10, True)])
async def test_register_password_needs_ten_characters(client: httpx.AsyncClient, length: int, ok: bool) -> None:
    result = await register(client, password="x" * length)
    if ok:
        assert result["errors"] == []
    else:
        assert_refused(result, Reason.TOO_SHORT, "password")
        assert result["errors"][0]["message"] == "password is 9 characters; the minimum is 10."
        assert not await User.exists()


async def test_register_reports_every_bad_field_at_once(client: httpx.AsyncClient) -> None:
    result = await register(client, email="not-an-email", name=" ", password="short")
    assert refusals(result) == [
        (Reason.INVALID_EMAIL, "email"),
        (Reason.REQUIRED, "name"),
        (Reason.TOO_SHORT, "password"),
    ]
    too_long = await register(client, name="n" * 201)
    assert_refused(too_long, Reason.TOO_LONG, "name")
    assert too_long["errors"][0]["message"] == "name is 201 characters; the maximum is 200."


async def test_register_with_a_taken_email_is_a_conflict(client: httpx.AsyncClient) -> None:
    await make_person(Role.USER, email="taken@example.com")
    result = await register(client, email="TAKEN@example.com")
    assert_refused(result, Reason.EMAIL_TAKEN, "email")
    assert await User.filter(email="taken@example.com").count() == 1


# login


async def test_login_returns_a_session_that_expires_after_session_hours(client: httpx.AsyncClient) -> None:
    await register(client, email="pat@example.com")
    start = clock.now()
    clock.set_now(start)
    result = await login(client, " PAT@example.com ")
    assert result["errors"] == []
    assert result["user"]["email"] == "pat@example.com"
    assert result["user"]["lastLoginAt"] is not None
    token = result["token"]
    session = await SessionToken.get(token_hash=token_hash(token))  # only the hash is stored
    hours = get_config().session_hours
    assert session.expires_at == start + timedelta(hours=hours)
    assert await AuditEntry.filter(action="user.login", entity_id=str(result["user"]["id"])).exists()

    clock.set_now(start + timedelta(hours=hours) - timedelta(seconds=1))
    assert await me(client, token) is not None
    clock.set_now(start + timedelta(hours=hours))
    assert await me(client, token) is None


async def test_login_failures_all_look_the_same(client: httpx.AsyncClient) -> None:
    await register(client, email="pat@example.com")
    await register(client, email="gone@example.com")
    await User.filter(email="gone@example.com").update(disabled=True)
    await make_person(Role.USER, email="nopassword@example.com")  # an account without a password

    failures = [
        await login(client, "nobody@example.com"),
        await login(client, "pat@example.com", "wrong password!"),
        await login(client, "gone@example.com"),
        await login(client, "nopassword@example.com", ""),
        await login(client, "", ""),
    ]
    for failure in failures:
        assert failure["token"] is None and failure["user"] is None
        assert_refused(failure, Reason.LOGIN_FAILED)
    # Not even the message tells the failures apart.
    assert len({str(failure) for failure in failures}) == 1
    assert not await AuditEntry.filter(action="user.login").exists()


async def test_login_without_a_session_leaves_nothing_for_a_disabled_account(client: httpx.AsyncClient) -> None:
    await register(client, email="gone@example.com")
    await User.filter(email="gone@example.com").update(disabled=True)
    before = await SessionToken.filter(user__email="gone@example.com").count()
    await login(client, "gone@example.com")
    assert await SessionToken.filter(user__email="gone@example.com").count() == before


# logout


async def test_logout_ends_only_the_session_it_was_made_with(client: httpx.AsyncClient) -> None:
    await register(client, email="pat@example.com")
    first = (await login(client, "pat@example.com"))["token"]
    second = (await login(client, "pat@example.com"))["token"]
    data = await gql_data(client, LOGOUT, token=first)
    assert data["logout"] == {"ok": True, "errors": []}
    assert await me(client, first) is None
    assert await me(client, second) is not None
    assert await AuditEntry.filter(action="user.logout").count() == 1


@pytest.mark.parametrize("role", [Role.ADMIN, Role.STAFF, Role.USER])
async def test_every_role_can_log_out(client: httpx.AsyncClient, role: Role) -> None:
    person = await make_person(role)
    data = await gql_data(client, LOGOUT, token=person.token)
    assert data["logout"] == {"ok": True, "errors": []}
    assert await me(client, person.token) is None


async def test_logout_needs_a_valid_token(client: httpx.AsyncClient) -> None:
    for token in (None, "not-a-real-token"):
        body = await gql(client, LOGOUT, token=token)
        assert body["data"] is None
        assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Mutation.logout")


async def test_logout_with_an_api_key_is_a_conflict_and_keeps_the_key(client: httpx.AsyncClient) -> None:
    person = await make_person(Role.USER)
    created = await gql_data(
        client,
        'mutation { createApiKey(input: {name: "ci"}) { plaintextKey } }',
        token=person.token,
    )
    key = created["createApiKey"]["plaintextKey"]
    data = await gql_data(client, LOGOUT, token=key)
    assert data["logout"]["ok"] is False
    assert_refused(data["logout"], Reason.NOT_A_SESSION)
    assert await me(client, key) is not None


# setupFirstAdmin


async def test_setup_first_admin_works_on_an_empty_database_only(client: httpx.AsyncClient) -> None:
    values = {"email": "Boss@Example.com", "name": "Boss", "password": PASSWORD}
    first = (await gql_data(client, SETUP, {"input": values}))["setupFirstAdmin"]
    assert first["errors"] == []
    assert first["user"]["role"] == "ADMIN"
    assert first["user"]["email"] == "boss@example.com"
    assert (await me(client, first["token"]) or {})["role"] == "ADMIN"
    entry = await AuditEntry.get(action="user.created")
    assert entry.actor_label == "setup"
    assert "password" not in str(entry.after).lower().replace("passwordset", "")

    again = (await gql_data(client, SETUP, {"input": {**values, "email": "other@example.com"}}))["setupFirstAdmin"]
    assert again["user"] is None and again["token"] is None
    assert_refused(again, Reason.ALREADY_SET_UP)
    assert await User.filter(role=Role.ADMIN).count() == 1


async def test_setup_first_admin_is_refused_when_any_user_exists(client: httpx.AsyncClient) -> None:
    await make_person(Role.USER)
    values = {"email": "boss@example.com", "name": "Boss", "password": PASSWORD}
    result = (await gql_data(client, SETUP, {"input": values}))["setupFirstAdmin"]
    assert_refused(result, Reason.ALREADY_SET_UP)
    assert not await User.filter(role=Role.ADMIN).exists()


async def test_setup_first_admin_validates_its_input(client: httpx.AsyncClient) -> None:
    values = {"email": "boss@example.com", "name": "Boss", "password": "123456789"}
    result = (await gql_data(client, SETUP, {"input": values}))["setupFirstAdmin"]
    assert_refused(result, Reason.TOO_SHORT, "password")
    assert not await User.exists()


# create_admin (for the CLI)


async def test_create_admin_makes_an_admin_who_can_log_in(client: httpx.AsyncClient) -> None:
    await make_person(Role.USER)  # works whether or not users exist
    user = await create_admin(" Root@Example.com ", "Root", PASSWORD)
    assert (user.email, user.role) == ("root@example.com", Role.ADMIN)
    result = await login(client, "root@example.com")
    assert result["user"]["role"] == "ADMIN"
    entry = await AuditEntry.get(action="user.created", entity_id=str(user.id))
    assert (entry.actor_id, entry.actor_label) == (None, "cli")  # type: ignore[attr-defined]


async def test_create_admin_refuses_bad_input_and_taken_emails(db: str) -> None:
    with pytest.raises(DomainError) as bad:
        await create_admin("root", "", "short")
    assert refusals(bad.value) == [
        (Reason.INVALID_EMAIL, "email"),
        (Reason.REQUIRED, "name"),
        (Reason.TOO_SHORT, "password"),
    ]
    await create_admin("root@example.com", "Root", PASSWORD)
    with pytest.raises(DomainError) as taken:
        await create_admin("ROOT@example.com", "Root again", PASSWORD)
    assert_refused(taken.value, Reason.EMAIL_TAKEN, "email")
    assert await User.all().count() == 1


async def test_concurrent_first_admin_setups_make_exactly_one_admin(client: httpx.AsyncClient) -> None:
    attempts = [
        gql_data(client, SETUP, {"input": {"email": f"boss{n}@example.com", "name": "Boss", "password": PASSWORD}})
        for n in range(4)
    ]
    results = [data["setupFirstAdmin"] for data in await asyncio.gather(*attempts)]
    assert sorted(len(r["errors"]) for r in results) == [0, 1, 1, 1]
    assert [refusals(r) for r in results if r["errors"]] == [[(Reason.ALREADY_SET_UP, None)]] * 3
    assert await User.all().count() == 1


@pytest.mark.parametrize("random_part", [API_KEY_PREFIX + "x" * 40, GUEST_TOKEN_PREFIX + "x" * 40])
async def test_a_session_token_works_as_a_session_whatever_its_random_part_looks_like(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, random_part: str
) -> None:
    """Tokens are told apart by their prefix. A session token whose random part happens to start like an API key
    (hd_) or a guest link (hdg_) must still sign in and log out as the session it is."""
    user_id = (await register(client, email="pat@example.com"))["user"]["id"]
    with monkeypatch.context() as patched:
        patched.setattr(secrets, "token_urlsafe", lambda _: random_part)
        token = (await login(client, "pat@example.com"))["token"]
    assert random_part in token
    assert await me(client, token) == {"id": user_id, "email": "pat@example.com", "role": "USER"}
    ended = await gql_data(client, LOGOUT, token=token)
    assert ended["logout"] == {"ok": True, "errors": []}
    assert await me(client, token) is None
