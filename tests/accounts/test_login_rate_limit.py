"""Abuse limits on what anyone can call: login per client address and per email tried (counted before any
password is hashed), register per address, and a guest's addReply sharing the /track reply form's budget."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
import pytest
from argon2 import PasswordHasher
from redis.asyncio import Redis

from core import clock
from core.config import load_config, reset_config
from core.enums import Role
from models.accounts import User
from models.replies import Reply
from models.settings import Setting
from resolvers.kernel.errors import Reason
from resolvers.kernel.rate_limit import KEY_PREFIX, reset_local_counters
from tests.helpers import (
    ERRORS,
    Person,
    gql_data,
    make_category,
    make_guest,
    make_person,
    make_ticket,
    redis_rate_limits,
    redis_url_for_tests,
    refusals,
)

LOGIN = f"""mutation($i: LoginInput!) {{ login(input: $i) {{ token {ERRORS} }} }}"""
REGISTER = f"""mutation($i: RegisterInput!) {{ register(input: $i) {{ token {ERRORS} }} }}"""
ADD_REPLY = f"""mutation($i: AddReplyInput!) {{ addReply(input: $i) {{ reply {{ id }} {ERRORS} }} }}"""
FAILED, LIMITED_NOW = Reason.LOGIN_FAILED, Reason.TOO_MANY_ATTEMPTS
PASSWORD = "correct horse battery"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # on a 10-minute boundary
LIMITED = "Too many sign-in attempts. Try again in 10 minutes."


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Small limits (5 per address, 3 per email, 3 per guest action), in-process counters, a fixed clock."""
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "5/600")
    monkeypatch.setenv("LOGIN_EMAIL_RATE_LIMIT", "3/600")
    monkeypatch.setenv("GUEST_RATE_LIMIT", "3/600")
    reset_config()
    reset_local_counters()
    clock.set_now(START)
    yield
    for name in ("LOGIN_RATE_LIMIT", "LOGIN_EMAIL_RATE_LIMIT", "GUEST_RATE_LIMIT"):
        monkeypatch.delenv(name)
    reset_config()


def client_at(app: Any, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 4321)), base_url="http://t")


# Made once, before any test counts argon2's work (see `hashes`).
PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)


async def account(email: str) -> User:
    return await User.create(email=email, name=email, role=Role.USER, password_hash=PASSWORD_HASH)


def first_reason(payload: dict[str, Any]) -> Reason | None:
    found = refusals(payload)
    return found[0][0] if found else None


