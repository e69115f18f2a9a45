"""`Ticket.replies(first, last, internal)`: the earliest or latest N of what the viewer may see, notes or public
replies only, read ahead for a page (one statement) or through the loader (a mutation's payload) alike."""

from __future__ import annotations

from datetime import timedelta

import httpx

from core.enums import Role
from models.replies import Reply
from tests.helpers import Person, gql, gql_data, make_category, make_group, make_person, make_ticket

QUEUE = """query($first: Int, $last: Int, $internal: Boolean) { tickets { edges { node {
  replies(first: $first, last: $last, internal: $internal) { body internal deleted } } } } }"""
ONE = """query($number: Int!, $first: Int, $last: Int, $internal: Boolean) { ticket(number: $number) {
  replies(first: $first, last: $last, internal: $internal) { body internal deleted } } }"""
ADD = """mutation($number: Int!, $last: Int) { addReply(input: {number: $number, body: "r6"}) {
  ticket { replies(last: $last) { body } } errors { code } } }"""


async def thread(client: httpx.AsyncClient) -> tuple[Person, Person, int]:
    """A ticket whose thread is r0..r5 in posting order: r2 and r4 internal notes, r3 deleted."""
    staff, owner = await make_person(Role.STAFF), await make_person()
    category = await make_category()
    await make_group(members=[staff], scope=[(category, None)])
    ticket = await make_ticket(category, requester=owner)
    for r in range(6):
        reply = await Reply.create(ticket=ticket, author=staff.user, body=f"r{r}", internal=r in (2, 4))
        # Posting order is by time, not by id: r5 is the oldest, r0 the newest.
        await Reply.filter(id=reply.id).update(created_at=ticket.created_at - timedelta(minutes=r))
    await Reply.filter(ticket_id=ticket.id, body="r3").update(deleted_at=ticket.created_at)
    return staff, owner, ticket.number or 0


def bodies(replies: list[dict[str, object]]) -> list[object]:
    return [r["body"] if not r["deleted"] else "(deleted)" for r in replies]


async def both_paths(client: httpx.AsyncClient, person: Person, number: int, **window: object) -> list[object]:
    """The window on the queue page and on one ticket, which must agree."""
    page = await gql_data(client, QUEUE, window, person.token)
    (edge,) = page["tickets"]["edges"]
    one = await gql_data(client, ONE, {"number": number, **window}, person.token)
    assert edge["node"]["replies"] == one["ticket"]["replies"]
    return bodies(one["ticket"]["replies"])


async def test_windows_follow_posting_order_and_what_the_viewer_may_see(client: httpx.AsyncClient) -> None:
    staff, owner, number = await thread(client)
    # Posting order (created_at): r5, r4, r3, r2, r1, r0.
    assert await both_paths(client, staff, number) == ["r5", "r4", "(deleted)", "r2", "r1", "r0"]
    assert await both_paths(client, staff, number, last=2) == ["r1", "r0"]
    assert await both_paths(client, staff, number, first=2) == ["r5", "r4"]
    assert await both_paths(client, staff, number, internal=True) == ["r4", "r2"]
    assert await both_paths(client, staff, number, internal=False, last=3) == ["(deleted)", "r1", "r0"]
    assert await both_paths(client, staff, number, last=0) == []
    # The requester sees neither notes nor deleted replies, whatever they ask for.
    assert await both_paths(client, owner, number) == ["r5", "r1", "r0"]
    assert await both_paths(client, owner, number, first=2) == ["r5", "r1"]
    assert await both_paths(client, owner, number, internal=True) == []


async def test_a_window_in_a_mutation_payload_reads_the_same(client: httpx.AsyncClient) -> None:
    staff, _, number = await thread(client)
    data = await gql_data(client, ADD, {"number": number, "last": 2}, staff.token)
    assert data["addReply"]["errors"] == []
    assert [r["body"] for r in data["addReply"]["ticket"]["replies"]] == ["r0", "r6"]


async def test_a_bad_window_is_a_validation_error_naming_the_argument(client: httpx.AsyncClient) -> None:
    staff, _, number = await thread(client)
    for window, field, message in [
        ({"first": 1, "last": 1}, "last", "Give first or last, not both."),
        ({"last": -1}, "last", "last is -1; it must be between 0 and 100."),
        ({"first": 101}, "first", "first is 101; it must be between 0 and 100."),
    ]:
        for query, extra in ((QUEUE, {}), (ONE, {"number": number})):
            body = await gql(client, query, {**window, **extra}, staff.token)
            (error,) = body["errors"]
            assert (error["extensions"]["code"], error["extensions"]["field"], error["message"]) == (
                "VALIDATION", field, message,
            )  # fmt: skip
            assert error["path"][-1] == "replies"
