"""A cursor walk through 250 tickets in pages of 25 while tickets are filed and changed between the pages.

What the walk promises (resolvers/tickets/queue_cursor.py, docs/decisions.md "Queue cursor"):
- nothing repeated: no ticket shows twice in one walk, whatever changes;
- nothing missed: every ticket that matches throughout and whose sort key did not change shows exactly once;
- a ticket whose key moved during the walk (changed in a sort over updated_at, or filed during it) shows at most
  once. In the sorts over created_at nothing a change does moves a ticket, so there every changed ticket shows,
  and in oldest-first the tickets filed during the walk show too (at its end).
"""

from __future__ import annotations

import random
from datetime import timedelta

import httpx
import pytest

from core.enums import Priority, Role
from models.tickets import Ticket
from tests.helpers import gql_data, make_category, make_person, make_ticket
from tests.tickets.queue_world import BASE

WALK = """query($sort: TicketSort!, $after: String) {
  tickets(sort: $sort, first: 25, after: $after) { pageInfo { hasNextPage endCursor } edges { node { number } } }
}"""
CREATE = (
    """mutation($input: CreateTicketInput!) { createTicket(input: $input) { ticket { number } errors { reason } } }"""
)
UPDATE = (
    """mutation($input: UpdateTicketInput!) { updateTicket(input: $input) { ticket { number } errors { reason } } }"""
)
REPLY = """mutation($input: AddReplyInput!) { addReply(input: $input) { reply { id } errors { reason } } }"""


@pytest.mark.parametrize("sort", ["UPDATED_DESC", "PRIORITY", "CREATED_DESC", "CREATED_ASC"])
async def test_a_walk_while_tickets_are_filed_and_changed_misses_and_repeats_nothing(
    client: httpx.AsyncClient, sort: str
) -> None:
    rng = random.Random(sort)
    admin = await make_person(Role.ADMIN)
    category = await make_category()
    original: list[int] = []
    for i in range(250):
        ticket = await make_ticket(category, priority=rng.choice(list(Priority)))
        # Hours: ties on created_at and updated_at, which the id breaks.
        created = BASE + timedelta(hours=rng.randrange(0, 120))
        await Ticket.filter(id=ticket.id).update(created_at=created, updated_at=created + timedelta(hours=i % 7))
        original.append(ticket.number)

    async def call(document: str, input: dict[str, object], name: str) -> dict[str, object]:
        payload: dict[str, object] = (await gql_data(client, document, {"input": input}, admin.token))[name]
        assert payload["errors"] == [], payload
        return payload

    seen: list[int] = []
    changed: set[int] = set()
    filed: list[int] = []
    after = None
    while True:
        data = (await gql_data(client, WALK, {"sort": sort, "after": after}, admin.token))["tickets"]
        seen += [edge["node"]["number"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
        # Between pages: file a ticket; lower (or raise) the priority of one ticket already shown and of one not
        # yet shown; reply to another not yet shown (which moves its updated_at).
        new = await call(CREATE, {"subject": "Filed mid-walk", "description": "d", "categoryId": str(category.id),
                                  "priority": rng.choice(list(Priority)).name}, "createTicket")  # fmt: skip
        filed.append(new["ticket"]["number"])  # type: ignore[index]
        pool = [n for n in original if n not in seen and n not in changed]
        if len(pool) < 2:
            continue
        ahead = rng.sample(pool, 2)
        shown = rng.choice([n for n in seen if n not in changed])
        current = {t.number: t.priority for t in await Ticket.filter(number__in=[shown, ahead[0]])}
        for number in (shown, ahead[0]):
            # From the front of the priority order to its back and the other way: where a walk would meet it again.
            moved = Priority.LOW if current[number] is not Priority.LOW else Priority.CRITICAL
            await call(UPDATE, {"number": number, "priority": moved.name}, "updateTicket")
        await call(REPLY, {"number": ahead[1], "body": "Any news?"}, "addReply")
        changed |= {shown, *ahead}

    assert len(seen) == len(set(seen)), "a ticket showed twice"
    unchanged = set(original) - changed
    assert unchanged <= set(seen), f"missed: {sorted(unchanged - set(seen))}"
    moving = sort in ("UPDATED_DESC", "PRIORITY")
    if moving:
        # Filed after the walk started: at the front, or left out of the walk's later pages; never in this walk.
        assert not set(filed) & set(seen)
    else:
        # created_at never moves: every changed ticket is where it was.
        assert changed <= set(seen), f"missed: {sorted(changed - set(seen))}"
    if sort == "CREATED_ASC":
        assert set(filed) <= set(seen), "oldest first reaches the tickets filed during the walk at its end"
    if sort == "CREATED_DESC":
        assert not set(filed) & set(seen), "newest first: filed during the walk means before its first page"
    # A fresh walk from the top shows every ticket once, the changed ones in their new places.
    everything: list[int] = []
    after = None
    while True:
        data = (await gql_data(client, WALK, {"sort": sort, "after": after}, admin.token))["tickets"]
        everything += [edge["node"]["number"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert sorted(everything) == sorted(original + filed)
