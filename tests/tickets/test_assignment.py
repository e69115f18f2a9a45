"""Assignment (SPEC 6) through GraphQL: assignTicket and assignToMe across the role matrix, the rules about who
may be assigned, what each assignment records, and the queues it puts the ticket in."""

from __future__ import annotations

import httpx
import pytest

from core.enums import Role
from models.audit import AuditEntry
from models.outbox import OutboxMessage
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from tests.helpers import (
    assert_refused,
    gql,
    gql_data,
    make_category,
    make_group,
    make_person,
    make_ticket,
    mutation_outcome,
    mutation_payload,
    refusals,
)
from tests.tickets.assignment_world import ASSIGN, ASSIGN_TO_ME, NOT_STAFF_OUTCOMES, ROLES, Desk, desk, traces

ASSIGN_EXPECTED = {
    "admin": None,
    "staff_in_scope": None,
    "staff_out_of_scope": Reason.OUT_OF_SCOPE,
    # Outside their groups' scope, but theirs: it is in their queue, so they may hand it on.
    "assignee_out_of_scope": None,
    **NOT_STAFF_OUTCOMES,
}


async def assign(client: httpx.AsyncClient, d: Desk, who: str, number: int, **given: str | None) -> dict[str, object]:
    return await gql(client, ASSIGN, {"input": {"number": number, **given}}, d.token(who))


@pytest.mark.parametrize("who", ROLES)
async def test_assign_ticket_matrix(client: httpx.AsyncClient, who: str) -> None:
    d = await desk()
    ticket = d.ticket_of(who)
    before = (ticket.assignee_id, ticket.assigned_group_id)
    body = await assign(client, d, who, ticket.number or 0, assigneeId=str(d.sam.id), groupId=str(d.hardware_team.id))
    expected = ASSIGN_EXPECTED[who]
    assert mutation_outcome(body, "assignTicket") == expected
    after = await Ticket.get(id=ticket.id)
    if expected is None:
        assert (after.assignee_id, after.assigned_group_id) == (d.sam.id, d.hardware_team.id)
        payload = body["data"]["assignTicket"]["ticket"]  # type: ignore[index]
        assert payload == {"number": ticket.number, "assignee": {"id": str(d.sam.id)},
                           "assignedGroup": {"id": str(d.hardware_team.id)}}  # fmt: skip
    else:
        assert (after.assignee_id, after.assigned_group_id) == before
        assert await traces(ticket) == (0, 0)


UNASSIGNED_EXPECTED = {
    "admin": None,
    "staff_in_scope": None,
    "staff_out_of_scope": Reason.OUT_OF_SCOPE,
    "assignee_out_of_scope": Reason.OUT_OF_SCOPE,  # nobody's ticket, outside their scope: not theirs to take
    **NOT_STAFF_OUTCOMES,
}
TAKEN_EXPECTED = {
    "admin": Reason.ALREADY_ASSIGNED,
    "staff_in_scope": Reason.ALREADY_ASSIGNED,
    "staff_out_of_scope": Reason.OUT_OF_SCOPE,
    "assignee_out_of_scope": None,  # already theirs: left as it is
    **NOT_STAFF_OUTCOMES,
}


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("taken", [False, True], ids=["unassigned", "taken"])
async def test_assign_to_me_matrix(client: httpx.AsyncClient, who: str, taken: bool) -> None:
    d = await desk()
    ticket = d.ticket_of(who)
    if not taken:
        await Ticket.filter(id__in=[d.ticket.id, ticket.id]).update(assignee_id=None)
    before = (await Ticket.get(id=ticket.id)).assignee_id
    body = await gql(client, ASSIGN_TO_ME, {"input": {"number": ticket.number}}, d.token(who))
    expected = (TAKEN_EXPECTED if taken else UNASSIGNED_EXPECTED)[who]
    assert mutation_outcome(body, "assignToMe") == expected
    after = await Ticket.get(id=ticket.id)
    if expected is None:
        assert after.assignee_id == d.person(who).id
        assert body["data"]["assignToMe"]["ticket"]["assignee"] == {"id": str(d.person(who).id)}
    else:
        assert after.assignee_id == before
    # Taking what is already yours changes nothing and records nothing.
    assert await traces(ticket) == ((1, 1) if expected is None and not taken else (0, 0))


