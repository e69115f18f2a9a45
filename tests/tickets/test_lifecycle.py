"""Status transitions (SPEC 3) through GraphQL: the role x transition matrix and what each one records."""

from __future__ import annotations

import httpx
import pytest

from core.enums import Role, StatusKind
from models.audit import AuditEntry
from models.outbox import OutboxMessage
from models.statuses import Status
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from tests.helpers import (
    ERRORS,
    Guest,
    Person,
    assert_refused,
    gql,
    gql_data,
    make_category,
    make_group,
    make_guest,
    make_person,
    make_ticket,
    status_of,
)
from tests.helpers import mutation_outcome as outcome

CHANGE = f"""mutation($i: ChangeStatusInput!) {{ changeStatus(input: $i) {{
  ticket {{ status {{ kind name }} resolvedAt closedAt reopened resolutionNotes }} {ERRORS} }} }}"""
RESOLVE = f"""mutation($i: ResolveTicketInput!) {{ resolveTicket(input: $i) {{
  ticket {{ status {{ kind }} resolvedAt resolutionNotes reopened }} {ERRORS} }} }}"""
REOPEN = f"""mutation($i: ReopenTicketInput!) {{ reopenTicket(input: $i) {{
  ticket {{ status {{ kind }} reopened resolutionNotes }} {ERRORS} }} }}"""

ROLES = ["admin", "staff_in_scope", "staff_out_of_scope", "owner", "other_user", "guest", "anonymous"]


async def setup() -> tuple[dict[str, Person | Guest | None], Ticket]:
    category = await make_category("Hardware")
    people: dict[str, Person | Guest | None] = {
        "admin": await make_person(Role.ADMIN),
        "staff_in_scope": await make_person(Role.STAFF),
        "staff_out_of_scope": await make_person(Role.STAFF),
        "owner": await make_person(Role.USER),
        "other_user": await make_person(Role.USER),
        "anonymous": None,
    }
    await make_group("Desk", members=[people["staff_in_scope"]], scope=[(category, None)])  # type: ignore[list-item]
    ticket = await make_ticket(category, requester=people["owner"], assignee=people["staff_in_scope"])
    # The guest acts on their own guest ticket: even there, guests never change a status (SPEC 3).
    people["guest"] = await make_guest(await make_ticket(category, assignee=people["staff_in_scope"]))
    return people, ticket


def target(people: dict[str, Person | Guest | None], who: str, ticket: Ticket) -> Ticket:
    person = people[who]
    return person.ticket if isinstance(person, Guest) else ticket


EXPECTED = {
    "admin": None,
    "staff_in_scope": None,
    "staff_out_of_scope": Reason.OUT_OF_SCOPE,
    "owner": Reason.STAFF_ONLY,
    "other_user": Reason.STAFF_ONLY,
    "guest": Reason.FIELD_NOT_ALLOWED,  # the gate: a guest may not call these at all
    "anonymous": Reason.SIGN_IN_REQUIRED,
}


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("start", [StatusKind.NEW, StatusKind.RESOLVED, StatusKind.CLOSED])
async def test_change_status_matrix(client: httpx.AsyncClient, who: str, start: StatusKind) -> None:
    people, ticket = await setup()
    ticket = target(people, who, ticket)
    await Ticket.filter(id=ticket.id).update(status_id=(await status_of(start)).id)
    in_progress = await Status.get(name="In Progress")
    person = people[who]
    body = await gql(
        client,
        CHANGE,
        {"i": {"number": ticket.number, "statusId": str(in_progress.id)}},
        person.token if person else None,
    )
    assert outcome(body, "changeStatus") == EXPECTED[who]
    after = await Ticket.get(id=ticket.id)
    assert (after.status_id == in_progress.id) is (EXPECTED[who] is None)


