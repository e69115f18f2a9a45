"""createApiKey, revokeApiKey, myApiKeys: keys shown once, stored hashed, revoked at once."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from core.enums import Role
from models.accounts import ApiKey
from models.audit import AuditEntry
from resolvers.accounts.credentials import token_hash
from resolvers.kernel.errors import Reason
from tests.helpers import ERRORS, Person, assert_query_refused, assert_refused, gql, gql_data, make_person

CREATE = f"""
mutation ($input: CreateApiKeyInput!) {{
  createApiKey(input: $input) {{
    apiKey {{ id name prefix createdAt lastUsedAt revokedAt }}
    plaintextKey
    {ERRORS}
  }}
}}"""
REVOKE = f"""
mutation ($input: RevokeApiKeyInput!) {{
  revokeApiKey(input: $input) {{ apiKey {{ id revokedAt }} {ERRORS} }}
}}"""
MY_KEYS = "{ myApiKeys { id name prefix revokedAt } }"
ME = "{ me { id role } }"


async def create_key(client: httpx.AsyncClient, person: Person, name: str = "ci") -> dict[str, Any]:
    data = await gql_data(client, CREATE, {"input": {"name": name}}, token=person.token)
    result: dict[str, Any] = data["createApiKey"]
    return result


async def revoke(client: httpx.AsyncClient, token: str, key_id: str) -> dict[str, Any]:
    data = await gql_data(client, REVOKE, {"input": {"apiKeyId": key_id}}, token=token)
    result: dict[str, Any] = data["revokeApiKey"]
    return result


@pytest.mark.parametrize("role", [Role.ADMIN, Role.STAFF, Role.USER])
async def test_every_signed_in_role_can_create_a_key_that_authenticates_as_them(
    client: httpx.AsyncClient, role: Role
) -> None:
    person = await make_person(role)
    result = await create_key(client, person, "  Nightly export ")
    assert result["errors"] == []
    key = result["plaintextKey"]
    assert key.startswith("hd_") and len(key) > 30
    details = result["apiKey"]
    assert details["name"] == "Nightly export"
    assert key.startswith(details["prefix"]) and len(details["prefix"]) < len(key)
    assert details["revokedAt"] is None and details["lastUsedAt"] is None

    stored = await ApiKey.get(id=int(details["id"]))
    assert stored.key_hash == token_hash(key)
    assert stored.user_id == person.id  # type: ignore[attr-defined]
    me = (await gql_data(client, ME, token=key))["me"]
    assert me == {"id": str(person.id), "role": role.value}

    entry = await AuditEntry.get(action="api_key.created")
    assert entry.actor_id == person.id  # type: ignore[attr-defined]
    assert key not in str(entry.after) and stored.key_hash not in str(entry.after)


async def test_anonymous_cannot_create_or_revoke_or_list_keys(client: httpx.AsyncClient) -> None:
    for query, variables, root in [
        (CREATE, {"input": {"name": "ci"}}, "Mutation.createApiKey"),
        (REVOKE, {"input": {"apiKeyId": "1"}}, "Mutation.revokeApiKey"),
        (MY_KEYS, None, "Query.myApiKeys"),
    ]:
        body = await gql(client, query, variables)
        assert body["data"] is None
        assert_query_refused(body, Reason.SIGN_IN_REQUIRED, root)
    assert not await ApiKey.exists()


async def test_key_name_is_validated(client: httpx.AsyncClient) -> None:
    person = await make_person(Role.USER)
    for name, reason in [(" ", Reason.REQUIRED), ("k" * 101, Reason.TOO_LONG)]:
        result = await create_key(client, person, name)
        assert result["apiKey"] is None and result["plaintextKey"] is None
        assert_refused(result, reason, "name")
    assert not await ApiKey.exists()


async def test_the_plaintext_key_is_shown_only_once(client: httpx.AsyncClient) -> None:
    person = await make_person(Role.USER)
    key = (await create_key(client, person))["plaintextKey"]
    listed = await gql(client, "{ myApiKeys { id name prefix createdAt revokedAt } }", token=person.token)
    assert key not in str(listed)
    bad = await gql(client, "{ myApiKeys { plaintextKey } }", token=person.token)
    assert bad["errors"]  # no such field


async def test_owner_revokes_their_key_and_it_stops_working_on_the_next_request(client: httpx.AsyncClient) -> None:
    person = await make_person(Role.STAFF)
    created = await create_key(client, person)
    key, key_id = created["plaintextKey"], created["apiKey"]["id"]
    assert (await gql_data(client, ME, token=key))["me"] is not None

    result = await revoke(client, person.token, key_id)
    assert result["errors"] == []
    assert result["apiKey"]["id"] == key_id and result["apiKey"]["revokedAt"] is not None
    assert (await gql_data(client, ME, token=key))["me"] is None
    body = await gql(client, CREATE, {"input": {"name": "again"}}, token=key)
    assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Mutation.createApiKey")

    entry = await AuditEntry.get(action="api_key.revoked")
    assert entry.before["revokedAt"] is None  # type: ignore[index]
    assert entry.after["revokedAt"] is not None  # type: ignore[index]

    again = await revoke(client, person.token, key_id)
    assert_refused(again, Reason.ALREADY_REVOKED, "apiKeyId")


async def test_a_key_can_revoke_itself(client: httpx.AsyncClient) -> None:
    person = await make_person(Role.USER)
    created = await create_key(client, person)
    key = created["plaintextKey"]
    assert (await revoke(client, key, created["apiKey"]["id"]))["errors"] == []
    assert (await gql_data(client, ME, token=key))["me"] is None


@pytest.mark.parametrize("role", [Role.STAFF, Role.USER])
async def test_someone_elses_key_is_not_found_for_non_admins(client: httpx.AsyncClient, role: Role) -> None:
    owner = await make_person(Role.USER)
    other = await make_person(role)
    created = await create_key(client, owner)
    result = await revoke(client, other.token, created["apiKey"]["id"])
    assert result["apiKey"] is None
    assert_refused(result, Reason.API_KEY_NOT_FOUND, "apiKeyId")
    # Exactly like a key that does not exist.
    missing = await revoke(client, other.token, "999999")
    assert missing["errors"] == result["errors"]
    assert (await gql_data(client, ME, token=created["plaintextKey"]))["me"] is not None


async def test_admins_can_revoke_anyones_key(client: httpx.AsyncClient) -> None:
    owner = await make_person(Role.STAFF)
    admin = await make_person(Role.ADMIN)
    created = await create_key(client, owner)
    result = await revoke(client, admin.token, created["apiKey"]["id"])
    assert result["errors"] == []
    assert (await gql_data(client, ME, token=created["plaintextKey"]))["me"] is None
    entry = await AuditEntry.get(action="api_key.revoked")
    assert entry.actor_id == admin.id  # type: ignore[attr-defined]


async def test_revoke_validates_the_id(client: httpx.AsyncClient) -> None:
    person = await make_person(Role.USER)
    result = await revoke(client, person.token, "abc")
    assert_refused(result, Reason.INVALID_ID, "apiKeyId")


async def test_my_api_keys_lists_only_my_keys_newest_first(client: httpx.AsyncClient) -> None:
    me = await make_person(Role.USER)
    other = await make_person(Role.ADMIN)
    first = await create_key(client, me, "first")
    await create_key(client, me, "second")
    await create_key(client, other, "not mine")
    await revoke(client, me.token, first["apiKey"]["id"])
    keys = (await gql_data(client, MY_KEYS, token=me.token))["myApiKeys"]
    assert [k["name"] for k in keys] == ["second", "first"]
    assert keys[0]["revokedAt"] is None and keys[1]["revokedAt"] is not None


async def test_keys_of_a_disabled_account_stop_working(client: httpx.AsyncClient) -> None:
    person = await make_person(Role.USER)
    admin = await make_person(Role.ADMIN)
    key = (await create_key(client, person))["plaintextKey"]
    data = await gql_data(
        client,
        "mutation ($id: ID!) { updateUser(input: {userId: $id, disabled: true}) { errors { code } } }",
        {"id": str(person.id)},
        token=admin.token,
    )
    assert data["updateUser"]["errors"] == []
    assert (await gql_data(client, ME, token=key))["me"] is None