@pytest.mark.parametrize(
    ("assignee", "group", "reason", "field"),
    [
        ("999", None, Reason.UNKNOWN_ID, "assigneeId"),
        ("requester", None, Reason.NOT_STAFF, "assigneeId"),
        ("disabled", None, Reason.ACCOUNT_DISABLED, "assigneeId"),
        (None, "999", Reason.UNKNOWN_ID, "groupId"),
        ("sam", "software", Reason.NOT_IN_GROUP, "assigneeId"),
        ("x1", None, Reason.INVALID_ID, "assigneeId"),
        (None, "-3", Reason.INVALID_ID, "groupId"),
    ],
)
async def test_who_may_be_assigned(
    client: httpx.AsyncClient, assignee: str | None, group: str | None, reason: Reason, field: str
) -> None:
    d = await desk()
    named = {
        "requester": str(d.person("owner").id),
        "disabled": str((await make_person(Role.STAFF, disabled=True)).id),
        "sam": str(d.sam.id),
        "software": str(d.software_team.id),
    }
    given = {"assigneeId": named.get(assignee or "", assignee), "groupId": named.get(group or "", group)}
    payload = await mutation_payload(client, ASSIGN, "assignTicket", d.token("admin"), {"number": d.ticket.number,
                                                                                       **given})  # fmt: skip
    assert_refused(payload, reason, field)
    assert payload["ticket"] is None
    assert (await Ticket.get(id=d.ticket.id)).assignee_id == d.person("assignee_out_of_scope").id
    assert await traces(d.ticket) == (0, 0)


async def test_every_bad_reference_is_reported_at_once(client: httpx.AsyncClient) -> None:
    d = await desk()
    given = {"number": d.ticket.number, "assigneeId": str(d.person("owner").id), "groupId": "999"}
    payload = await mutation_payload(client, ASSIGN, "assignTicket", d.token("admin"), given)
    assert refusals(payload) == [(Reason.NOT_STAFF, "assigneeId"), (Reason.UNKNOWN_ID, "groupId")]


async def test_an_admin_may_be_assigned_and_an_unknown_ticket_is_not_found(client: httpx.AsyncClient) -> None:
    d = await desk()
    admin = d.person("admin")
    payload = await mutation_payload(
        client,
        ASSIGN,
        "assignTicket",
        d.token("staff_in_scope"),
        {"number": d.ticket.number, "assigneeId": str(admin.id)},
    )
    assert payload["errors"] == [] and payload["ticket"]["assignee"] == {"id": str(admin.id)}
    missing = await mutation_payload(client, ASSIGN, "assignTicket", d.token("admin"), {"number": 9999})
    assert_refused(missing, Reason.TICKET_NOT_FOUND, "number")


async def test_an_assignment_records_before_and_after_and_one_event(client: httpx.AsyncClient) -> None:
    d = await desk()
    given = {"number": d.ticket.number, "assigneeId": str(d.sam.id), "groupId": str(d.hardware_team.id)}
    await mutation_payload(client, ASSIGN, "assignTicket", d.token("staff_in_scope"), given)
    entry = await AuditEntry.get(ticket_id=d.ticket.id)
    assert (entry.action, entry.actor_id) == ("ticket.assigned", d.person("staff_in_scope").id)
    assert entry.before == {"assignee_id": d.person("assignee_out_of_scope").id, "assigned_group_id": None}
    assert entry.after == {"assignee_id": d.sam.id, "assigned_group_id": d.hardware_team.id}
    (event,) = await OutboxMessage.filter(ticket_id=d.ticket.id, channel="event").values_list("topic", "payload")
    assert event == ("ticket.assigned", {
        "number": d.ticket.number, "assigneeId": d.sam.id, "groupId": d.hardware_team.id,
        "previousAssigneeId": d.person("assignee_out_of_scope").id, "previousGroupId": None,
    })  # fmt: skip
    # The same assignment again changes nothing and records nothing.
    again = await mutation_payload(client, ASSIGN, "assignTicket", d.token("staff_in_scope"), given)
    assert again["errors"] == [] and await traces(d.ticket) == (1, 2)  # the event and Sam's email


