"""Hand-made hostile inputs (issue 6, "No input reaches a 500"): each one used to be INTERNAL_SERVER_ERROR and is now
a VALIDATION error naming the field and the rule, leaving nothing behind. Every test runs on SQLite and PostgreSQL
(several only ever failed on PostgreSQL). The transport cases are in tests/test_hostile_transport.py."""

from __future__ import annotations

import base64
import json
from datetime import UTC, timedelta
from typing import Any

import httpx
import pytest

from core.enums import Role
from models.accounts import GroupMember
from models.audit import AuditEntry
from models.replies import Reply
from models.tickets import Ticket
from resolvers.accounts.groups import MAX_MEMBERS, MAX_SCOPE_ENTRIES
from resolvers.kernel.errors import Reason
from resolvers.tickets.queue_filters import MAX_FILTER_ENTRIES, MAX_SEARCH_LENGTH
from tests.helpers import (
    ERRORS,
    ascii_gql,
    assert_query_refused,
    assert_refused,
    gql,
    gql_data,
    make_category,
    make_group,
    make_person,
    make_ticket,
    mutation_payload,
    refusals,
    surrogate_error,
)

TICKETS = "query ($f: TicketFilterInput, $after: String) { tickets(filter: $f, after: $after) { totalCount } }"
USERS = "query ($after: String) { users(after: $after) { totalCount } }"
AUDIT = "query ($f: AuditLogFilterInput, $after: String) { auditLog(filter: $f, after: $after) { totalCount } }"
OUTBOX = "query ($after: String) { outbox(after: $after) { totalCount } }"
CREATE_GROUP = f"mutation ($input: CreateGroupInput!) {{ createGroup(input: $input) {{ group {{ id }} {ERRORS} }} }}"
UPDATE_GROUP = f"mutation ($input: UpdateGroupInput!) {{ updateGroup(input: $input) {{ group {{ id }} {ERRORS} }} }}"
LOGIN = f"mutation ($input: LoginInput!) {{ login(input: $input) {{ token {ERRORS} }} }}"
INVALID_CURSOR = Reason.INVALID_CURSOR


def top_error(body: dict[str, Any]) -> tuple[Reason, str, str]:
    """(reason, field, message) of a query's one top-level error; its code must be the reason's."""
    assert body["data"] is None, body
    (error,) = body["errors"]
    reason = Reason(error["extensions"]["reason"])
    assert error["extensions"]["code"] == reason.code.value, error
    return reason, error["extensions"].get("field"), error["message"]


