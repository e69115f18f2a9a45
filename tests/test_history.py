"""ticket.history: every change in time order, filtered by what the viewer may see."""

from __future__ import annotations

import httpx

from models.enums import Role
from tests.helpers import gql_data, make_category, make_person, make_ticket

HISTORY = """query($n: Int!) { ticket(number: $n) { history { action entityType actor { id } before after } } }"""


async def test_history_in_order_and_filtered_for_the_requester(client: httpx.AsyncClient) -> None:
    category = await make_category()
    owner, admin = await make_person(Role.USER), await make_person(Role.ADMIN)
    ticket = await make_ticket(category, requester=owner)
    n = ticket.number

    async def run(query: str, variables: dict[str, object], token: str) -> None:
        data = await gql_data(client, query, variables, token)
        assert all(not v.get("errors") for v in data.values()), data

    await run(
        "mutation($i: UpdateTicketInput!) { updateTicket(input: $i) { errors { code } } }",
        {"i": {"number": n, "priority": "HIGH"}},
        admin.token,
    )
    await run(
        "mutation($i: AddReplyInput!) { addReply(input: $i) { errors { code } } }",
        {"i": {"number": n, "body": "internal thoughts", "internal": True}},
        admin.token,
    )
    await run(
        "mutation($i: AddReplyInput!) { addReply(input: $i) { errors { code } } }",
        {"i": {"number": n, "body": "public words"}},
        owner.token,
    )
    await run(
        "mutation($i: ResolveTicketInput!) { resolveTicket(input: $i) { errors { code } } }",
        {"i": {"number": n, "resolutionNotes": "done"}},
        admin.token,
    )

    staff_view = (await gql_data(client, HISTORY, {"n": n}, admin.token))["ticket"]["history"]
    assert [e["action"] for e in staff_view] == ["ticket.updated", "reply.created", "reply.created", "ticket.resolved"]
    owner_view = (await gql_data(client, HISTORY, {"n": n}, owner.token))["ticket"]["history"]
    assert [e["action"] for e in owner_view] == ["ticket.updated", "ticket.resolved"]
    assert owner_view[0] == {
        "action": "ticket.updated",
        "entityType": "ticket",
        "actor": {"id": str(admin.id)},
        "before": {"priority": "MEDIUM"},
        "after": {"priority": "HIGH"},
    }
    assert "internal thoughts" not in str(owner_view)
