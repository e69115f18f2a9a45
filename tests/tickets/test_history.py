"""ticket.history: every change in time order, filtered by what the viewer may see."""

from __future__ import annotations

import httpx

from core.enums import Role, StatusKind
from models.tickets import Ticket
from tests.helpers import gql_data, make_category, make_person, make_ticket, status_of

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


async def test_a_reopening_reason_is_for_staff_only(client: httpx.AsyncClient) -> None:
    category = await make_category()
    owner, admin = await make_person(Role.USER), await make_person(Role.ADMIN)
    ticket = await make_ticket(category, requester=owner)
    await Ticket.filter(id=ticket.id).update(status_id=(await status_of(StatusKind.RESOLVED)).id)
    reopen = "mutation($i: ReopenTicketInput!) { reopenTicket(input: $i) { errors { code } } }"
    await gql_data(client, reopen, {"i": {"number": ticket.number, "reason": "VIP, escalate quietly"}}, admin.token)
    staff_view = (await gql_data(client, HISTORY, {"n": ticket.number}, admin.token))["ticket"]["history"]
    assert staff_view[-1]["after"]["reason"] == "VIP, escalate quietly"
    owner_view = (await gql_data(client, HISTORY, {"n": ticket.number}, owner.token))["ticket"]["history"]
    assert owner_view[-1]["action"] == "ticket.reopened"
    assert "VIP" not in str(owner_view)