async def test_nobody_clears_both_and_a_group_alone_is_an_assignment(client: httpx.AsyncClient) -> None:
    d = await desk()
    token = d.token("admin")
    cleared = await mutation_payload(client, ASSIGN, "assignTicket", token, {"number": d.ticket.number})
    assert cleared["ticket"] == {"number": d.ticket.number, "assignee": None, "assignedGroup": None}
    grouped = await mutation_payload(
        client, ASSIGN, "assignTicket", token, {"number": d.ticket.number, "groupId": str(d.software_team.id)}
    )
    assert grouped["ticket"]["assignedGroup"] == {"id": str(d.software_team.id)}
    actions = await AuditEntry.filter(ticket_id=d.ticket.id).values_list("action", flat=True)
    assert actions == ["ticket.assigned", "ticket.assigned"]


async def test_assign_to_me_keeps_the_group_and_needs_its_membership(client: httpx.AsyncClient) -> None:
    d = await desk()
    await Ticket.filter(id=d.ticket.id).update(assignee_id=None, assigned_group_id=d.hardware_team.id)
    outsider = await mutation_payload(client, ASSIGN_TO_ME, "assignToMe", d.token("admin"), {"number": d.ticket.number})
    assert_refused(outsider, Reason.NOT_IN_GROUP)
    member = await mutation_payload(client, ASSIGN_TO_ME, "assignToMe", d.sam.token, {"number": d.ticket.number})
    assert member["ticket"] == {"number": d.ticket.number, "assignee": {"id": str(d.sam.id)},
                                "assignedGroup": {"id": str(d.hardware_team.id)}}  # fmt: skip
    # Taken: nobody else takes it from Sam, whatever their rights.
    late = await mutation_payload(
        client, ASSIGN_TO_ME, "assignToMe", d.token("staff_in_scope"), {"number": d.ticket.number}
    )
    assert_refused(late, Reason.ALREADY_ASSIGNED)
    assert (await Ticket.get(id=d.ticket.id)).assignee_id == d.sam.id
    # Already Sam's, even in a group he is not in: a second click is no error and records nothing.
    await Ticket.filter(id=d.ticket.id).update(assigned_group_id=d.software_team.id)
    recorded = await traces(d.ticket)
    again = await mutation_payload(client, ASSIGN_TO_ME, "assignToMe", d.sam.token, {"number": d.ticket.number})
    assert again["errors"] == [] and await traces(d.ticket) == recorded


QUEUE = "{ tickets(first: 100) { edges { node { number } } } }"


async def queue_of(client: httpx.AsyncClient, token: str | None) -> set[int]:
    data = await gql_data(client, QUEUE, token=token)
    return {edge["node"]["number"] for edge in data["tickets"]["edges"]}


async def test_assigned_tickets_join_the_assignees_and_the_groups_queues_whatever_the_category(
    client: httpx.AsyncClient,
) -> None:
    d = await desk()
    # A Facilities ticket is in nobody's scope.
    facilities_ticket = await make_ticket(await make_category("Facilities"))
    number = facilities_ticket.number or 0
    loner = await make_person(Role.STAFF)  # in no group at all
    facilities_team = await make_group("Facilities team", members=[loner])
    admin = d.token("admin")
    for who in ("staff_in_scope", "staff_out_of_scope", "assignee_out_of_scope"):
        assert number not in await queue_of(client, d.token(who))

    await mutation_payload(client, ASSIGN, "assignTicket", admin, {"number": number, "assigneeId": str(loner.id)})
    assert number in await queue_of(client, loner.token)
    assert number not in await queue_of(client, d.token("staff_in_scope"))

    await mutation_payload(client, ASSIGN, "assignTicket", admin, {"number": number,
                                                                   "groupId": str(d.software_team.id)})  # fmt: skip
    assert number not in await queue_of(client, loner.token)  # no longer theirs
    for who in ("staff_out_of_scope", "assignee_out_of_scope"):  # the group's members
        assert number in await queue_of(client, d.token(who))
    assert number not in await queue_of(client, d.token("staff_in_scope"))

    both = {"number": number, "assigneeId": str(loner.id), "groupId": str(facilities_team.id)}
    await mutation_payload(client, ASSIGN, "assignTicket", admin, both)
    assert number in await queue_of(client, loner.token)
    assert number not in await queue_of(client, d.token("staff_out_of_scope"))
    # In their queue, so theirs to change: the assignee out of every scope hands it back to nobody.
    handed = await mutation_payload(client, ASSIGN, "assignTicket", loner.token, {"number": number})
    assert handed["errors"] == []
    assert number not in await queue_of(client, loner.token)
