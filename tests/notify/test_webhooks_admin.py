"""Webhook administration through GraphQL: CRUD, the secret shown once, the event list, the URL rules (no
private addresses unless the setting allows them), who may do it, and what each call costs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from core.enums import Role
from models.audit import AuditEntry
from models.settings import Setting
from models.webhooks import Webhook
from resolvers.kernel.errors import Reason
from tests.conftest import StatementLog
from tests.helpers import (
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

HOOK = "webhook { id url events allEvents enabled createdAt }"
CREATE = mutation_document("createWebhook", f"{HOOK} secret")
UPDATE = mutation_document("updateWebhook", HOOK)
DELETE = mutation_document("deleteWebhook", "deletedId")
LIST = "{ webhooks { id url events allEvents enabled } }"
PUBLIC_URL = "https://93.184.215.14/hook"  # a public address literal: no DNS needed


async def allow_private(allowed: bool = True) -> None:
    await Setting.update_or_create(key="webhook_private_addresses_allowed", defaults={"value": allowed})


async def create(client: httpx.AsyncClient, token: str, **input: Any) -> dict[str, Any]:
    return await mutation_payload(client, CREATE, "createWebhook", token, {"url": PUBLIC_URL, **input})


async def test_an_admin_creates_lists_updates_and_deletes_a_webhook(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)

    created = await create(client, admin.token, events=["ticket.closed", "ticket.created"])
    assert created["errors"] == []
    hook = created["webhook"]
    # Stored in the declared order, whatever order they came in.
    assert (hook["url"], hook["events"], hook["allEvents"], hook["enabled"]) == (
        PUBLIC_URL,
        ["ticket.created", "ticket.closed"],
        False,
        True,
    )
    assert len(created["secret"]) >= 40
    assert (await Webhook.get(id=int(hook["id"]))).secret == created["secret"]

    listed = (await gql_data(client, LIST, token=admin.token))["webhooks"]
    assert listed == [{k: hook[k] for k in ("id", "url", "events", "allEvents", "enabled")}]

    updated = await mutation_payload(
        client, UPDATE, "updateWebhook", admin.token, {"webhookId": hook["id"], "events": None, "enabled": False}
    )
    assert updated["errors"] == []
    assert (updated["webhook"]["events"], updated["webhook"]["allEvents"], updated["webhook"]["enabled"]) == (
        [],
        True,
        False,
    )
    assert updated["webhook"]["url"] == PUBLIC_URL

    deleted = await mutation_payload(client, DELETE, "deleteWebhook", admin.token, {"webhookId": hook["id"]})
    assert deleted == {"deletedId": hook["id"], "errors": []}
    assert await Webhook.all().count() == 0
    actions = await AuditEntry.filter(entity_type="webhook").order_by("id").values_list("action", flat=True)
    assert actions == ["webhook.created", "webhook.updated", "webhook.deleted"]


async def test_the_schema_has_no_way_to_read_a_secret(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    await create(client, admin.token)
    body = await gql(client, "{ webhooks { secret } }", token=admin.token)
    assert body.get("data") is None and "secret" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://240.0.0.1/hook",
    ],
)
async def test_private_addresses_are_refused_unless_the_setting_allows_them(
    client: httpx.AsyncClient, url: str
) -> None:
    admin = await make_person(Role.ADMIN)

    refused = await create(client, admin.token, url=url)
    assert_refused(refused, Reason.PRIVATE_ADDRESS, "url")
    assert refused["webhook"] is None and refused["secret"] is None
    assert await Webhook.all().count() == 0
    assert await AuditEntry.filter(entity_type="webhook").count() == 0

    await allow_private()
    allowed = await create(client, admin.token, url=url)
    assert allowed["errors"] == [] and allowed["webhook"]["url"] == url


async def test_an_update_to_a_private_address_is_refused_and_changes_nothing(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    hook = (await create(client, admin.token))["webhook"]
    payload = await mutation_payload(
        client, UPDATE, "updateWebhook", admin.token, {"webhookId": hook["id"], "url": "http://10.0.0.7/"}
    )
    assert_refused(payload, Reason.PRIVATE_ADDRESS, "url")
    assert (await Webhook.get(id=int(hook["id"]))).url == PUBLIC_URL


@pytest.mark.parametrize(
    ("input", "expected"),
    [
        ({"url": "ftp://93.184.215.14/x"}, [(Reason.INVALID_URL, "url")]),
        ({"url": "not a url"}, [(Reason.INVALID_URL, "url")]),
        ({"url": "https://user:pw@93.184.215.14/"}, [(Reason.INVALID_URL, "url")]),
        ({"url": "  "}, [(Reason.REQUIRED, "url")]),
        ({"events": ["ticket.created", "ticket.exploded"]}, [(Reason.UNKNOWN_EVENT, "events")]),
        ({"url": "http://:80/", "events": ["nope"]}, [(Reason.INVALID_URL, "url"), (Reason.UNKNOWN_EVENT, "events")]),
    ],
)
async def test_bad_input_is_refused_naming_the_field(
    client: httpx.AsyncClient, input: dict[str, Any], expected: list[tuple[Reason, str]]
) -> None:
    admin = await make_person(Role.ADMIN)
    payload = await create(client, admin.token, **input)
    assert refusals(payload) == expected
    assert await Webhook.all().count() == 0


async def test_unknown_webhooks_are_not_found(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    payload = await mutation_payload(client, DELETE, "deleteWebhook", admin.token, {"webhookId": "999"})
    assert_refused(payload, Reason.WEBHOOK_NOT_FOUND, "webhookId")


ROLES = ["staff", "user", "guest", "anonymous"]


async def _token_of(role: str) -> str | None:
    if role == "staff":
        return (await make_person(Role.STAFF)).token
    if role == "user":
        return (await make_person(Role.USER)).token
    if role == "guest":
        return (await make_guest(await make_ticket(await make_category()))).token
    return None


@pytest.mark.parametrize("role", ROLES)
async def test_only_admins_may_see_or_change_webhooks(client: httpx.AsyncClient, role: str) -> None:
    admin = await make_person(Role.ADMIN)
    hook = (await create(client, admin.token))["webhook"]
    token = await _token_of(role)

    for document, operation, input in (
        (CREATE, "createWebhook", {"url": PUBLIC_URL}),
        (UPDATE, "updateWebhook", {"webhookId": hook["id"], "enabled": False}),
        (DELETE, "deleteWebhook", {"webhookId": hook["id"]}),
        (mutation_document("redeliverWebhook", "delivery { id }"), "redeliverWebhook", {"deliveryId": "1"}),
    ):
        body = await gql(client, document, {"input": input}, token=token)
        if role in ("staff", "user"):
            assert_refused(body["data"][operation], Reason.ADMIN_ONLY)
        else:
            assert body["data"] is None, body
            reason = Reason.SIGN_IN_REQUIRED if role == "anonymous" else Reason.FIELD_NOT_ALLOWED
            assert_query_refused(body, reason, f"Mutation.{operation}")
    for document, name in ((LIST, "webhooks"), (f'{{ webhookDeliveries(webhookId: "{hook["id"]}") {{ id }} }}',
                                                  "webhookDeliveries")):  # fmt: skip
        body = await gql(client, document, token=token)
        assert body["data"] is None, body
        if role in ("staff", "user"):
            assert_query_refused(body, Reason.ADMIN_ONLY)
        else:
            reason = Reason.SIGN_IN_REQUIRED if role == "anonymous" else Reason.FIELD_NOT_ALLOWED
            assert_query_refused(body, reason, f"Query.{name}")
    stored = await Webhook.get(id=int(hook["id"]))
    assert stored.enabled and await Webhook.all().count() == 1


async def counted(
    client: httpx.AsyncClient, log: StatementLog, document: str, input: dict[str, Any], token: str
) -> int:
    log.clear()
    body = await gql(client, document, {"input": input}, token=token)
    assert not body.get("errors"), body
    return log.count


async def test_webhook_crud_statement_counts(client: httpx.AsyncClient, count_statements: StatementLog) -> None:
    admin = await make_person(Role.ADMIN)
    await create(client, admin.token)  # warm the driver
    # Authentication, the setting, BEGIN, INSERT, audit INSERT, COMMIT.
    assert await counted(client, count_statements, CREATE, {"url": PUBLIC_URL}, admin.token) == 6
    hook_id = str((await Webhook.all().order_by("-id").first().values("id"))["id"])  # type: ignore[index]
    # Authentication, the webhook, the setting, BEGIN, UPDATE, audit INSERT, COMMIT.
    assert await counted(client, count_statements, UPDATE, {"webhookId": hook_id, "url": PUBLIC_URL + "2"},
                         admin.token) == 7  # fmt: skip
    # Authentication, the webhook, BEGIN, DELETE, audit INSERT, COMMIT.
    assert await counted(client, count_statements, DELETE, {"webhookId": hook_id}, admin.token) == 6
    count_statements.clear()
    await gql_data(client, LIST, token=admin.token)
    # Authentication, the list.
    assert count_statements.count == 2
