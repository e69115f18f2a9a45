"""SLA clocks through GraphQL (SPEC 9): deadlines, pauses, the two clocks, the state, and who sees `Ticket.sla`."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from core import clock
from core.enums import StatusKind
from resolvers.kernel.errors import Reason
from tests.conftest import StatementLog
from tests.helpers import (
    ERRORS,
    assert_query_refused,
    gql,
    gql_data,
    make_guest,
    status_of,
)
from tests.tickets.sla_world import ONE, SLA, Desk, at, desk, iso, policy, set_sla

REPLY = f"""mutation($i: AddReplyInput!) {{ addReply(input: $i) {{ reply {{ id }} {ERRORS} }} }}"""
RESOLVE = f"""mutation($i: ResolveTicketInput!) {{ resolveTicket(input: $i) {{ ticket {{ {SLA} }} {ERRORS} }} }}"""
REOPEN = f"""mutation($i: ReopenTicketInput!) {{ reopenTicket(input: $i) {{ ticket {{ {SLA} }} {ERRORS} }} }}"""
QUEUE = "query($f: TicketFilterInput, $s: TicketSort) { tickets(filter: $f, sort: $s) { edges { node { number } } } }"


async def sla_desk(response: int = 60, resolution: int = 60) -> Desk:
    world = await desk()
    await set_sla(True)
    await policy("Standard", response, resolution)
    return world


async def queue(client: httpx.AsyncClient, world: Desk, **variables: Any) -> list[int]:
    data = await gql_data(client, QUEUE, variables, world.staff.token)
    return [edge["node"]["number"] for edge in data["tickets"]["edges"]]


@pytest.mark.parametrize("clock_under_test", ["response", "resolution"])
async def test_a_sixty_minute_target_with_thirty_minutes_in_pending(
    client: httpx.AsyncClient, clock_under_test: str
) -> None:
    # The clock under test has the 60-minute target; the other one is far away and never decides the state.
    targets = {"response": (60, 6000), "resolution": (6000, 60)}[clock_under_test]
    world = await sla_desk(*targets)
    due_field = "responseDueAt" if clock_under_test == "response" else "resolutionDueAt"
    paused = await world.file(client, at(0))
    control = await world.file(client, at(0))  # never paused

    await world.move(client, paused, world.pending, at(5))
    during = await world.sla(client, paused, at(20))
    assert (during["state"], during["pausedSince"], during[due_field]) == ("OK", iso(at(5)), iso(at(60)))
    await world.move(client, paused, world.working, at(35))

    # 40 minutes of wall time, 10 of them counted: the deadline moved by the 30 paused minutes.
    sla = await world.sla(client, paused, at(40))
    assert (sla["state"], sla["pausedSince"], sla[due_field], sla["policy"]) == (
        "OK", None, iso(at(90)), {"name": "Standard"})  # fmt: skip
    # 55 minutes: 25 counted, 35 left; the ticket that never paused has 5 of its 60 left.
    assert (await world.sla(client, paused, at(55)))["state"] == "OK"
    assert (await world.sla(client, control, at(55)))["state"] == "AT_RISK"
    # 80 minutes: 50 counted, 10 left (under 20% of 60): at risk.
    assert (await world.sla(client, paused, at(80)))["state"] == "AT_RISK"
    # 95 minutes: 65 counted: past the deadline.
    assert (await world.sla(client, paused, at(95)))["state"] == "BREACHED"
    assert (await world.sla(client, control, at(95)))["state"] == "BREACHED"
    assert sorted(await queue(client, world, f={"slaStates": ["BREACHED"]})) == sorted([paused, control])


async def test_a_paused_ticket_keeps_the_state_it_had_when_it_stopped(client: httpx.AsyncClient) -> None:
    world = await sla_desk(6000, 60)
    number = await world.file(client, at(0))
    await world.move(client, number, world.pending, at(50))  # 10 minutes left: at risk
    frozen = await world.sla(client, number, at(500))
    assert (frozen["state"], frozen["resolutionDueAt"], frozen["pausedSince"]) == ("AT_RISK", iso(at(60)), iso(at(50)))
    await world.move(client, number, world.working, at(500))
    assert (await world.sla(client, number, at(505)))["resolutionDueAt"] == iso(at(510))
    assert (await world.sla(client, number, at(505)))["state"] == "AT_RISK"
    assert (await world.sla(client, number, at(511)))["state"] == "BREACHED"


async def test_only_a_public_staff_reply_stops_the_response_clock(client: httpx.AsyncClient) -> None:
    world = await sla_desk(60, 6000)
    number = await world.file(client, at(0))
    for minute, person, internal in ((10, world.owner, False), (20, world.staff, True)):
        await world.sla(client, number, at(minute))
        data = await gql_data(
            client, REPLY, {"i": {"number": number, "body": "Hm", "internal": internal}}, person.token
        )
        assert data["addReply"]["errors"] == []
    assert (await world.sla(client, number, at(30)))["firstResponseAt"] is None
    await world.sla(client, number, at(40))
    data = await gql_data(client, REPLY, {"i": {"number": number, "body": "On it."}}, world.staff.token)
    assert data["addReply"]["errors"] == []
    answered = await world.sla(client, number, at(95))
    # Answered in time: the response clock is done, and the resolution clock has hours left.
    assert (answered["firstResponseAt"], answered["state"]) == (iso(at(40)), "OK")


async def test_a_late_first_reply_leaves_the_ticket_breached(client: httpx.AsyncClient) -> None:
    world = await sla_desk(60, 6000)
    number = await world.file(client, at(0))
    await world.sla(client, number, at(70))
    await gql_data(client, REPLY, {"i": {"number": number, "body": "Sorry."}}, world.staff.token)
    assert (await world.sla(client, number, at(71)))["state"] == "BREACHED"
    assert (await world.sla(client, number, at(5000)))["state"] == "BREACHED"


async def test_a_reply_during_a_pause_is_judged_by_the_time_that_counted(client: httpx.AsyncClient) -> None:
    world = await sla_desk(60, 6000)
    number = await world.file(client, at(0))
    await world.move(client, number, world.pending, at(30))
    await world.sla(client, number, at(100))  # 30 counted minutes, although 100 have passed
    await gql_data(client, REPLY, {"i": {"number": number, "body": "Back."}}, world.staff.token)
    sla = await world.sla(client, number, at(101))
    assert (sla["state"], sla["responseDueAt"]) == ("OK", iso(at(130)))


async def test_resolving_stops_the_resolution_clock_and_reopening_resumes_it(client: httpx.AsyncClient) -> None:
    world = await sla_desk(6000, 60)
    number = await world.file(client, at(0))
    await world.sla(client, number, at(50))  # 10 minutes left: at risk, but resolved in time
    resolved = await gql_data(client, RESOLVE, {"i": {"number": number}}, world.staff.token)
    sla = resolved["resolveTicket"]["ticket"]["sla"]
    assert (sla["state"], sla["pausedSince"]) == ("OK", iso(at(50)))
    assert (await world.sla(client, number, at(300)))["state"] == "OK"
    reopened = await gql_data(client, REOPEN, {"i": {"number": number}}, world.staff.token)
    sla = reopened["reopenTicket"]["ticket"]["sla"]
    # Reopened at 300 with the 10 minutes it had left when it was resolved.
    assert (sla["state"], sla["pausedSince"], sla["resolutionDueAt"]) == ("AT_RISK", None, iso(at(310)))
    assert (await world.sla(client, number, at(311)))["state"] == "BREACHED"


async def test_a_ticket_resolved_late_stays_breached(client: httpx.AsyncClient) -> None:
    world = await sla_desk(6000, 60)
    number = await world.file(client, at(0))
    await world.sla(client, number, at(61))
    await gql_data(client, RESOLVE, {"i": {"number": number}}, world.staff.token)
    assert (await world.sla(client, number, at(62)))["state"] == "BREACHED"
    closed = await status_of(StatusKind.CLOSED)
    await world.move(client, number, closed, at(9000))
    assert (await world.sla(client, number, at(9001)))["state"] == "BREACHED"


async def test_changing_priority_or_category_chooses_the_policy_again(client: httpx.AsyncClient) -> None:
    from core.enums import Priority
    from tests.helpers import make_category

    world = await sla_desk(60, 600)
    await policy("Urgent", 15, 120, priority=Priority.HIGH)
    other = await make_category("Facilities")
    await policy("Facilities", 240, 2400, category=other)
    update = f"""mutation($i: UpdateTicketInput!) {{ updateTicket(input: $i) {{ ticket {{ {SLA} }} {ERRORS} }} }}"""
    number = await world.file(client, at(0))
    await world.move(client, number, world.pending, at(10))
    await world.move(client, number, world.working, at(20))  # 10 paused minutes move both deadlines

    data = await gql_data(client, update, {"i": {"number": number, "priority": "HIGH"}}, world.staff.token)
    sla = data["updateTicket"]["ticket"]["sla"]
    assert (sla["policy"], sla["responseDueAt"], sla["resolutionDueAt"]) == (
        {"name": "Urgent"}, iso(at(25)), iso(at(130)))  # fmt: skip
    data = await gql_data(
        client, update, {"i": {"number": number, "priority": "LOW", "categoryId": str(other.id)}}, world.staff.token
    )
    sla = data["updateTicket"]["ticket"]["sla"]
    assert (sla["policy"], sla["responseDueAt"], sla["resolutionDueAt"]) == (
        {"name": "Facilities"}, iso(at(250)), iso(at(2410)))  # fmt: skip
    # A subject change keeps the clocks as they are (an admin: Facilities is outside the staff member's scope).
    data = await gql_data(client, update, {"i": {"number": number, "subject": "Door"}}, world.admin.token)
    assert data["updateTicket"]["ticket"]["sla"] == sla


async def test_with_the_setting_off_no_sla_data_appears_and_the_filter_and_sort_are_refused(
    client: httpx.AsyncClient,
) -> None:
    world = await sla_desk()
    number = await world.file(client, at(0))
    assert (await world.sla(client, number, at(1)))["state"] == "OK"
    await set_sla(False)
    assert await world.sla(client, number, at(1), world.admin.token) is None
    body = await gql(client, QUEUE, {"f": {"slaStates": ["OK"]}}, world.staff.token)
    assert_query_refused(body, Reason.SLA_DISABLED, "filter.slaStates")
    body = await gql(client, QUEUE, {"s": "SLA_DUE"}, world.staff.token)
    assert_query_refused(body, Reason.SLA_DISABLED, "sort")
    nodes = "query { tickets { edges { node { number " + SLA + " } } } }"
    data = await gql_data(client, nodes, token=world.admin.token)
    assert [edge["node"]["sla"] for edge in data["tickets"]["edges"]] == [None]
    # Tickets filed while it is off get no policy, even once it is on again.
    unmanaged = await world.file(client, at(2))
    await set_sla(True)
    assert await world.sla(client, unmanaged, at(3)) is None
    assert (await world.sla(client, number, at(3)))["state"] == "OK"


async def test_the_queue_sorts_by_the_soonest_deadline_with_tickets_without_sla_last(
    client: httpx.AsyncClient,
) -> None:
    world = await sla_desk(6000, 60)
    await set_sla(False)
    none = await world.file(client, at(0))
    await set_sla(True)
    late = await world.file(client, at(20))  # due at 80
    early = await world.file(client, at(10))  # due at 70
    paused = await world.file(client, at(0))  # due at 60 when it paused at 30; stays there while paused
    await world.move(client, paused, world.pending, at(30))
    resolved = await world.file(client, at(0))
    await world.sla(client, resolved, at(31))
    await gql_data(client, RESOLVE, {"i": {"number": resolved}}, world.staff.token)
    expected = [paused, early, late, *sorted([none, resolved])]
    assert await queue(client, world, s="SLA_DUE") == expected
    # Page by page with cursors, across the tickets without a deadline too.
    page = (
        "query($after: String) { tickets(sort: SLA_DUE, first: 2, after: $after) { edges { cursor node { number } } } }"
    )
    seen: list[int] = []
    after = None
    while True:
        edges = (await gql_data(client, page, {"after": after}, world.staff.token))["tickets"]["edges"]
        if not edges:
            break
        seen += [edge["node"]["number"] for edge in edges]
        after = edges[-1]["cursor"]
    assert seen == expected
    assert await queue(client, world, f={"slaStates": ["OK", "AT_RISK"]}, s="SLA_DUE") == [
        paused,
        early,
        late,
        resolved,
    ]


ROLES = ["admin", "staff_in_scope", "staff_out_of_scope", "owner", "other_user", "guest", "anonymous"]


@pytest.mark.parametrize("role", ROLES)
async def test_who_sees_ticket_sla(client: httpx.AsyncClient, role: str) -> None:
    world = await sla_desk()
    number = await world.file(client, at(0))
    people = {"admin": world.admin, "staff_in_scope": world.staff, "staff_out_of_scope": world.outsider,
              "owner": world.owner, "other_user": world.other}  # fmt: skip
    if role == "guest":
        guest = await make_guest(await world.ticket_of(number))
        body = await gql(client, ONE, {"n": number}, guest.token)
        assert_query_refused(body, Reason.FIELD_NOT_ALLOWED, "Ticket.sla")
        return
    if role == "anonymous":
        body = await gql(client, ONE, {"n": number})
        assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Query.ticket")
        return
    data = await gql_data(client, ONE, {"n": number}, people[role].token)
    if role == "other_user":
        assert data["ticket"] is None
    elif role == "owner":
        # Requesters see their ticket but not the team's SLA.
        assert data["ticket"] == {"number": number, "sla": None}
    else:
        assert data["ticket"]["sla"]["state"] == "OK"


SLA_W1 = """query($first: Int) { tickets(first: $first) { edges { node { number subject priority status { name }
  requester { name email } assignee { name } category { name } replies(last: 5, internal: false) { body }
  sla { policy { name } responseDueAt resolutionDueAt state pausedSince } } } } }"""
SLA_ONLY = "query($first: Int) { tickets(first: $first) { edges { node { number sla { state policy { name } } } } } }"


@pytest.mark.parametrize("page", [1, 10, 30])
async def test_the_queue_with_sla_costs_no_statement_more_at_any_page_size(
    client: httpx.AsyncClient, count_statements: StatementLog, page: int
) -> None:
    world = await sla_desk()
    for _ in range(30):
        await world.file(client, at(0))
    clock.set_now(at(50))
    for document, statements in ((SLA_ONLY, 2), (SLA_W1, 3)):
        await gql_data(client, document, {"first": page}, world.staff.token)  # warm the driver
        count_statements.clear()
        data = await gql_data(client, document, {"first": page}, world.staff.token)
        # Authentication, the page with its joins (the SLA columns, the policy and the setting among them), and
        # for W1 the replies: the SLA adds no statement.
        assert count_statements.count == statements, count_statements.statements
        slas = [edge["node"]["sla"] for edge in data["tickets"]["edges"]]
        assert len(slas) == page and {(s["state"], s["policy"]["name"]) for s in slas} == {("AT_RISK", "Standard")}


async def test_a_mutation_payload_loads_the_sla_in_one_statement(
    client: httpx.AsyncClient, count_statements: StatementLog
) -> None:
    world = await sla_desk()
    number = await world.file(client, at(0))
    document = f"""mutation($i: ChangeStatusInput!) {{ changeStatus(input: $i) {{ ticket {{ {SLA} }} {ERRORS} }} }}"""
    count_statements.clear()
    data = await gql_data(client, document, {"i": {"number": number, "statusId": str(world.pending.id)}},
                          world.staff.token)  # fmt: skip
    assert data["changeStatus"]["ticket"]["sla"]["pausedSince"] == iso(at(0))
    assert sum("sla_policies" in s for s in count_statements.statements) == 1


async def test_the_queue_filters_by_each_state_and_counts_alike(client: httpx.AsyncClient) -> None:
    world = await sla_desk(6000, 60)
    await set_sla(False)
    unmanaged = await world.file(client, at(0))
    await set_sla(True)
    breached = await world.file(client, at(0))  # due at 60
    at_risk = await world.file(client, at(45))  # at risk from 93
    ok = await world.file(client, at(60))  # at risk from 108
    clock.set_now(at(100))
    counted = "query($f: TicketFilterInput) { tickets(filter: $f) { totalCount edges { node { number } } } }"
    cases = {
        ("OK",): [ok], ("AT_RISK",): [at_risk], ("BREACHED",): [breached],
        ("OK", "BREACHED"): [ok, breached], ("OK", "AT_RISK", "BREACHED"): [ok, at_risk, breached],
    }  # fmt: skip
    for states, expected in cases.items():
        data = (await gql_data(client, counted, {"f": {"slaStates": list(states)}}, world.staff.token))["tickets"]
        assert sorted(edge["node"]["number"] for edge in data["edges"]) == sorted(expected), states
        assert data["totalCount"] == len(expected)
    everything = await queue(client, world)
    assert unmanaged in everything and len(everything) == 4


@pytest.mark.parametrize("variables", [{"f": {"slaStates": ["BREACHED"]}}, {"s": "SLA_DUE"}], ids=["filter", "sort"])
async def test_requesters_may_not_filter_or_sort_by_sla(client: httpx.AsyncClient, variables: dict[str, Any]) -> None:
    world = await sla_desk()
    await world.file(client, at(0))
    body = await gql(client, QUEUE, variables, world.owner.token)
    assert_query_refused(body, Reason.STAFF_ONLY, "filter.slaStates" if "f" in variables else "sort")
    body = await gql(client, QUEUE, variables)
    assert_query_refused(body, Reason.SIGN_IN_REQUIRED, "Query.tickets")
    data = await gql_data(client, QUEUE, variables, world.outsider.token)  # staff in no group: an empty queue
    assert data["tickets"]["edges"] == []


async def test_a_requester_reopening_by_reply_resumes_the_clocks(client: httpx.AsyncClient) -> None:
    world = await sla_desk(6000, 60)
    number = await world.file(client, at(0))
    await world.sla(client, number, at(10))
    await gql_data(client, RESOLVE, {"i": {"number": number}}, world.staff.token)
    await world.sla(client, number, at(100))
    data = await gql_data(client, REPLY, {"i": {"number": number, "body": "Still broken"}}, world.owner.token)
    assert data["addReply"]["errors"] == []
    sla = await world.sla(client, number, at(101))
    # 10 minutes counted before the resolution; the 90 minutes while Resolved do not count.
    assert (sla["state"], sla["pausedSince"], sla["resolutionDueAt"]) == ("OK", None, iso(at(150)))


SLA_COUNTS = "query { ticketCounts(groupBy: SLA_STATE) { key label count } }"


async def test_dashboard_counts_by_sla_state_equal_the_states_the_queue_shows(client: httpx.AsyncClient) -> None:
    world = await sla_desk(6000, 60)
    await set_sla(False)
    await world.file(client, at(0))  # no SLA
    await set_sla(True)
    for minutes in (0, 0, 45, 60, 60, 60):  # breached twice, at risk once, OK three times at minute 100
        await world.file(client, at(minutes))
    clock.set_now(at(100))
    listed = "query { tickets(first: 100) { edges { node { sla { state } } } } }"
    for viewer in (world.admin, world.staff):
        nodes = [e["node"] for e in (await gql_data(client, listed, token=viewer.token))["tickets"]["edges"]]
        by_hand = Counter(node["sla"]["state"] if node["sla"] else None for node in nodes)
        buckets = (await gql_data(client, SLA_COUNTS, token=viewer.token))["ticketCounts"]
        assert buckets == [
            {"key": "OK", "label": "Within target", "count": by_hand["OK"]},
            {"key": "AT_RISK", "label": "At risk", "count": by_hand["AT_RISK"]},
            {"key": "BREACHED", "label": "Breached", "count": by_hand["BREACHED"]},
            {"key": None, "label": "No SLA", "count": by_hand[None]},
        ]
        assert [b["count"] for b in buckets] == [3, 1, 2, 1]
    # Staff out of scope count their own (empty) queue: every bucket zero.
    buckets = (await gql_data(client, SLA_COUNTS, token=world.outsider.token))["ticketCounts"]
    assert [b["count"] for b in buckets] == [0, 0, 0, 0]


async def test_dashboard_counts_by_sla_state_are_refused_like_the_sla_filter(client: httpx.AsyncClient) -> None:
    world = await sla_desk()
    await world.file(client, at(0))
    assert_query_refused(await gql(client, SLA_COUNTS, token=world.owner.token), Reason.STAFF_ONLY, "groupBy")
    assert_query_refused(await gql(client, SLA_COUNTS), Reason.SIGN_IN_REQUIRED, "Query.ticketCounts")
    await set_sla(False)
    assert_query_refused(await gql(client, SLA_COUNTS, token=world.staff.token), Reason.SLA_DISABLED, "groupBy")
