"""Admin user management (createUser, updateUser) and the `users` connection."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from core.enums import Role
from models.accounts import SessionToken, User
from models.audit import AuditEntry
from resolvers.kernel.errors import Reason
from tests.conftest import QueryCounter
from tests.helpers import (
    ERRORS,
    Person,
    assert_query_refused,
    assert_refused,
    give_password,
    gql,
    gql_data,
    make_person,
    refusals,
)

CREATE = f"""
mutation ($input: CreateUserInput!) {{
  createUser(input: $input) {{ user {{ id email name role disabled }} {ERRORS} }}
}}"""
UPDATE = f"""
mutation ($input: UpdateUserInput!) {{
  updateUser(input: $input) {{ user {{ id name role disabled }} {ERRORS} }}
}}"""
LOGIN = """
mutation ($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { token errors { message } }
}"""
USERS = """
query ($role: Role, $search: String, $first: Int, $after: String) {
  users(role: $role, search: $search, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name role disabled } }
  }
}"""
ME = "{ me { id role } }"
PASSWORD = "a long enough password"


async def create_user(client: httpx.AsyncClient, token: str | None, **fields: Any) -> dict[str, Any]:
    values = {"email": "new@example.com", "name": "New Person", "role": "STAFF", **fields}
    body = await gql(client, CREATE, {"input": values}, token=token)
    return body


async def update_user(client: httpx.AsyncClient, token: str | None, user_id: int, **fields: Any) -> dict[str, Any]:
    return await gql(client, UPDATE, {"input": {"userId": str(user_id), **fields}}, token=token)


async def can_log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> bool:
    data = await gql_data(client, LOGIN, {"email": email, "password": password})
    return data["login"]["token"] is not None


# createUser


async def test_admin_creates_an_account_without_a_password_that_cannot_log_in(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    body = await create_user(client, admin.token, email=" Sam@Example.com ", role="STAFF")
    result = body["data"]["createUser"]
    assert result["errors"] == []
    assert result["user"] == {
        "id": result["user"]["id"],
        "email": "sam@example.com",
        "name": "New Person",
        "role": "STAFF",
        "disabled": False,
    }
    assert not await can_log_in(client, "sam@example.com", "")
    entry = await AuditEntry.get(action="user.created")
    assert entry.actor_id == admin.id  # type: ignore[attr-defined]
    assert entry.after == {
        "email": "sam@example.com",
        "name": "New Person",
        "role": "STAFF",
        "disabled": False,
        "passwordSet": False,
    }


async def test_admin_creates_an_account_with_a_password_that_can_log_in(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    body = await create_user(client, admin.token, role="ADMIN", password=PASSWORD)
    assert body["data"]["createUser"]["errors"] == []
    assert await can_log_in(client, "new@example.com")
    stored = await User.get(email="new@example.com")
    assert stored.role is Role.ADMIN
    entry = await AuditEntry.get(action="user.created")
    assert stored.password_hash and stored.password_hash not in str(entry.after)


@pytest.mark.parametrize("role", [Role.STAFF, Role.USER])
async def test_only_admins_create_accounts(client: httpx.AsyncClient, role: Role) -> None:
    person = await make_person(role)
    result = (await create_user(client, person.token))["data"]["createUser"]
    assert result["user"] is None
    assert_refused(result, Reason.ADMIN_ONLY)
    assert not await User.filter(email="new@example.com").exists()


async def test_anonymous_cannot_create_accounts(client: httpx.AsyncClient) -> None:
    body = await create_user(client, None)
    assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Mutation.createUser")
    assert not await User.exists()


async def test_create_user_validates_and_refuses_taken_emails(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN, email="admin@example.com")
    bad = (await create_user(client, admin.token, email="nope", name="", password="123456789"))["data"]["createUser"]
    assert refusals(bad) == [
        (Reason.INVALID_EMAIL, "email"),
        (Reason.REQUIRED, "name"),
        (Reason.TOO_SHORT, "password"),
    ]
    taken = (await create_user(client, admin.token, email="ADMIN@example.com"))["data"]["createUser"]
    assert_refused(taken, Reason.EMAIL_TAKEN, "email")
    assert await User.all().count() == 1
    assert not await AuditEntry.exists()


# updateUser: who may


@pytest.mark.parametrize("role", [Role.STAFF, Role.USER])
async def test_only_admins_update_accounts(client: httpx.AsyncClient, role: Role) -> None:
    person = await make_person(role)
    target = await make_person(Role.USER, name="Target")
    result = (await update_user(client, person.token, target.id, name="Renamed", role="ADMIN"))["data"]["updateUser"]
    assert result["user"] is None
    assert_refused(result, Reason.ADMIN_ONLY)
    # Not even themselves: promoting yourself is the obvious abuse.
    own = (await update_user(client, person.token, person.id, role="ADMIN"))["data"]["updateUser"]
    assert_refused(own, Reason.ADMIN_ONLY)
    assert (await User.get(id=target.id)).name == "Target"
    assert (await User.get(id=person.id)).role is role


async def test_anonymous_cannot_update_accounts(client: httpx.AsyncClient) -> None:
    target = await make_person(Role.USER)
    body = await update_user(client, None, target.id, disabled=True)
    assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Mutation.updateUser")
    assert not (await User.get(id=target.id)).disabled


async def test_update_of_an_unknown_user_is_not_found(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    result = (await update_user(client, admin.token, 999999, name="Ghost"))["data"]["updateUser"]
    assert_refused(result, Reason.USER_NOT_FOUND, "userId")


# updateUser: what it does


async def test_disabling_takes_effect_on_the_next_request_and_ends_sessions(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    target = await make_person(Role.STAFF)
    assert (await gql_data(client, ME, token=target.token))["me"] is not None

    result = (await update_user(client, admin.token, target.id, disabled=True))["data"]["updateUser"]
    assert result["errors"] == [] and result["user"]["disabled"] is True
    assert (await gql_data(client, ME, token=target.token))["me"] is None
    body = await gql(client, 'mutation { createApiKey(input: {name: "x"}) { plaintextKey } }', token=target.token)
    assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Mutation.createApiKey")
    assert not await SessionToken.filter(user_id=target.id).exists()
    entry = await AuditEntry.get(action="user.disabled")
    assert (entry.before, entry.after) == ({"disabled": False}, {"disabled": True})

    # Re-enabling does not bring the old session back.
    enabled = (await update_user(client, admin.token, target.id, disabled=False))["data"]["updateUser"]
    assert enabled["errors"] == []
    assert await AuditEntry.filter(action="user.enabled").exists()
    assert (await gql_data(client, ME, token=target.token))["me"] is None


async def test_a_role_change_applies_to_the_very_next_request(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    target = await make_person(Role.USER)
    refused = await gql(client, USERS, token=target.token)
    assert_query_refused(refused, Reason.STAFF_ONLY)

    result = (await update_user(client, admin.token, target.id, role="STAFF"))["data"]["updateUser"]
    assert result["errors"] == [] and result["user"]["role"] == "STAFF"
    assert (await gql_data(client, ME, token=target.token))["me"]["role"] == "STAFF"
    assert (await gql_data(client, USERS, token=target.token))["users"]["totalCount"] == 2
    entry = await AuditEntry.get(action="user.role_changed")
    assert (entry.before, entry.after) == ({"role": "USER"}, {"role": "STAFF"})
    assert entry.actor_id == admin.id  # type: ignore[attr-defined]


async def test_rename_and_password_are_audited_without_the_hash(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    target = await make_person(Role.USER, name="Old Name", email="target@example.com")
    result = (await update_user(client, admin.token, target.id, name="  New Name ", password=PASSWORD))["data"]
    assert result["updateUser"]["errors"] == []
    assert result["updateUser"]["user"]["name"] == "New Name"
    assert await can_log_in(client, "target@example.com")
    # Setting someone else's password ends their other sessions.
    assert (await gql_data(client, ME, token=target.token))["me"] is None

    renamed = await AuditEntry.get(action="user.updated")
    assert (renamed.before, renamed.after) == ({"name": "Old Name"}, {"name": "New Name"})
    password_set = await AuditEntry.get(action="user.password_set")
    assert (password_set.before, password_set.after) == ({"passwordSet": False}, {"passwordSet": True})
    stored = await User.get(id=target.id)
    assert stored.password_hash
    for entry in await AuditEntry.all():
        assert stored.password_hash not in str(entry.before) + str(entry.after)
        assert PASSWORD not in str(entry.before) + str(entry.after)


async def test_an_admin_setting_their_own_password_stays_signed_in(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    result = (await update_user(client, admin.token, admin.id, password=PASSWORD))["data"]["updateUser"]
    assert result["errors"] == []
    assert (await gql_data(client, ME, token=admin.token))["me"] is not None


async def test_update_validates_every_field(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    target = await make_person(Role.USER, name="Keep")
    result = (await update_user(client, admin.token, target.id, name=" ", password="short"))["data"]["updateUser"]
    assert refusals(result) == [(Reason.REQUIRED, "name"), (Reason.TOO_SHORT, "password")]
    bad_id = (await gql_data(client, UPDATE, {"input": {"userId": "x"}}, token=admin.token))["updateUser"]
    assert_refused(bad_id, Reason.INVALID_ID, "userId")
    assert (await User.get(id=target.id)).name == "Keep"


async def test_an_update_that_changes_nothing_writes_no_audit_row(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    target = await make_person(Role.USER, name="Same")
    result = (await update_user(client, admin.token, target.id, name="Same", role="USER"))["data"]["updateUser"]
    assert result["errors"] == [] and result["user"]["name"] == "Same"
    assert not await AuditEntry.exists()


# the last enabled admin


@pytest.mark.parametrize("change", [{"role": "STAFF"}, {"role": "USER"}, {"disabled": True}])
async def test_the_last_enabled_admin_cannot_demote_or_disable_themselves(
    client: httpx.AsyncClient, change: dict[str, Any]
) -> None:
    admin = await make_person(Role.ADMIN)
    await make_person(Role.ADMIN, disabled=True)  # a disabled admin does not count
    result = (await update_user(client, admin.token, admin.id, **change))["data"]["updateUser"]
    assert result["user"] is None
    assert_refused(result, Reason.LAST_ADMIN)
    stored = await User.get(id=admin.id)
    assert (stored.role, stored.disabled) == (Role.ADMIN, False)
    assert not await AuditEntry.exists()


async def test_an_admin_can_step_down_while_another_admin_remains(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    other = await give_password(await make_person(Role.ADMIN))
    result = (await update_user(client, admin.token, admin.id, role="STAFF"))["data"]["updateUser"]
    assert result["errors"] == []
    assert (await gql_data(client, ME, token=admin.token))["me"]["role"] == "STAFF"
    # Now `other` is the last one.
    last = (await update_user(client, other.token, other.id, disabled=True))["data"]["updateUser"]
    assert_refused(last, Reason.LAST_ADMIN)


@pytest.mark.parametrize("change", [{"role": "STAFF"}, {"disabled": True}])
async def test_an_admin_without_a_password_does_not_count_as_the_remaining_admin(
    client: httpx.AsyncClient, change: dict[str, Any]
) -> None:
    admin = await give_password(await make_person(Role.ADMIN, email="ada@example.com"))
    created = await create_user(client, admin.token, email="nopass@example.com", role="ADMIN")
    assert created["data"]["createUser"]["errors"] == []  # an admin account nobody can sign in to yet
    no_password = await User.get(email="nopass@example.com")

    refused = (await update_user(client, admin.token, admin.id, **change))["data"]["updateUser"]

    assert_refused(refused, Reason.LAST_ADMIN)
    assert "password" in refused["errors"][0]["message"]
    assert (await User.get(id=admin.id)).role == Role.ADMIN and await can_log_in(client, "ada@example.com")
    # Once the other admin can sign in, stepping down is allowed, and the installation still has a usable admin.
    given = await update_user(client, admin.token, no_password.id, password=PASSWORD)
    assert given["data"]["updateUser"]["errors"] == []
    allowed = (await update_user(client, admin.token, admin.id, **change))["data"]["updateUser"]
    assert allowed["errors"] == []
    assert await can_log_in(client, "nopass@example.com")


# users


async def people() -> dict[str, Person]:
    return {
        "admin": await make_person(Role.ADMIN, name="Ada Admin", email="ada@example.com"),
        "staff": await make_person(Role.STAFF, name="Sam Staff", email="sam@example.com"),
        "user": await make_person(Role.USER, name="Uma User", email="uma@corp.example"),
        "disabled": await make_person(Role.STAFF, name="Dan Disabled", email="dan@example.com", disabled=True),
    }


async def names(client: httpx.AsyncClient, token: str | None, **variables: Any) -> list[str]:
    data = await gql_data(client, USERS, variables, token=token)
    return [edge["node"]["name"] for edge in data["users"]["edges"]]


async def test_admins_list_everyone_staff_only_enabled_accounts(client: httpx.AsyncClient) -> None:
    p = await people()
    assert await names(client, p["admin"].token) == ["Ada Admin", "Dan Disabled", "Sam Staff", "Uma User"]
    assert await names(client, p["staff"].token) == ["Ada Admin", "Sam Staff", "Uma User"]
    assert await names(client, p["staff"].token, role="STAFF") == ["Sam Staff"]
    assert await names(client, p["admin"].token, role="STAFF") == ["Dan Disabled", "Sam Staff"]


async def test_users_may_not_list_accounts_and_anonymous_must_sign_in(client: httpx.AsyncClient) -> None:
    p = await people()
    refused = await gql(client, USERS, token=p["user"].token)
    assert refused["data"] is None
    assert_query_refused(refused, Reason.STAFF_ONLY)
    anonymous = await gql(client, USERS)
    assert_query_refused(anonymous, Reason.SIGN_IN_REQUIRED, "Query.users")


async def test_search_matches_name_or_email_ignoring_case(client: httpx.AsyncClient) -> None:
    p = await people()
    assert await names(client, p["admin"].token, search="  sAm ") == ["Sam Staff"]
    assert await names(client, p["admin"].token, search="CORP.EXAMPLE") == ["Uma User"]
    assert await names(client, p["admin"].token, search="%") == []
    assert await names(client, p["admin"].token, search="_") == []


async def test_pages_follow_cursors_to_the_end(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN, name="Zed Admin")
    for _ in range(5):
        await make_person(Role.USER, name="Same Name")  # ties on name are ordered by id
    await make_person(Role.USER, name="Abe")
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        data = (await gql_data(client, USERS, {"first": 3, "after": after}, token=admin.token))["users"]
        pages += 1
        assert data["totalCount"] == 7
        assert data["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += [edge["node"]["id"] for edge in data["edges"]]
        assert data["pageInfo"]["endCursor"] == data["edges"][-1]["cursor"]
        assert data["pageInfo"]["startCursor"] == data["edges"][0]["cursor"]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert pages == 3
    ordered = await User.all().order_by("name", "id").values_list("id", flat=True)
    assert seen == [str(i) for i in ordered]


async def test_page_size_is_limited_and_cursors_are_checked(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    assert (await gql_data(client, USERS, {"first": 100}, token=admin.token))["users"]["totalCount"] == 1
    for first, message in [(101, "first is 101; the maximum is 100."), (0, "first is 0; the minimum is 1.")]:
        body = await gql(client, USERS, {"first": first}, token=admin.token)
        assert_query_refused(body, Reason.OUT_OF_RANGE, "first")
        assert body["errors"][0]["message"] == message
    for cursor in ["not a cursor", "WzFd", "eyJhIjoxfQ"]:  # garbage, [1], {"a":1}
        body = await gql(client, USERS, {"after": cursor}, token=admin.token)
        assert_query_refused(body, Reason.INVALID_CURSOR, "after")


async def test_a_page_costs_the_same_statements_whatever_its_size(
    client: httpx.AsyncClient, count_queries: QueryCounter
) -> None:
    admin = await make_person(Role.ADMIN)
    for _ in range(12):
        await make_person(Role.STAFF)
    query = "query ($first: Int) { users(first: $first) { totalCount edges { node { id name email groups { id } } } } }"
    counts = []
    for first in (2, 12):
        count_queries.statements.clear()
        data = await gql_data(client, query, {"first": first}, token=admin.token)
        assert len(data["users"]["edges"]) == first
        counts.append(count_queries.count)
    assert counts[0] == counts[1]


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(client: httpx.AsyncClient) -> None:
    first = await give_password(await make_person(Role.ADMIN))
    second = await give_password(await make_person(Role.ADMIN))
    results = await asyncio.gather(
        update_user(client, first.token, second.id, role="STAFF"),
        update_user(client, second.token, first.id, role="STAFF"),
    )
    outcomes = sorted((refusals(body["data"]["updateUser"]) for body in results), key=len)
    # Whichever runs second finds its author demoted (FORBIDDEN) or the last enabled admin (CONFLICT).
    assert outcomes[0] == [] and outcomes[1] in ([(Reason.ADMIN_ONLY, None)], [(Reason.LAST_ADMIN, None)])
    assert await User.filter(role=Role.ADMIN, disabled=False).count() == 1