async def login(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> Reason | None:
    """None for a session, else the reason it was refused."""
    result = (await gql_data(http, LOGIN, {"i": {"email": email, "password": password}}))["login"]
    if result["token"]:
        return None
    if first_reason(result) is LIMITED_NOW:
        # One message for both limits: it does not say which one, nor whether the account exists.
        assert result["errors"][0]["message"] == LIMITED
    return first_reason(result)


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the password work argon2 does (checking a hash, or hashing a throwaway when there is no account), to
    show a refused attempt never reaches it. argon2 is the library boundary: its methods are wrapped to count and
    still do the real work; none of our code is replaced."""
    calls: list[str] = []
    verify, make_hash = PasswordHasher.verify, PasswordHasher.hash

    def counting_verify(self: PasswordHasher, stored: str | bytes, password: str | bytes) -> Literal[True]:
        calls.append("verify")
        return verify(self, stored, password)

    def counting_hash(self: PasswordHasher, password: str | bytes, *, salt: bytes | None = None) -> str:
        calls.append("hash")
        return make_hash(self, password, salt=salt)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    monkeypatch.setattr(PasswordHasher, "hash", counting_hash)
    return calls


async def test_the_email_limit_refuses_even_the_right_password_from_anywhere(
    db: str, app: Any, limits: None, hashes: list[str]
) -> None:
    await account("pat@example.com")
    await account("sam@example.com")
    async with client_at(app, "203.0.113.7") as first, client_at(app, "198.51.100.2") as second:
        assert [await login(first, "pat@example.com", "wrong password") for _ in range(3)] == [FAILED] * 3
        assert await login(first, "PAT@example.com ") is LIMITED_NOW
        # Per email, not per address: another address is refused for this account too...
        assert await login(second, "pat@example.com") is LIMITED_NOW
        # ...while other accounts are unaffected (the first address has used 4 of its 5 attempts).
        assert await login(first, "sam@example.com") is None
    assert len(hashes) == 4  # the refused attempts never hashed a password
    clock.set_now(START + timedelta(minutes=10))
    async with client_at(app, "203.0.113.7") as first:
        assert await login(first, "pat@example.com") is None


async def test_the_address_limit_counts_every_email_tried(db: str, app: Any, limits: None, hashes: list[str]) -> None:
    await account("pat@example.com")
    async with client_at(app, "203.0.113.7") as first, client_at(app, "198.51.100.2") as second:
        emails = [f"guess{n}@example.com" for n in range(5)]
        assert [await login(first, email) for email in emails] == [FAILED] * 5
        assert await login(first, "pat@example.com") is LIMITED_NOW
        assert await login(second, "pat@example.com") is None
    assert len(hashes) == 6


async def test_aliased_logins_in_one_request_count_one_by_one(db: str, app: Any, limits: None) -> None:
    await account("pat@example.com")
    fields = " ".join(
        f'a{n}: login(input: {{email: "pat@example.com", password: "guess number {n}"}}) {{ token {ERRORS} }}'
        for n in range(6)
    )
    async with client_at(app, "203.0.113.7") as http:
        data = await gql_data(http, f"mutation {{ {fields} }}")
        reasons = [first_reason(data[f"a{n}"]) for n in range(6)]
        assert reasons == [FAILED] * 3 + [LIMITED_NOW] * 3
        assert await login(http, "pat@example.com") is LIMITED_NOW


async def test_register_is_limited_per_address(db: str, app: Any, limits: None) -> None:
    await Setting.create(key="self_registration_enabled", value=True)

    async def register(http: httpx.AsyncClient, n: int, password: str = PASSWORD) -> Reason | None:
        values = {"email": f"new{n}@example.com", "name": "New", "password": password}
        return first_reason((await gql_data(http, REGISTER, {"i": values}))["register"])

    async with client_at(app, "203.0.113.7") as first, client_at(app, "198.51.100.2") as second:
        # Refused attempts count too.
        assert [await register(first, 1, "short"), await register(first, 2), await register(first, 3)] == [
            Reason.TOO_SHORT,
            None,
            None,
        ]
        assert await register(first, 4) is LIMITED_NOW
        assert await register(second, 5) is None
    assert sorted(await User.all().values_list("email", flat=True)) == [
        "new2@example.com",
        "new3@example.com",
        "new5@example.com",
    ]


@pytest.mark.parametrize("name", ["LOGIN_RATE_LIMIT", "LOGIN_EMAIL_RATE_LIMIT"])
def test_a_malformed_login_limit_is_refused_at_start(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "20")
    with pytest.raises(ValueError, match=name):
        load_config()


def test_login_limits_default_to_20_per_address_and_10_per_email(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOGIN_RATE_LIMIT", raising=False)
    monkeypatch.delenv("LOGIN_EMAIL_RATE_LIMIT", raising=False)
    config = load_config()
    assert (config.login_rate_limit, config.login_email_rate_limit) == ((20, 600), (10, 600))


@pytest.fixture
async def shared(monkeypatch: pytest.MonkeyPatch, limits: None) -> AsyncIterator[Redis]:
    """The limits kept in Redis (REDIS_URL set), with the rate-limit keys removed before and after."""
    async with redis_rate_limits(
        monkeypatch, redis_url_for_tests("redis://127.0.0.1:6379/8"), f"{KEY_PREFIX}:login*"
    ) as redis:
        yield redis


async def test_login_counters_in_redis_are_shared_and_hold_no_email(db: str, app: Any, shared: Redis) -> None:
    await account("pat@example.com")
    async with client_at(app, "203.0.113.7") as http:
        assert [await login(http, "pat@example.com", "wrong password") for _ in range(3)] == [FAILED] * 3
        reset_local_counters()  # another process: the count lives in Redis
        assert await login(http, "pat@example.com") is LIMITED_NOW
    keys = sorted([key.decode() async for key in shared.scan_iter(match=f"{KEY_PREFIX}:login*")])
    assert len(keys) == 2
    assert keys[0].startswith(f"{KEY_PREFIX}:login:203.0.113.7:")
    assert keys[1].startswith(f"{KEY_PREFIX}:login_email:")
    assert all("pat" not in key and "example" not in key for key in keys)
    assert [int(await shared.get(key)) for key in keys] == [4, 4]


# A guest's addReply


async def guest_reply(http: httpx.AsyncClient, token: str, number: int) -> Reason | None:
    return first_reason(
        (await gql_data(http, ADD_REPLY, {"i": {"number": number, "body": "Any news?"}}, token))["addReply"]
    )


async def test_a_guests_replies_share_the_track_forms_budget(db: str, app: Any, limits: None) -> None:
    ticket = await make_ticket(await make_category())
    guest = await make_guest(ticket)
    async with client_at(app, "203.0.113.7") as first, client_at(app, "198.51.100.2") as second:
        # One reply through the link page's form, then GraphQL: both count against GUEST_REPLY.
        form = await first.post(
            f"/track/{guest.token}",
            data={"body": "From the page"},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert form.status_code == 303
        assert [await guest_reply(first, guest.token, ticket.number) for _ in range(3)] == [None, None, LIMITED_NOW]
        refused = await first.post(
            f"/track/{guest.token}",
            data={"body": "Again"},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert refused.status_code == 429
        # Per address, like every guest limit.
        assert await guest_reply(second, guest.token, ticket.number) is None
    assert await Reply.filter(ticket_id=ticket.id).count() == 4


async def people_reply(http: httpx.AsyncClient, person: Person, number: int, times: int) -> list[str | None]:
    return [await guest_reply(http, person.token, number) for _ in range(times)]


async def test_users_and_staff_replies_are_not_limited(db: str, app: Any, limits: None) -> None:
    user = await make_person()
    staff = await make_person(Role.STAFF)
    admin = await make_person(Role.ADMIN)
    ticket = await make_ticket(await make_category(), requester=user, assignee=staff)
    async with client_at(app, "203.0.113.7") as http:
        for person in (user, staff, admin):
            assert await people_reply(http, person, ticket.number, 5) == [None] * 5
    assert await Reply.filter(ticket_id=ticket.id).count() == 15