@pytest.mark.parametrize("who", ROLES)
async def test_resolve_matrix(client: httpx.AsyncClient, who: str) -> None:
    people, ticket = await setup()
    ticket = target(people, who, ticket)
    person = people[who]
    body = await gql(
        client,
        RESOLVE,
        {"i": {"number": ticket.number, "resolutionNotes": "Rebooted"}},
        person.token if person else None,
    )
    assert outcome(body, "resolveTicket") == EXPECTED[who]
    after = await Ticket.get(id=ticket.id)
    assert (after.status_id == (await status_of(StatusKind.RESOLVED)).id) is (EXPECTED[who] is None)


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("start", [StatusKind.RESOLVED, StatusKind.CLOSED])
async def test_reopen_matrix(client: httpx.AsyncClient, who: str, start: StatusKind) -> None:
    people, ticket = await setup()
    ticket = target(people, who, ticket)
    await Ticket.filter(id=ticket.id).update(status_id=(await status_of(start)).id)
    person = people[who]
    body = await gql(
        client, REOPEN, {"i": {"number": ticket.number, "reason": "Not fixed"}}, person.token if person else None
    )
    assert outcome(body, "reopenTicket") == EXPECTED[who]
    after = await Ticket.get(id=ticket.id)
    assert (after.status_id == (await status_of(StatusKind.NEW)).id) is (EXPECTED[who] is None)


async def test_unknown_ticket_and_status_are_not_found(client: httpx.AsyncClient) -> None:
    people, ticket = await setup()
    admin = people["admin"]
    assert admin
    body = await gql(client, CHANGE, {"i": {"number": 999, "statusId": "1"}}, admin.token)
    assert_refused(body["data"]["changeStatus"], Reason.TICKET_NOT_FOUND, "number")
    body = await gql(client, CHANGE, {"i": {"number": ticket.number, "statusId": "999"}}, admin.token)
    assert_refused(body["data"]["changeStatus"], Reason.STATUS_NOT_FOUND, "statusId")


async def test_resolve_then_reopen_keeps_notes_and_records_everything(client: httpx.AsyncClient) -> None:
    people, ticket = await setup()
    staff = people["staff_in_scope"]
    assert staff
    resolved = await gql_data(
        client, RESOLVE, {"i": {"number": ticket.number, "resolutionNotes": "Rebooted"}}, staff.token
    )
    result = resolved["resolveTicket"]["ticket"]
    assert (result["status"]["kind"], result["resolutionNotes"]) == ("RESOLVED", "Rebooted")
    assert result["resolvedAt"] is not None
    again = await gql_data(client, RESOLVE, {"i": {"number": ticket.number}}, staff.token)
    assert_refused(again["resolveTicket"], Reason.ALREADY_RESOLVED)

    reopened = await gql_data(
        client, REOPEN, {"i": {"number": ticket.number, "reason": "Still broken"}}, people["admin"].token
    )  # type: ignore[union-attr]
    result = reopened["reopenTicket"]["ticket"]
    assert result == {"status": {"kind": "NEW"}, "reopened": True, "resolutionNotes": "Rebooted"}

    actions = await AuditEntry.filter(ticket_id=ticket.id).order_by("id").values_list("action", flat=True)
    assert actions == ["ticket.resolved", "ticket.reopened"]
    reopen_entry = await AuditEntry.get(ticket_id=ticket.id, action="ticket.reopened")
    assert reopen_entry.after["reason"] == "Still broken"  # type: ignore[index]
    emails = (
        await OutboxMessage.filter(ticket_id=ticket.id, channel="email").order_by("id").values_list("topic", "payload")
    )
    owner, assignee = people["owner"], people["staff_in_scope"]
    assert [(t, p["to"]) for t, p in emails] == [  # type: ignore[index]
        ("ticket_resolved", owner.user.email),  # type: ignore[union-attr]
        ("ticket_reopened", assignee.user.email),  # type: ignore[union-attr]
    ]
    assert emails[0][1]["resolution_notes"] == "Rebooted"  # type: ignore[index]
    events = (
        await OutboxMessage.filter(ticket_id=ticket.id, channel="event").order_by("id").values_list("topic", flat=True)
    )
    assert events == ["ticket.status_changed", "ticket.resolved", "ticket.status_changed", "ticket.reopened"]


async def test_reopen_refuses_open_tickets(client: httpx.AsyncClient) -> None:
    people, ticket = await setup()
    body = await gql_data(client, REOPEN, {"i": {"number": ticket.number}}, people["admin"].token)  # type: ignore[union-attr]
    assert_refused(body["reopenTicket"], Reason.NOT_REOPENABLE)


async def test_changing_to_the_current_status_is_a_conflict(client: httpx.AsyncClient) -> None:
    people, ticket = await setup()
    new = await status_of(StatusKind.NEW)
    body = await gql_data(
        client, CHANGE, {"i": {"number": ticket.number, "statusId": str(new.id)}}, people["admin"].token
    )  # type: ignore[union-attr]
    assert_refused(body["changeStatus"], Reason.ALREADY_IN_STATUS, "statusId")


