"""auditLog: admins read the whole log, newest first, filtered and paged; nobody else reads it."""

from __future__ import annotations

import httpx
import pytest

from core.enums import Role
from resolvers.kernel.errors import Reason
from tests.helpers import assert_query_refused, gql, gql_data, make_category, make_person, make_ticket

LOG = """query($f: AuditLogFilterInput, $first: Int, $after: String) {
  auditLog(filter: $f, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { action entityType entityId actor { id } before after } }
  }
}"""
UPDATE = "mutation($i: UpdateTicketInput!) { updateTicket(input: $i) { errors { code } } }"


@pytest.mark.parametrize(
    ("role", "reason"),
    [(Role.STAFF, Reason.ADMIN_ONLY), (Role.USER, Reason.ADMIN_ONLY), (None, Reason.SIGN_IN_REQUIRED)],
)
async def test_only_admins_read_the_log(client: httpx.AsyncClient, role: Role | None, reason: Reason) -> None:
    person = await make_person(role) if role else None
    body = await gql(client, LOG, {}, person.token if person else None)
    assert body["data"] is None
    # Without a token the gate refuses the root field by name; signed in, the resolver refuses the role.
    assert_query_refused(body, reason, "Query.auditLog" if role is None else None)


async def test_admin_pages_through_filtered_entries_newest_first(client: httpx.AsyncClient) -> None:
    admin = await make_person(Role.ADMIN)
    category = await make_category()
    first_ticket, second_ticket = await make_ticket(category), await make_ticket(category)
    for priority in ("HIGH", "LOW", "CRITICAL"):
        await gql_data(client, UPDATE, {"i": {"number": first_ticket.number, "priority": priority}}, admin.token)
    await gql_data(client, UPDATE, {"i": {"number": second_ticket.number, "priority": "LOW"}}, admin.token)

    everything = await gql_data(client, LOG, {"first": 100}, admin.token)
    assert everything["auditLog"]["totalCount"] == 4

    wanted = {"f": {"ticketNumber": first_ticket.number, "action": "ticket.updated"}, "first": 2}
    page = (await gql_data(client, LOG, wanted, admin.token))["auditLog"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["after"] for e in page["edges"]] == [{"priority": "CRITICAL"}, {"priority": "LOW"}]
    rest = await gql_data(client, LOG, {**wanted, "after": page["pageInfo"]["endCursor"]}, admin.token)
    assert [e["node"]["after"] for e in rest["auditLog"]["edges"]] == [{"priority": "HIGH"}]
    assert rest["auditLog"]["edges"][0]["node"]["actor"] == {"id": str(admin.id)}

    by_actor = await gql_data(client, LOG, {"f": {"actorId": str(admin.id)}}, admin.token)
    assert by_actor["auditLog"]["totalCount"] == 4
    bad = await gql(client, LOG, {"f": {"actorId": "nope"}}, admin.token)
    assert_query_refused(bad, Reason.INVALID_ID, "filter.actorId")
