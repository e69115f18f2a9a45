"""Settings: the `settings` query for staff and admins, and updateSettings for admins."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from core.enums import Role
from models.audit import AuditEntry
from models.settings import Setting
from resolvers.kernel.actor import Actor
from resolvers.kernel.errors import DomainError, Reason
from resolvers.kernel.settings import SETTINGS, defaults, get_settings, update_settings
from tests.helpers import ERRORS, assert_query_refused, assert_refused, gql, gql_data, make_person, refusals

FIELDS = " ".join(spec.field for spec in SETTINGS)
READ = f"{{ settings {{ {FIELDS} }} }}"
UPDATE = f"""
mutation ($input: UpdateSettingsInput!) {{
  updateSettings(input: $input) {{ settings {{ {FIELDS} }} {ERRORS} }}
}}"""
DEFAULTS = {spec.field: spec.default for spec in SETTINGS}


async def update(client: httpx.AsyncClient, token: str | None, **input: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql_data(client, UPDATE, {"input": input}, token=token))["updateSettings"]
    return payload


async def state() -> list[Any]:
    return [await Setting.all().order_by("key").values("key", "value"), await AuditEntry.all().count()]


async def test_every_defined_setting_is_a_typed_field(client: httpx.AsyncClient) -> None:
    query = '{ __type(name: "Settings") { fields { name type { kind ofType { name } } } } }'
    fields = (await gql_data(client, query))["__type"]["fields"]
    expected = {spec.field: "Boolean" if spec.kind is bool else "Int" for spec in SETTINGS}
    assert {f["name"]: f["type"]["ofType"]["name"] for f in fields} == expected
    assert all(f["type"]["kind"] == "NON_NULL" for f in fields)


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMIN])
async def test_staff_and_admins_read_the_settings(client: httpx.AsyncClient, role: Role) -> None:
    person = await make_person(role)
    assert (await gql_data(client, READ, token=person.token))["settings"] == DEFAULTS
    await Setting.create(key="reopen_window_days", value=3)
    assert (await gql_data(client, READ, token=person.token))["settings"]["reopenWindowDays"] == 3


async def test_requesters_and_anonymous_callers_cannot_read_the_settings(client: httpx.AsyncClient) -> None:
    user = await make_person(Role.USER)
    body = await gql(client, READ, token=user.token)
    assert body["data"] is None
    assert_query_refused(body, Reason.STAFF_ONLY)
    body = await gql(client, READ)
    assert body["data"] is None
    assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Query.settings")


@pytest.mark.parametrize("role", [Role.STAFF, Role.USER, None], ids=["staff", "user", "anonymous"])
async def test_only_admins_may_change_settings(client: httpx.AsyncClient, role: Role | None) -> None:
    token = (await make_person(role)).token if role else None
    before = await state()
    body = await gql(client, UPDATE, {"input": {"slaEnabled": True}}, token=token)
    if role is None:
        assert body["data"] is None
        assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Mutation.updateSettings")
    else:
        assert body["data"]["updateSettings"]["settings"] is None
        assert_refused(body["data"]["updateSettings"], Reason.ADMIN_ONLY)
    assert await state() == before


async def test_admins_change_settings_with_one_audit_entry_of_what_changed(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    payload = await update(
        client,
        admin.token,
        reopenWindowDays=0,
        slaEnabled=True,
        selfRegistrationEnabled=True,  # already the default: not a change
    )
    assert payload["errors"] == []
    assert payload["settings"] == {**DEFAULTS, "reopenWindowDays": 0, "slaEnabled": True}
    assert await get_settings() == {**defaults(), "reopen_window_days": 0, "sla_enabled": True}
    audit = await AuditEntry.get(action="settings.updated")
    assert (audit.actor_id, audit.entity_type) == (admin.id, "settings")  # type: ignore[attr-defined]
    assert audit.before == {"reopen_window_days": 7, "sla_enabled": False}
    assert audit.after == {"reopen_window_days": 0, "sla_enabled": True}

    # Changing a stored value again updates it in place; sending the current values records nothing.
    payload = await update(client, admin.token, reopenWindowDays=14)
    assert payload["settings"]["reopenWindowDays"] == 14
    assert await Setting.filter(key="reopen_window_days").values_list("value", flat=True) == [14]
    await update(client, admin.token, reopenWindowDays=14, slaEnabled=True)
    assert await AuditEntry.filter(action="settings.updated").count() == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reopenWindowDays", -1, "reopenWindowDays is -1; it must be between 0 and 365."),
        ("reopenWindowDays", 366, "reopenWindowDays is 366; it must be between 0 and 365."),
        ("guestLinkDays", 0, "guestLinkDays is 0; it must be between 1 and 365."),
        ("maxAttachmentBytes", 0, "maxAttachmentBytes is 0; it must be between 1 and 1073741824."),
        ("maxAttachmentBytes", 2**30 + 1, "maxAttachmentBytes is 1073741825; it must be between 1 and 1073741824."),
    ],
)
async def test_values_outside_the_bounds_are_refused(
    client: httpx.AsyncClient, field: str, value: int, message: str
) -> None:
    admin = await make_person(Role.ADMIN)
    before = await state()
    payload = await update(client, admin.token, **{field: value})
    assert payload["settings"] is None
    assert_refused(payload, Reason.OUT_OF_RANGE, field)
    # The message names the field and its bounds (DESIGN: errors for people).
    assert payload["errors"][0]["message"] == message
    assert await state() == before


async def test_one_bad_value_saves_nothing_and_every_bad_value_is_reported(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    before = await state()
    payload = await update(client, admin.token, slaEnabled=True, reopenWindowDays=400, guestLinkDays=0)
    assert payload["settings"] is None
    assert refusals(payload) == [(Reason.OUT_OF_RANGE, "reopenWindowDays"), (Reason.OUT_OF_RANGE, "guestLinkDays")]
    assert await state() == before
    assert (await get_settings())["sla_enabled"] is False


async def test_values_of_the_wrong_type_are_refused(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    # GraphQL's own types refuse them at the endpoint...
    body = await gql(client, UPDATE, {"input": {"reopenWindowDays": "7"}}, token=admin.token)
    assert body["data"] is None and body["errors"]
    # ...and the rule itself refuses them for any other caller; true is not a number here.
    actor = Actor(user_id=admin.id, role=Role.ADMIN, email=admin.user.email, name=admin.user.name)
    with pytest.raises(DomainError) as refused:
        await update_settings(actor, {"reopen_window_days": True, "sla_enabled": 1, "no_such_setting": 1})
    assert refusals(refused.value) == [
        (Reason.WRONG_TYPE, "reopenWindowDays"),
        (Reason.WRONG_TYPE, "slaEnabled"),
        (Reason.NOT_A_SETTING, "noSuchSetting"),
    ]
    assert await state() == [[], 0]
