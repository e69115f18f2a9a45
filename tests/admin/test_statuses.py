"""Statuses: the `statuses` query and createStatus / updateStatus / deleteStatus for admins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from core.enums import Role, StatusKind
from models.audit import AuditEntry
from models.statuses import Status
from resolvers.kernel.errors import Reason
from tests.helpers import (
    admin_token,
    assert_admins_only,
    assert_query_refused,
    assert_refused,
    gql,
    gql_data,
    make_category,
    make_person,
    make_ticket,
    mutation_document,
    mutation_payload,
    refusals,
    status_of,
)

STATUS = "status { id name kind color sortOrder pausesSla }"
MUTATIONS = {
    "createStatus": mutation_document("createStatus", STATUS),
    "updateStatus": mutation_document("updateStatus", STATUS),
    "deleteStatus": mutation_document("deleteStatus", "deletedId"),
}
STATUSES = "{ statuses { name kind color sortOrder pausesSla } }"


async def run(client: httpx.AsyncClient, operation: str, token: str | None, /, **input: Any) -> dict[str, Any]:
    return await mutation_payload(client, MUTATIONS[operation], operation, token, input)


async def state() -> list[Any]:
    return [await Status.all().order_by("id").values(), await AuditEntry.all().count()]


async def custom_status(name: str = "Waiting on vendor", **fields: Any) -> Status:
    return await Status.create(name=name, kind=StatusKind.CUSTOM, **fields)


VALID_INPUTS: dict[str, Callable[[Status], dict[str, Any]]] = {
    "createStatus": lambda s: {"name": "On hold", "color": "#123abc"},
    "updateStatus": lambda s: {"statusId": str(s.id), "color": "#000000"},
    "deleteStatus": lambda s: {"statusId": str(s.id)},
}


@pytest.mark.parametrize("operation", list(MUTATIONS))
@pytest.mark.parametrize("role", [Role.STAFF, Role.USER, None], ids=["staff", "user", "anonymous"])
async def test_only_admins_may_manage_statuses(client: httpx.AsyncClient, operation: str, role: Role | None) -> None:
    status = await custom_status()
    token = (await make_person(role)).token if role else None
    before = await state()
    body = await gql(client, MUTATIONS[operation], {"input": VALID_INPUTS[operation](status)}, token=token)
    assert_admins_only(body, operation, signed_in=role is not None)
    assert await state() == before


@pytest.mark.parametrize("operation", list(MUTATIONS))
async def test_admins_manage_statuses_and_each_change_is_audited(client: httpx.AsyncClient, operation: str) -> None:
    status = await custom_status()
    admin = await make_person(Role.ADMIN)
    assert (await run(client, operation, admin.token, **VALID_INPUTS[operation](status)))["errors"] == []
    verb = {"create": "created", "update": "updated", "delete": "deleted"}[operation[:6]]
    entries = await AuditEntry.all().values("action", "entity_type", "actor_id")
    assert entries == [{"action": f"status.{verb}", "entity_type": "status", "actor_id": admin.id}]


async def test_create_makes_a_custom_status_after_the_last_one(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    payload = await run(client, "createStatus", token, name=" On hold ", color="#ABCDEF", pausesSla=True)
    created = payload["status"]
    assert created == {
        "id": created["id"],
        "name": "On hold",
        "kind": "CUSTOM",
        "color": "#abcdef",
        "sortOrder": 60,  # the seeded Closed status sorts at 50
        "pausesSla": True,
    }
    entry = await AuditEntry.get(action="status.created")
    assert entry.entity_id == created["id"]
    assert entry.after == {
        "name": "On hold",
        "kind": "CUSTOM",
        "color": "#abcdef",
        "sort_order": 60,
        "pauses_sla": True,
    }

    explicit = await run(client, "createStatus", token, name="Triage", color="#000000", sortOrder=15)
    assert explicit["status"]["sortOrder"] == 15 and explicit["status"]["pausesSla"] is False


async def test_every_bad_field_is_reported_at_once_and_nothing_is_saved(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    before = await state()
    payload = await run(client, "createStatus", token, name="x" * 51, color="blue")
    assert payload["status"] is None
    assert refusals(payload) == [(Reason.TOO_LONG, "name"), (Reason.INVALID_COLOUR, "color")]
    new = await status_of(StatusKind.NEW)
    for colour in ("#12345", "123456", "#12345g", ""):
        payload = await run(client, "updateStatus", token, statusId=str(new.id), color=colour)
        assert_refused(payload, Reason.INVALID_COLOUR, "color")
    payload = await run(client, "updateStatus", token, statusId="seven", name="")
    assert refusals(payload) == [(Reason.INVALID_ID, "statusId"), (Reason.REQUIRED, "name")]
    assert await state() == before


async def test_names_are_unique_ignoring_case(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    waiting = await custom_status("Waiting")

    before = await state()
    payload = await run(client, "createStatus", token, name="in progress", color="#000000")
    assert_refused(payload, Reason.NAME_TAKEN, "name")
    assert (
        payload["errors"][0]["message"] == 'name "in progress" is already used by another status; names must be unique.'
    )
    payload = await run(client, "updateStatus", token, statusId=str(waiting.id), name="NEW")
    assert_refused(payload, Reason.NAME_TAKEN, "name")
    assert await state() == before
    renamed = await run(client, "updateStatus", token, statusId=str(waiting.id), name="WAITING")
    assert renamed["errors"] == [] and renamed["status"]["name"] == "WAITING"


async def test_system_statuses_can_be_renamed_and_recoloured_but_keep_their_kind(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    resolved = await status_of(StatusKind.RESOLVED)
    payload = await run(
        client, "updateStatus", token, statusId=str(resolved.id), name="Done", color="#00FF00", pausesSla=True
    )
    assert payload["errors"] == []
    assert payload["status"] == {
        "id": str(resolved.id),
        "name": "Done",
        "kind": "RESOLVED",
        "color": "#00ff00",
        "sortOrder": 40,
        "pausesSla": True,
    }
    entry = await AuditEntry.get(action="status.updated")
    assert entry.before == {"name": "Resolved", "color": "#16a34a", "pauses_sla": False}
    assert entry.after == {"name": "Done", "color": "#00ff00", "pauses_sla": True}
    assert (await Status.get(id=resolved.id)).kind == StatusKind.RESOLVED


@pytest.mark.parametrize("kind", [StatusKind.NEW, StatusKind.RESOLVED, StatusKind.CLOSED])
async def test_system_statuses_cannot_be_deleted(client: httpx.AsyncClient, kind: StatusKind) -> None:
    token = await admin_token()
    status = await status_of(kind)
    before = await state()
    payload = await run(client, "deleteStatus", token, statusId=str(status.id))
    assert payload["deletedId"] is None
    assert_refused(payload, Reason.SYSTEM_STATUS, "statusId")
    assert await state() == before


async def test_a_status_in_use_cannot_be_deleted(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    pending = await Status.get(name="Pending")
    category = await make_category()
    await make_ticket(category, status=pending)
    await make_ticket(category, status=pending)
    before = await state()
    payload = await run(client, "deleteStatus", token, statusId=str(pending.id))
    assert_refused(payload, Reason.IN_USE, "statusId")
    assert "while 2 tickets use it" in payload["errors"][0]["message"]
    assert await state() == before


async def test_deleting_an_unused_custom_status_removes_it_and_records_it(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    status = await custom_status("Waiting", color="#111111", sort_order=25)
    payload = await run(client, "deleteStatus", token, statusId=str(status.id))
    assert payload == {"deletedId": str(status.id), "errors": []}
    assert not await Status.exists(id=status.id)
    entry = await AuditEntry.get(action="status.deleted")
    assert entry.before == {
        "name": "Waiting",
        "kind": "CUSTOM",
        "color": "#111111",
        "sort_order": 25,
        "pauses_sla": False,
    }


async def test_unknown_statuses_are_not_found(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    missing = Reason.STATUS_NOT_FOUND
    assert_refused(await run(client, "updateStatus", token, statusId="999", name="X"), missing, "statusId")
    assert_refused(await run(client, "deleteStatus", token, statusId="999"), missing, "statusId")


async def test_statuses_are_listed_in_sort_order_for_anyone_signed_in(client: httpx.AsyncClient) -> None:
    await custom_status("Triage", sort_order=15, color="#222222")
    body = await gql(client, STATUSES)
    assert body["data"] is None
    assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Query.statuses")
    for role in (Role.USER, Role.STAFF, Role.ADMIN):
        person = await make_person(role)
        data = await gql_data(client, STATUSES, token=person.token)
        assert [(s["name"], s["kind"], s["sortOrder"]) for s in data["statuses"]] == [
            ("New", "NEW", 10),
            ("Triage", "CUSTOM", 15),
            ("In Progress", "CUSTOM", 20),
            ("Pending", "CUSTOM", 30),
            ("Resolved", "RESOLVED", 40),
            ("Closed", "CLOSED", 50),
        ]
    assert data["statuses"][3]["pausesSla"] is True
