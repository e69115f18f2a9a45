"""SLA policies: the admin CRUD (slaPolicies, createSlaPolicy, updateSlaPolicy, deleteSlaPolicy) and which policy a
new ticket gets (SPEC 9: most specific first)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from core.enums import Priority, Role
from models.audit import AuditEntry
from models.settings import Setting
from models.sla import SlaPolicy
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from resolvers.kernel.rate_limit import reset_local_counters
from tests.helpers import (
    ERRORS,
    admin_token,
    assert_admins_only,
    assert_query_refused,
    assert_refused,
    gql,
    gql_data,
    make_category,
    make_guest,
    make_person,
    make_ticket,
    mutation_document,
    mutation_payload,
    refusals,
)
from tests.tickets.sla_world import at, desk, policy, set_sla

POLICY = "policy { id name priority category { name } firstResponseMinutes resolutionMinutes }"
MUTATIONS = {
    "createSlaPolicy": mutation_document("createSlaPolicy", POLICY),
    "updateSlaPolicy": mutation_document("updateSlaPolicy", POLICY),
    "deleteSlaPolicy": mutation_document("deleteSlaPolicy", "deletedId"),
}
POLICIES = "{ slaPolicies { name priority category { name } firstResponseMinutes resolutionMinutes } }"


async def run(client: httpx.AsyncClient, operation: str, token: str | None, /, **input: Any) -> dict[str, Any]:
    return await mutation_payload(client, MUTATIONS[operation], operation, token, input)


async def state() -> list[Any]:
    return [await SlaPolicy.all().order_by("id").values(), await AuditEntry.all().count()]


VALID = {
    "createSlaPolicy": lambda p: {"name": "Gold", "firstResponseMinutes": 30, "resolutionMinutes": 240},
    "updateSlaPolicy": lambda p: {"policyId": str(p.id), "resolutionMinutes": 480},
    "deleteSlaPolicy": lambda p: {"policyId": str(p.id)},
}


@pytest.mark.parametrize("operation", list(MUTATIONS))
@pytest.mark.parametrize("role", ["staff", "user", "guest", "anonymous"])
async def test_only_admins_manage_policies(client: httpx.AsyncClient, operation: str, role: str) -> None:
    existing = await policy("Standard", 60, 600, priority=Priority.LOW)
    category = await make_category()
    tokens = {
        "staff": (await make_person(Role.STAFF)).token,
        "user": (await make_person(Role.USER)).token,
        "guest": (await make_guest(await make_ticket(category))).token,
        "anonymous": None,
    }
    before = await state()
    body = await gql(client, MUTATIONS[operation], {"input": VALID[operation](existing)}, token=tokens[role])
    if role == "guest":
        # Account-only mutations answer guests at the top level, like every other admin mutation.
        assert body["data"] is None
        assert_query_refused(body, Reason.FIELD_NOT_ALLOWED, f"Mutation.{operation}")
    else:
        assert_admins_only(body, operation, signed_in=role != "anonymous")
    assert await state() == before


@pytest.mark.parametrize("role", ["staff", "user", "guest", "anonymous"])
async def test_only_admins_read_policies(client: httpx.AsyncClient, role: str) -> None:
    await policy("Standard", 60, 600)
    category = await make_category()
    token = {
        "staff": (await make_person(Role.STAFF)).token,
        "user": (await make_person(Role.USER)).token,
        "guest": (await make_guest(await make_ticket(category))).token,
        "anonymous": None,
    }[role]
    body = await gql(client, POLICIES, token=token)
    expected = {
        "staff": (Reason.ADMIN_ONLY, None),
        "user": (Reason.ADMIN_ONLY, None),
        "guest": (Reason.FIELD_NOT_ALLOWED, "Query.slaPolicies"),
        "anonymous": (Reason.SIGN_IN_REQUIRED, "Query.slaPolicies"),
    }[role]
    assert_query_refused(body, *expected)


async def test_admins_create_update_list_and_delete_policies_each_audited(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    hardware = await make_category("Hardware")
    created = await run(client, "createSlaPolicy", admin.token, name=" Default ", firstResponseMinutes=60,
                        resolutionMinutes=480)  # fmt: skip
    assert created["errors"] == []
    assert created["policy"] == {"id": created["policy"]["id"], "name": "Default", "priority": None, "category": None,
                                 "firstResponseMinutes": 60, "resolutionMinutes": 480}  # fmt: skip
    specific = await run(client, "createSlaPolicy", admin.token, name="Hardware high", priority="HIGH",
                         categoryId=str(hardware.id), firstResponseMinutes=15, resolutionMinutes=120)  # fmt: skip
    assert specific["policy"]["category"] == {"name": "Hardware"} and specific["policy"]["priority"] == "HIGH"
    policy_id = specific["policy"]["id"]
    updated = await run(client, "updateSlaPolicy", admin.token, policyId=policy_id, priority=None, resolutionMinutes=90)
    assert updated["errors"] == []
    assert (updated["policy"]["priority"], updated["policy"]["resolutionMinutes"]) == (None, 90)
    listed = (await gql_data(client, POLICIES, token=admin.token))["slaPolicies"]
    assert [p["name"] for p in listed] == ["Default", "Hardware high"]
    deleted = await run(client, "deleteSlaPolicy", admin.token, policyId=policy_id)
    assert deleted == {"deletedId": policy_id, "errors": []}
    entries = await AuditEntry.all().order_by("id").values_list("action", "actor_id")
    assert entries == [("sla_policy.created", admin.id), ("sla_policy.created", admin.id),
                       ("sla_policy.updated", admin.id), ("sla_policy.deleted", admin.id)]  # fmt: skip
    update = await AuditEntry.get(action="sla_policy.updated")
    assert (update.before, update.after) == ({"priority": "HIGH", "resolution_minutes": 120},
                                             {"priority": None, "resolution_minutes": 90})  # fmt: skip


async def test_every_bad_field_is_reported_at_once_and_nothing_is_saved(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    existing = await policy("Standard", 60, 600)
    before = await state()
    payload = await run(client, "createSlaPolicy", token, name="", categoryId="999", firstResponseMinutes=0,
                        resolutionMinutes=525_601)  # fmt: skip
    assert payload["policy"] is None
    assert refusals(payload) == [(Reason.REQUIRED, "name"), (Reason.UNKNOWN_ID, "categoryId"),
                                 (Reason.OUT_OF_RANGE, "firstResponseMinutes"),
                                 (Reason.OUT_OF_RANGE, "resolutionMinutes")]  # fmt: skip
    payload = await run(client, "updateSlaPolicy", token, policyId=str(existing.id), firstResponseMinutes=-5)
    assert_refused(payload, Reason.OUT_OF_RANGE, "firstResponseMinutes")
    payload = await run(client, "updateSlaPolicy", token, policyId=str(existing.id), name=None, resolutionMinutes=None)
    assert refusals(payload) == [(Reason.REQUIRED, "name"), (Reason.REQUIRED, "resolutionMinutes")]
    payload = await run(client, "updateSlaPolicy", token, policyId="12345", name="x")
    assert_refused(payload, Reason.SLA_POLICY_NOT_FOUND, "policyId")
    payload = await run(client, "deleteSlaPolicy", token, policyId="abc")
    assert_refused(payload, Reason.INVALID_ID, "policyId")
    assert await state() == before


async def test_one_policy_per_priority_and_category_and_names_unique_ignoring_case(client: httpx.AsyncClient) -> None:
    token = await admin_token()
    hardware = await make_category("Hardware")
    await policy("Standard", 60, 600)
    await policy("Hardware", 60, 600, category=hardware)
    high = await policy("High", 30, 300, priority=Priority.HIGH)
    before = await state()
    targets = {"firstResponseMinutes": 10, "resolutionMinutes": 100}
    payload = await run(client, "createSlaPolicy", token, name="Another default", **targets)
    assert_refused(payload, Reason.SLA_POLICY_EXISTS, "priority")
    assert "the default policy" in payload["errors"][0]["message"]
    payload = await run(client, "createSlaPolicy", token, name="Other", categoryId=str(hardware.id), **targets)
    assert_refused(payload, Reason.SLA_POLICY_EXISTS, "categoryId")
    assert 'category "Hardware"' in payload["errors"][0]["message"]
    payload = await run(client, "createSlaPolicy", token, name="STANDARD", priority="LOW", **targets)
    assert_refused(payload, Reason.NAME_TAKEN, "name")
    # Moving a policy onto a pair that is taken is refused too; onto a free one it is fine.
    payload = await run(client, "updateSlaPolicy", token, policyId=str(high.id), priority=None)
    assert_refused(payload, Reason.SLA_POLICY_EXISTS, "priority")
    assert await state() == before
    both = await run(client, "createSlaPolicy", token, name="Hardware high", priority="HIGH",
                     categoryId=str(hardware.id), **targets)  # fmt: skip
    assert both["errors"] == []


async def test_the_database_keeps_one_policy_per_pair_under_concurrent_creates(db: str) -> None:
    import asyncio

    from resolvers.admin.sla_policies import PolicyInput, create_policy
    from resolvers.kernel.actor import Actor
    from resolvers.kernel.errors import DomainError

    admin = await make_person(Role.ADMIN)
    actor = Actor(user_id=admin.id, role=Role.ADMIN, email=admin.user.email, name=admin.user.name)
    results = await asyncio.gather(
        *(create_policy(actor, PolicyInput(name=f"Default {i}", priority=None, category_id=None,
                                           first_response_minutes=5, resolution_minutes=50)) for i in range(4)),
        return_exceptions=True,
    )  # fmt: skip
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 3 and all(e.reason is Reason.SLA_POLICY_EXISTS for e in refused), results
    assert await SlaPolicy.all().count() == 1


# --- which policy a new ticket gets --------------------------------------------------------------------------

SLA_POLICY = "query($n: Int!) { ticket(number: $n) { sla { policy { name } } } }"


async def test_the_most_specific_policy_is_chosen_at_filing(client: httpx.AsyncClient) -> None:
    world = await desk()
    await set_sla(True)
    other = await make_category("Facilities")
    await make_group_scope(world, other)
    await policy("Default", 60, 600)
    await policy("Hardware", 60, 600, category=world.category)
    await policy("High", 60, 600, priority=Priority.HIGH)
    await policy("Hardware high", 60, 600, priority=Priority.HIGH, category=world.category)
    cases = [
        ("HIGH", world.category.id, "Hardware high"),
        ("HIGH", other.id, "High"),
        ("LOW", world.category.id, "Hardware"),
        ("LOW", other.id, "Default"),
    ]
    for priority, category_id, expected in cases:
        number = await world.file(client, at(0), priority=priority, categoryId=str(category_id))
        data = await gql_data(client, SLA_POLICY, {"n": number}, world.admin.token)
        assert data["ticket"]["sla"]["policy"] == {"name": expected}, (priority, category_id)
    # Without a default, a ticket nothing else matches has no SLA.
    await SlaPolicy.filter(name="Default").delete()
    number = await world.file(client, at(0), priority="LOW", categoryId=str(other.id))
    assert (await gql_data(client, SLA_POLICY, {"n": number}, world.admin.token))["ticket"]["sla"] is None
    assert (await Ticket.get(number=number)).sla_policy_id is None


async def make_group_scope(world: Any, category: Any) -> None:
    from models.accounts import Group, GroupScope

    group = await Group.get(name="Desk")
    await GroupScope.create(group=group, category=category)


async def test_a_guest_submission_gets_its_policy_too(client: httpx.AsyncClient) -> None:
    world = await desk()
    await set_sla(True)
    await Setting.create(key="guest_submission_enabled", value=True)
    await policy("Hardware", 45, 600, category=world.category)
    reset_local_counters()
    submit = f"""mutation($i: SubmitGuestTicketInput!) {{ submitGuestTicket(input: $i) {{
      ticket {{ number }} {ERRORS} }} }}"""
    fields = {"email": "visitor@example.net", "subject": "Printer", "description": "Smoke"}
    data = await gql_data(client, submit, {"i": {**fields, "categoryId": str(world.category.id)}})
    number = data["submitGuestTicket"]["ticket"]["number"]
    sla = (await gql_data(client, SLA_POLICY, {"n": number}, world.staff.token))["ticket"]["sla"]
    assert sla == {"policy": {"name": "Hardware"}}
    ticket = await Ticket.get(number=number)
    assert (ticket.sla_response_minutes, ticket.sla_resolution_minutes) == (45, 600)


async def test_a_deleted_policy_leaves_its_tickets_their_deadlines(client: httpx.AsyncClient) -> None:
    world = await desk()
    await set_sla(True)
    standard = await policy("Standard", 60, 600)
    number = await world.file(client, at(0))
    await run(client, "deleteSlaPolicy", world.admin.token, policyId=str(standard.id))
    sla = await world.sla(client, number, at(70))
    assert (sla["policy"], sla["state"]) == (None, "BREACHED")


async def test_editing_a_policy_keeps_the_targets_of_tickets_filed_earlier(client: httpx.AsyncClient) -> None:
    world = await desk()
    await set_sla(True)
    standard = await policy("Standard", 60, 600)
    before = await world.file(client, at(0))
    await run(client, "updateSlaPolicy", world.admin.token, policyId=str(standard.id), firstResponseMinutes=120)
    after = await world.file(client, at(0))
    assert (await world.sla(client, before, at(1)))["responseDueAt"] == at(60).isoformat()
    assert (await world.sla(client, after, at(1)))["responseDueAt"] == at(120).isoformat()