async def test_closing_by_hand_sets_closed_at_and_queues_the_closed_email(client: httpx.AsyncClient) -> None:
    people, ticket = await setup()
    closed = await status_of(StatusKind.CLOSED)
    body = await gql_data(
        client, CHANGE, {"i": {"number": ticket.number, "statusId": str(closed.id)}}, people["admin"].token
    )  # type: ignore[union-attr]
    assert body["changeStatus"]["ticket"]["closedAt"] is not None
    topics = await OutboxMessage.filter(ticket_id=ticket.id, channel="email").values_list("topic", flat=True)
    assert topics == ["ticket_closed"]


async def test_moving_a_resolved_ticket_back_to_work_counts_as_a_reopening(client: httpx.AsyncClient) -> None:
    people, ticket = await setup()
    await Ticket.filter(id=ticket.id).update(status_id=(await status_of(StatusKind.RESOLVED)).id)
    in_progress = await Status.get(name="In Progress")
    body = await gql_data(
        client, CHANGE, {"i": {"number": ticket.number, "statusId": str(in_progress.id)}}, people["admin"].token
    )  # type: ignore[union-attr]
    assert body["changeStatus"]["ticket"]["reopened"] is True
    topics = await OutboxMessage.filter(ticket_id=ticket.id, channel="email").values_list("topic", flat=True)
    assert topics == ["ticket_reopened"]


QUEUE_REOPENED = "{ tickets(filter: {reopened: true}) { edges { node { number } } } }"


@pytest.mark.parametrize("how", ["resolveTicket", "changeStatus"])
async def test_resolving_a_reopened_ticket_clears_the_flag(client: httpx.AsyncClient, how: str) -> None:
    people, ticket = await setup()
    admin = people["admin"]
    assert admin
    await Ticket.filter(id=ticket.id).update(reopened=True)
    assert (await gql_data(client, QUEUE_REOPENED, token=admin.token))["tickets"]["edges"] == [
        {"node": {"number": ticket.number}}
    ]
    if how == "resolveTicket":
        result = (await gql_data(client, RESOLVE, {"i": {"number": ticket.number}}, admin.token))["resolveTicket"]
    else:
        resolved = await status_of(StatusKind.RESOLVED)
        variables = {"i": {"number": ticket.number, "statusId": str(resolved.id)}}
        result = (await gql_data(client, CHANGE, variables, admin.token))["changeStatus"]
    assert result["errors"] == []
    assert (result["ticket"]["status"]["kind"], result["ticket"]["reopened"]) == ("RESOLVED", False)
    assert (await Ticket.get(id=ticket.id)).reopened is False
    # A fresh resolution answers the reopening: the ticket leaves the staff's "reopened" view.
    assert (await gql_data(client, QUEUE_REOPENED, token=admin.token))["tickets"]["edges"] == []
    entry = await AuditEntry.get(ticket_id=ticket.id)
    assert (entry.before["reopened"], entry.after["reopened"]) == (True, False)  # type: ignore[index]


@pytest.mark.parametrize("how", ["reopenTicket", "changeStatus"])
async def test_the_assignee_who_reopens_a_ticket_is_not_emailed_about_it(client: httpx.AsyncClient, how: str) -> None:
    people, ticket = await setup()
    assignee = people["staff_in_scope"]
    assert assignee and ticket.assignee_id == assignee.id  # type: ignore[attr-defined]
    await Ticket.filter(id=ticket.id).update(status_id=(await status_of(StatusKind.RESOLVED)).id)
    if how == "reopenTicket":
        body = await gql_data(client, REOPEN, {"i": {"number": ticket.number, "reason": "Oops"}}, assignee.token)
    else:
        in_progress = await Status.get(name="In Progress")
        body = await gql_data(
            client, CHANGE, {"i": {"number": ticket.number, "statusId": str(in_progress.id)}}, assignee.token
        )
    assert body[how]["ticket"]["reopened"] is True
    assert not await OutboxMessage.filter(channel="email", topic="ticket_reopened").exists()
    # The reopening itself is still announced (webhooks, subscriptions) and recorded.
    assert await OutboxMessage.filter(channel="event", topic="ticket.reopened").count() == 1

