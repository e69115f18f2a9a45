"""`queueEvents(filter)` over a real websocket against a real uvicorn (issue 11.3): each subscriber receives the
events of the tickets its queue shows under its filter, as `tickets` would list them, and one last event when a
ticket leaves the view. "Receives nothing" is shown by a later change the subscriber does see arriving first."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.enums import StatusKind
from resolvers.kernel.errors import Reason
from tests.helpers import status_of
from tests.live import QUEUE_EVENTS, live_server, socket
from tests.notify.live_desk import CREATE, RESOLVE, Desk, open_desk


@pytest.fixture
async def desk(db: str) -> AsyncIterator[Desk]:
    async with live_server() as server:
        yield await open_desk(server)


class TestWhoHearsWhat:
    @pytest.mark.parametrize("role", ["admin", "staff_in", "owner"])
    async def test_a_ticket_in_the_queue(self, desk: Desk, role: str) -> None:
        async with socket(desk.server, desk.token(role)) as live:
            await live.subscribe(QUEUE_EVENTS)
            await desk.touch(desk.number, "Laptop will not boot")
            event = await live.event()
        assert (event["kind"], event["number"], event["inView"]) == ("UPDATED", desk.number, True)

    @pytest.mark.parametrize(("role", "marker"), [("staff_out", "outside_number"), ("other", "other_number")])
    async def test_a_ticket_outside_the_queue(self, desk: Desk, role: str, marker: str) -> None:
        # staff_out's scope is the other category; `other` is not the requester. A change to a ticket of their
        # own queue, made after, is what arrives first.
        async with socket(desk.server, desk.token(role)) as live:
            await live.subscribe(QUEUE_EVENTS)
            await desk.touch(desk.number, "Not for you")
            await desk.touch(getattr(desk, marker), "Yours")
            event = await live.event()
        assert event["number"] == getattr(desk, marker)

    async def test_guest(self, desk: Desk) -> None:
        async with socket(desk.server, desk.guest.token) as live:
            await live.subscribe(QUEUE_EVENTS, listening=False)
            assert await live.refusal() == (Reason.FIELD_NOT_ALLOWED, "Subscription.queueEvents")

    async def test_anonymous(self, desk: Desk) -> None:
        async with socket(desk.server) as live:
            await live.subscribe(QUEUE_EVENTS, listening=False)
            assert await live.refusal() == (Reason.SIGN_IN_REQUIRED, "Subscription.queueEvents")

    async def test_a_new_ticket_in_scope_arrives_as_created(self, desk: Desk) -> None:
        async with socket(desk.server, desk.staff_in.token) as live:
            await live.subscribe(QUEUE_EVENTS)
            variables = {"subject": "New one", "description": "It broke.", "categoryId": str(desk.category_id)}
            created = await desk.run(CREATE, variables, desk.owner.token)
            event = await live.event()
        assert (event["kind"], event["number"]) == ("CREATED", created["ticket"]["number"])


class TestFilters:
    async def test_a_ticket_that_leaves_the_filter_gets_one_last_event(self, desk: Desk) -> None:
        new = await status_of(StatusKind.NEW)
        async with socket(desk.server, desk.admin.token) as live:
            await live.subscribe(QUEUE_EVENTS, {"filter": {"statusIds": [str(new.id)]}})
            await desk.touch(desk.number, "Still new")
            first = await live.event()
            await desk.run(RESOLVE, {"number": desk.number, "resolutionNotes": "Fixed."})
            leaving = await live.event()
            await desk.touch(desk.number, "Resolved now, out of view")
            await desk.touch(desk.other_number, "Another new one")
            marker = await live.event()
        assert (first["number"], first["inView"]) == (desk.number, True)
        assert (leaving["kind"], leaving["number"], leaving["inView"]) == ("STATUS_CHANGED", desk.number, False)
        assert (marker["number"], marker["inView"]) == (desk.other_number, True)

    async def test_sla_filters_are_for_staff(self, desk: Desk) -> None:
        async with socket(desk.server, desk.owner.token) as live:
            await live.subscribe(QUEUE_EVENTS, {"filter": {"slaStates": ["BREACHED"]}}, listening=False)
            assert await live.refusal() == (Reason.STAFF_ONLY, "filter.slaStates")

    async def test_a_bad_filter_is_refused_before_the_stream_starts(self, desk: Desk) -> None:
        async with socket(desk.server, desk.admin.token) as live:
            await live.subscribe(QUEUE_EVENTS, {"filter": {"statusIds": ["x"]}}, listening=False)
            assert await live.refusal() == (Reason.INVALID_ID, "filter.statusIds")