def cursor(value: Any) -> str:
    """A cursor in the list codec's format (URL-safe base64 of JSON) holding `value`."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# Lone surrogates: one check for every string input ---------------------------------------------------------------

# The 13 string inputs of the issue (10 of them were a 500), and a few more; the path is what the error names.
SURROGATE_CASES = [
    ("mutation ($input: LoginInput!) { login(input: $input) { token } }",
     {"input": {"email": "a\ud800@example.com", "password": "long enough"}}, "input.email"),
    ("mutation ($input: LoginInput!) { login(input: $input) { token } }",
     {"input": {"email": "a@example.com", "password": "long \udbff enough"}}, "input.password"),
    ("mutation ($input: CreateTicketInput!) { createTicket(input: $input) { ticket { id } } }",
     {"input": {"subject": "\ud800", "description": "d"}}, "input.subject"),
    ("mutation ($input: CreateTicketInput!) { createTicket(input: $input) { ticket { id } } }",
     {"input": {"subject": "s", "description": "x\udc00"}}, "input.description"),
    ("mutation ($input: AddReplyInput!) { addReply(input: $input) { reply { id } } }",
     {"input": {"number": 1, "body": "\ud800"}}, "input.body"),
    (TICKETS, {"f": {"search": "\ud800"}}, "f.search"),
    ("query ($s: String) { users(search: $s) { totalCount } }", {"s": "\ud800"}, "s"),
    ("mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { plaintextKey } }",
     {"input": {"name": "\ud800"}}, "input.name"),
    ("mutation ($input: CreateCategoryInput!) { createCategory(input: $input) { category { id } } }",
     {"input": {"name": "\ud800"}}, "input.name"),
    (AUDIT, {"f": {"action": "\ud800"}}, "f.action"),
    (AUDIT, {"f": {"entityType": "\ud800"}}, "f.entityType"),
    (AUDIT, {"f": {"entityId": "\ud800"}}, "f.entityId"),
    (AUDIT, {"f": {"actorId": "\ud800"}}, "f.actorId"),
    (TICKETS, {"after": "\ud800"}, "after"),
    ("mutation ($input: RegisterInput!) { register(input: $input) { token } }",
     {"input": {"email": "r@example.com", "name": "\ud800", "password": "long enough"}}, "input.name"),
    ("mutation ($input: EditReplyInput!) { editReply(input: $input) { reply { id } } }",
     {"input": {"replyId": "\ud800", "body": "b"}}, "input.replyId"),
]  # fmt: skip


@pytest.mark.parametrize(("document", "variables", "path"), SURROGATE_CASES)
async def test_a_lone_surrogate_in_any_string_input_is_refused_before_anything_runs(
    client: httpx.AsyncClient, document: str, variables: dict[str, Any], path: str
) -> None:
    admin = await make_person(Role.ADMIN)
    audit_rows = await AuditEntry.all().count()
    error = surrogate_error(await ascii_gql(client, document, variables, admin.token))
    assert error["extensions"]["field"] == path
    assert await AuditEntry.all().count() == audit_rows
    assert not await Ticket.exists()


# Login --------------------------------------------------------------------------------------------------------------


async def test_a_login_email_of_255_characters_is_refused_naming_the_limit(client: httpx.AsyncClient) -> None:
    email = "a" * 243 + "@example.com"
    assert len(email) == 255
    refused = await mutation_payload(client, LOGIN, "login", None, {"email": email, "password": "long enough"})
    assert_refused(refused, Reason.TOO_LONG, "email")
    assert "the maximum is 254" in refused["errors"][0]["message"]
    # 254 characters cannot name an account here either: the ordinary login failure.
    ordinary = await mutation_payload(client, LOGIN, "login", None, {"email": email[1:], "password": "long enough"})
    assert_refused(ordinary, Reason.LOGIN_FAILED)


# Lists ----------------------------------------------------------------------------------------------------------------


async def test_a_ticket_filter_with_40000_group_ids_is_refused_naming_the_maximum(client: httpx.AsyncClient) -> None:
    # 40,000 SQL parameters is past PostgreSQL's 32,767.
    staff = await make_person(Role.STAFF)
    body = await gql(client, TICKETS, {"f": {"groupIds": [str(i) for i in range(1, 40_001)]}}, staff.token)
    reason, field, message = top_error(body)
    assert (reason, field) == (Reason.TOO_MANY_ENTRIES, "filter.groupIds")
    assert f"the maximum is {MAX_FILTER_ENTRIES}" in message


@pytest.mark.parametrize(("name", "entry"), [("statusIds", "1"), ("groupIds", "1"), ("priorities", "HIGH")])
async def test_each_ticket_filter_list_is_served_at_its_maximum_and_refused_past_it(
    client: httpx.AsyncClient, name: str, entry: str
) -> None:
    staff = await make_person(Role.STAFF)
    await make_ticket(await make_category())
    served = await gql(client, TICKETS, {"f": {name: [entry] * MAX_FILTER_ENTRIES}}, staff.token)
    assert "errors" not in served, served
    refused = await gql(client, TICKETS, {"f": {name: [entry] * (MAX_FILTER_ENTRIES + 1)}}, staff.token)
    assert_query_refused(refused, Reason.TOO_MANY_ENTRIES, f"filter.{name}")


async def test_update_group_with_50000_member_ids_is_refused_and_changes_nothing(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    member = await make_person(Role.STAFF)
    group = await make_group(members=[member])
    payload = await mutation_payload(
        client, UPDATE_GROUP, "updateGroup", admin.token,
        {"groupId": str(group.id), "memberIds": [str(i) for i in range(1, 50_001)]},
    )  # fmt: skip
    assert_refused(payload, Reason.TOO_MANY_ENTRIES, "memberIds")
    assert await GroupMember.filter(group_id=group.id).values_list("user_id", flat=True) == [member.id]


@pytest.mark.parametrize(("operation", "document"), [("createGroup", CREATE_GROUP), ("updateGroup", UPDATE_GROUP)])
async def test_group_member_and_scope_lists_have_a_maximum(
    client: httpx.AsyncClient, operation: str, document: str
) -> None:
    admin = await make_person(Role.ADMIN)
    group = await make_group()
    target = {"groupId": str(group.id)} if operation == "updateGroup" else {"name": "Desk"}
    too_many = {
        "memberIds": [str(admin.id)] * (MAX_MEMBERS + 1),
        "scope": [{"categoryId": "1"}] * (MAX_SCOPE_ENTRIES + 1),
    }
    payload = await mutation_payload(client, document, operation, admin.token, {**target, **too_many})
    assert refusals(payload) == [(Reason.TOO_MANY_ENTRIES, "memberIds"), (Reason.TOO_MANY_ENTRIES, "scope")]
    maxima = [e["message"].rpartition("the maximum is ")[2] for e in payload["errors"]]
    assert maxima == [f"{MAX_MEMBERS}.", f"{MAX_SCOPE_ENTRIES}."]
    # At the maximum the list is read (the repeats of one id are one member).
    category = await make_category()
    at_most = {"memberIds": [str(admin.id)] * MAX_MEMBERS, "scope": [{"categoryId": str(category.id)}]}
    served = await mutation_payload(client, document, operation, admin.token, {**target, **at_most})
    assert served["errors"] == []


# Cursors --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "position"),
    [(TICKETS, ["UPDATED_DESC", ["2026-01-01T00:00:00+00:00", 10**30]]), (USERS, ["Ann", 10**30]),
     (AUDIT, [10**30]), (OUTBOX, [10**30])],
)  # fmt: skip
async def test_a_cursor_holding_10_to_the_30_is_a_validation_error_on_after(
    client: httpx.AsyncClient, document: str, position: list[Any]
) -> None:
    admin = await make_person(Role.ADMIN)
    assert_query_refused(await gql(client, document, {"after": cursor(position)}, admin.token), INVALID_CURSOR, "after")


BAD_POSITIONS = [
    ["Ann", float("inf")], ["Ann", 1.5], ["Ann", "12"], ["Ann", "١٢"], ["Ann", -1], ["Ann\x00", 1], ["Ann", True],
]


@pytest.mark.parametrize("position", BAD_POSITIONS)
async def test_a_cursor_with_a_value_no_list_writes_is_a_validation_error(
    client: httpx.AsyncClient, position: list[Any]
) -> None:
    admin = await make_person(Role.ADMIN)
    assert_query_refused(await gql(client, USERS, {"after": cursor(position)}, admin.token), INVALID_CURSOR, "after")


@pytest.mark.parametrize(
    "raw",
    [
        base64.urlsafe_b64encode(b'["Ann", NaN]').decode(),
        base64.urlsafe_b64encode(b'["\\ud800", 1]').decode(),  # a lone surrogate inside the cursor's JSON
        base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode(),  # RecursionError in json.loads
        "A" * 10_000,
    ],
)
async def test_a_cursor_with_hostile_json_inside_is_a_validation_error(client: httpx.AsyncClient, raw: str) -> None:
    admin = await make_person(Role.ADMIN)
    assert_query_refused(await gql(client, USERS, {"after": raw}, admin.token), INVALID_CURSOR, "after")


@pytest.mark.parametrize("moment", ["2026-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
async def test_a_ticket_cursor_with_a_time_no_list_writes_is_a_validation_error(
    client: httpx.AsyncClient, moment: str
) -> None:
    staff = await make_person(Role.STAFF)
    body = await gql(client, TICKETS, {"after": cursor(["UPDATED_DESC", [moment, 1]])}, staff.token)
    assert_query_refused(body, INVALID_CURSOR, "after")


# Times and numbers ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("document", "name"), [(TICKETS, "createdAfter"), (TICKETS, "createdBefore"),
                                                (AUDIT, "since"), (AUDIT, "until")])  # fmt: skip
async def test_a_time_filter_outside_the_calendar_is_refused(
    client: httpx.AsyncClient, document: str, name: str
) -> None:
    # Year 1 at +14:00 is before year 1 in UTC: the database driver raised OverflowError.
    admin = await make_person(Role.ADMIN)
    body = await gql(client, document, {"f": {name: "0001-01-01T00:00:00+14:00"}}, admin.token)
    assert_query_refused(body, Reason.OUT_OF_RANGE, f"filter.{name}")


async def test_a_time_filter_without_an_offset_is_read_as_utc(client: httpx.AsyncClient) -> None:
    # Tortoise warns (an error under pytest) about naive times; the filter makes them UTC first.
    admin = await make_person(Role.ADMIN)
    ticket = await make_ticket(await make_category())
    filed = ticket.created_at.astimezone(UTC).replace(tzinfo=None)
    for moment, count in ((filed - timedelta(minutes=1), 1), (filed + timedelta(minutes=1), 0)):
        data = await gql_data(client, TICKETS, {"f": {"createdAfter": moment.isoformat()}}, token=admin.token)
        assert data["tickets"]["totalCount"] == count


async def test_a_ticket_search_of_5000_digits_is_refused_naming_the_limit(client: httpx.AsyncClient) -> None:
    # Staff's numeric search opens a ticket by number; int() refuses more than 4,300 digits.
    staff = await make_person(Role.STAFF)
    body = await gql(client, TICKETS, {"f": {"search": "1" * 5000}}, staff.token)
    reason, field, message = top_error(body)
    assert (reason, field) == (Reason.TOO_LONG, "filter.search")
    assert f"the maximum is {MAX_SEARCH_LENGTH}" in message


async def test_integers_past_32_bits_in_int_arguments_are_refused_by_graphql(client: httpx.AsyncClient) -> None:
    user = await make_person()
    for document, variables in [
        ("query ($n: Int) { tickets(first: $n) { totalCount } }", {"n": 10**30}),
        ("query ($n: Int!) { ticket(number: $n) { number } }", {"n": 2**31}),
        ("query { ticket(number: 1000000000000000000000000000000) { number } }", {}),
    ]:
        body = await gql(client, document, variables, user.token)
        assert body["data"] is None
        assert "non 32-bit signed integer" in body["errors"][0]["message"]


# Admin inputs ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["action", "entityType", "entityId"])
async def test_a_nul_in_an_audit_log_filter_is_refused(client: httpx.AsyncClient, name: str) -> None:
    admin = await make_person(Role.ADMIN)
    body = await gql(client, AUDIT, {"f": {name: "ticket\x00"}}, admin.token)
    assert_query_refused(body, Reason.CONTAINS_NUL, f"filter.{name}")


@pytest.mark.parametrize(("name", "column"), [("action", 64), ("entityType", 32), ("entityId", 64)])
async def test_an_audit_log_filter_longer_than_its_column_is_refused(
    client: httpx.AsyncClient, name: str, column: int
) -> None:
    admin = await make_person(Role.ADMIN)
    body = await gql(client, AUDIT, {"f": {name: "9" * (column + 1)}}, admin.token)
    reason, field, message = top_error(body)
    assert (reason, field) == (Reason.TOO_LONG, f"filter.{name}")
    assert f"the maximum is {column}." in message
    assert "errors" not in await gql(client, AUDIT, {"f": {name: "9" * column}}, admin.token)


# IDs, members, blank text ---------------------------------------------------------------------------------------------


async def test_an_id_in_arabic_indic_digits_does_not_edit_reply_12(client: httpx.AsyncClient) -> None:
    staff = await make_person(Role.STAFF)
    ticket = await make_ticket(await make_category())
    for n in range(12):
        reply = await Reply.create(ticket=ticket, author=staff.user, body=f"reply {n}")
    assert reply.id == 12
    document = f"mutation ($input: EditReplyInput!) {{ editReply(input: $input) {{ reply {{ id }} {ERRORS} }} }}"
    payload = await mutation_payload(client, document, "editReply", staff.token, {"replyId": "١٢", "body": "edited"})
    assert_refused(payload, Reason.INVALID_ID, "replyId")
    assert (await Reply.get(id=12)).body == "reply 11"


@pytest.mark.parametrize("raw", ["\uff11\uff12", "1_2", "+12", " 12", "12 ", "²", "0x0c", "1" * 5000])
async def test_ids_that_int_would_read_are_refused(client: httpx.AsyncClient, raw: str) -> None:
    admin = await make_person(Role.ADMIN)
    document = f"mutation ($input: DeleteGroupInput!) {{ deleteGroup(input: $input) {{ deletedId {ERRORS} }} }}"
    payload = await mutation_payload(client, document, "deleteGroup", admin.token, {"groupId": raw})
    assert_refused(payload, Reason.INVALID_ID, "groupId")


async def test_a_disabled_account_cannot_be_added_to_a_group(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    staff = await make_person(Role.STAFF)
    disabled = await make_person(Role.STAFF, disabled=True)
    members = [str(staff.id), str(disabled.id)]
    created = await mutation_payload(
        client, CREATE_GROUP, "createGroup", admin.token, {"name": "D", "memberIds": members}
    )
    assert_refused(created, Reason.ACCOUNT_DISABLED, "memberIds")
    assert f"disabled accounts: {disabled.id};" in created["errors"][0]["message"]  # names the one at fault
    group = await make_group(members=[staff])
    updated = await mutation_payload(
        client, UPDATE_GROUP, "updateGroup", admin.token, {"groupId": str(group.id), "memberIds": members}
    )
    assert_refused(updated, Reason.ACCOUNT_DISABLED, "memberIds")
    assert await GroupMember.filter(group_id=group.id).values_list("user_id", flat=True) == [staff.id]


async def test_a_member_disabled_after_joining_may_stay_when_the_list_is_sent_again(client: httpx.AsyncClient) -> None:
    # An admin's screen sends the whole list back; renaming the group must not fail over a member disabled since.
    admin = await make_person(Role.ADMIN)
    leaver = await make_person(Role.STAFF, disabled=True)
    group = await make_group(members=[leaver])
    payload = await mutation_payload(
        client, UPDATE_GROUP, "updateGroup", admin.token,
        {"groupId": str(group.id), "name": "Renamed", "memberIds": [str(leaver.id)]},
    )  # fmt: skip
    assert payload["errors"] == []
    assert await GroupMember.filter(group_id=group.id).values_list("user_id", flat=True) == [leaver.id]


ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff \u00ad\u180e\u3164\u2800"


async def test_a_subject_of_only_zero_width_characters_is_refused_like_one_of_only_spaces(
    client: httpx.AsyncClient,
) -> None:
    user = await make_person()
    category = await make_category()
    document = f"mutation ($input: CreateTicketInput!) {{ createTicket(input: $input) {{ ticket {{ id }} {ERRORS} }} }}"
    for blank in ("   ", ZERO_WIDTH, *ZERO_WIDTH.split(" ")):
        data = await gql_data(
            client, document, {"input": {"subject": blank, "description": "d", "categoryId": str(category.id)}},
            token=user.token,
        )  # fmt: skip
        assert refusals(data["createTicket"]) == [(Reason.REQUIRED, "subject")], repr(blank)
    assert not await Ticket.exists()
    # Zero-width characters inside real text are kept (ZWJ emoji sequences, ZWNJ in Persian words).
    kept = "Printer \U0001f469\u200d\U0001f4bb \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    data = await gql_data(
        client, document, {"input": {"subject": kept, "description": "d", "categoryId": str(category.id)}},
        token=user.token,
    )  # fmt: skip
    assert data["createTicket"]["errors"] == []
    assert await Ticket.filter(subject=kept).exists()
