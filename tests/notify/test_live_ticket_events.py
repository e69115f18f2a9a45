"""`ticketEvents(number)` over a real websocket against a real uvicorn (issue 11.3): who may subscribe, what each
role receives (notes and assignment never reach requesters or guests), a credential that ends mid-stream, the
catch-up after a reconnect, and the bound on a slow subscriber."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from core import clock
from core.enums import Role
from resolvers.kernel.errors import Reason
from resolvers.notify.event_stream import CREDENTIALS_ENDED, TOO_SLOW
from resolvers.tickets.sla_alerts import raise_sla_events
from tests.helpers import make_person
from tests.live import LEGACY_WS, TICKET_EVENTS, TRANSPORT_WS, live_server, socket
from tests.notify.live_desk import (
    ASSIGN,
    CREATE,
    CREATE_KEY,
    DELETE_REPLY,
    EDIT_REPLY,
    LINK,
    RESOLVE,
    REVOKE_KEY,
    UPDATE,
    UPDATE_USER,
    Desk,
    open_desk,
)  # fmt: skip
from tests.smtp import free_port
from tests.tickets.sla_world import policy, set_sla

SEE_TICKET = ["admin", "staff_in", "staff_out", "owner"]


@pytest.fixture
async def desk(db: str) -> AsyncIterator[Desk]:
    async with live_server() as server:
        yield await open_desk(server)


def number_for(desk: Desk, role: str) -> int:
    return desk.guest_number if role == "guest" else desk.number


class TestWhoMaySubscribe:
    @pytest.mark.parametrize("role", [*SEE_TICKET, "guest"])
    async def test_everyone_who_may_open_the_ticket_receives_a_public_reply(self, desk: Desk, role: str) -> None:
        number = number_for(desk, role)
        async with socket(desk.server, desk.token(role)) as live:
            await live.subscribe(TICKET_EVENTS, {"number": number})
            await desk.reply(number, "Have you tried turning it off and on?", by="staff_in")
            event = await live.event()
        assert (event["kind"], event["number"], event["inView"]) == ("REPLY_ADDED", number, True)
        assert event["ticket"]["number"] == number
        assert event["reply"]["internal"] is False

    async def test_other_user(self, desk: Desk) -> None:
        async with socket(desk.server, desk.other.token) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number}, listening=False)
            assert await live.refusal() == (Reason.TICKET_NOT_FOUND, "number")

    async def test_guest_of_another_ticket(self, desk: Desk) -> None:
        async with socket(desk.server, desk.guest.token) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number}, listening=False)
            assert await live.refusal() == (Reason.TICKET_NOT_FOUND, "number")

    async def test_anonymous(self, desk: Desk) -> None:
        async with socket(desk.server) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number}, listening=False)
            assert await live.refusal() == (Reason.SIGN_IN_REQUIRED, "Subscription.ticketEvents")

    async def test_a_token_that_does_not_authenticate_is_closed_at_connection_init(self, desk: Desk) -> None:
        with pytest.raises(Exception) as closed:
            async with socket(desk.server, "hd_not-a-key"):
                pass
        assert getattr(getattr(closed.value, "rcvd", None), "code", None) == CREDENTIALS_ENDED

    @pytest.mark.parametrize("shape", ["bearer", "plain", "nested", "authToken"])
    async def test_the_credential_in_the_shapes_clients_send_it(self, desk: Desk, shape: str) -> None:
        token = desk.owner.token
        payload = {
            "bearer": {"Authorization": f"Bearer {token}"},
            "plain": {"authorization": token},
            "nested": {"headers": {"Authorization": f"Bearer {token}"}},
            "authToken": {"authToken": token},
        }[shape]
        async with socket(desk.server, payload=payload) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number})
            await desk.reply(desk.number, "Whatever the shape.", by="staff_in")
            assert (await live.event())["kind"] == "REPLY_ADDED"

    async def test_the_older_graphql_ws_protocol(self, desk: Desk) -> None:
        async with socket(desk.server, desk.owner.token, protocol=LEGACY_WS) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number})
            await desk.reply(desk.number, "Over the old protocol too.", by="staff_in")
            assert (await live.event())["kind"] == "REPLY_ADDED"


class TestWhatEachRoleReceives:
    @pytest.mark.parametrize("role", ["admin", "staff_in", "staff_out"])
    async def test_staff_receive_notes(self, desk: Desk, role: str) -> None:
        async with socket(desk.server, desk.token(role)) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number})
            await desk.reply(desk.number, "Between us: the disk is dying.", internal=True, by="staff_in")
            event = await live.event()
        assert event["kind"] == "NOTE_ADDED"
        assert event["reply"]["internal"] is True

    @pytest.mark.parametrize("role", ["owner", "guest"])
    async def test_requesters_and_guests_never_receive_a_note(self, desk: Desk, role: str) -> None:
        number = number_for(desk, role)
        async with socket(desk.server, desk.token(role)) as live:
            await live.subscribe(TICKET_EVENTS, {"number": number})
            await desk.reply(number, "Between us: the disk is dying.", internal=True, by="staff_in")
            await desk.reply(number, "We are ordering a new disk.", by="staff_in")
            event = await live.event()
        # The note came first; what arrives first is the public reply after it.
        assert event["kind"] == "REPLY_ADDED"
        assert event["reply"]["internal"] is False

    @pytest.mark.parametrize("role", ["owner", "guest"])
    async def test_edits_and_deletions_of_notes_stay_with_staff(self, desk: Desk, role: str) -> None:
        number = number_for(desk, role)
        note = await desk.reply(number, "Between us.", internal=True, by="staff_in")
        public = await desk.reply(number, "We are on it.", by="staff_in")
        async with socket(desk.server, desk.token(role)) as requester, socket(desk.server, desk.admin.token) as staff:
            await requester.subscribe(TICKET_EVENTS, {"number": number})
            await staff.subscribe(TICKET_EVENTS, {"number": number})
            await desk.run(EDIT_REPLY, {"replyId": note, "body": "Between us, edited."}, desk.staff_in.token)
            await desk.run(EDIT_REPLY, {"replyId": public, "body": "We are on it, really."}, desk.staff_in.token)
            edited = await requester.event()
            await desk.run(DELETE_REPLY, {"replyId": note}, desk.staff_in.token)
            await desk.run(DELETE_REPLY, {"replyId": public}, desk.staff_in.token)
            deleted = await requester.event()
            seen_by_staff = [await staff.event() for _ in range(4)]
        # Staff hear of both, deletions with the placeholder they still see.
        assert [(e["kind"], e["reply"]["id"]) for e in seen_by_staff] == [
            ("REPLY_EDITED", note), ("REPLY_EDITED", public), ("REPLY_DELETED", note), ("REPLY_DELETED", public),
        ]  # fmt: skip
        # The requester hears of the public reply only; once deleted, they may not read it.
        assert (edited["kind"], edited["reply"]) == ("REPLY_EDITED", {"id": public, "internal": False})
        assert (deleted["kind"], deleted["reply"]) == ("REPLY_DELETED", None)

    async def test_sla_events_reach_staff_only(self, desk: Desk) -> None:
        await set_sla(True)
        await policy("Everything", response=1, resolution=2)
        clock.set_now(clock.now())
        variables = {"subject": "Timed", "description": "Against the clock.", "categoryId": str(desk.category_id)}
        number = (await desk.run(CREATE, variables, desk.owner.token))["ticket"]["number"]
        async with socket(desk.server, desk.owner.token) as owner, socket(desk.server, desk.admin.token) as staff:
            await owner.subscribe(TICKET_EVENTS, {"number": number})
            await staff.subscribe(TICKET_EVENTS, {"number": number})
            clock.set_now(clock.now() + timedelta(minutes=3))  # past both deadlines; sessions last an hour
            assert await raise_sla_events() > 0  # the real SLA pass, as the minutely job runs it
            await desk.touch(number, "Still open")
            staff_first, owner_first = await staff.event(), await owner.event()
        assert staff_first["kind"] == "SLA_BREACHED"
        assert owner_first["kind"] == "UPDATED"

    async def test_guests_do_not_hear_who_was_assigned(self, desk: Desk) -> None:
        async with socket(desk.server, desk.guest.token) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.guest_number})
            await desk.run(ASSIGN, {"number": desk.guest_number, "assigneeId": str(desk.staff_in.id)})
            await desk.touch(desk.guest_number, "Printer on floor 2")
            assert (await live.event())["kind"] == "UPDATED"

    async def test_the_owner_hears_assignment_status_resolution_and_links(self, desk: Desk) -> None:
        async with socket(desk.server, desk.owner.token) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number})
            await desk.run(ASSIGN, {"number": desk.number, "assigneeId": str(desk.staff_in.id)})
            await desk.touch(desk.number, "Laptop will not boot")
            await desk.run(LINK, {"number": desk.number, "otherNumber": desk.other_number, "type": "RELATED_TO"})
            await desk.run(RESOLVE, {"number": desk.number, "resolutionNotes": "New disk."})
            kinds = [(await live.event())["kind"] for _ in range(5)]
        assert kinds == ["ASSIGNED", "UPDATED", "LINKED", "STATUS_CHANGED", "RESOLVED"]


    async def test_the_other_ticket_of_a_link_hears_of_it_too(self, desk: Desk) -> None:
        async with socket(desk.server, desk.other.token) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.other_number})
            await desk.run(LINK, {"number": desk.number, "otherNumber": desk.other_number, "type": "PARENT_OF"})
            event = await live.event()
        assert (event["kind"], event["number"], event["ticket"]["number"]) == ("LINKED", desk.other_number,
                                                                                desk.other_number)  # fmt: skip


class TestCredentialsMidStream:
    async def test_a_user_disabled_mid_stream_receives_nothing_more(self, desk: Desk) -> None:
        async with socket(desk.server, desk.owner.token) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number})
            await desk.touch(desk.number, "Before")
            assert (await live.event())["kind"] == "UPDATED"
            await desk.run(UPDATE_USER, {"userId": str(desk.owner.id), "disabled": True})
            await desk.reply(desk.number, "Are you still there?", by="staff_in")
            code, _ = await live.closed()
        assert code == CREDENTIALS_ENDED

    async def test_a_revoked_api_key_receives_nothing_more(self, desk: Desk) -> None:
        made = await desk.run(CREATE_KEY, {"name": "Wallboard"}, desk.staff_in.token)
        async with socket(desk.server, made["plaintextKey"]) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number})
            await desk.touch(desk.number, "Seen with the key")
            assert (await live.event())["kind"] == "UPDATED"
            await desk.run(REVOKE_KEY, {"apiKeyId": made["apiKey"]["id"]}, desk.staff_in.token)
            await desk.touch(desk.number, "After the key was revoked")
            code, _ = await live.closed()
        assert code == CREDENTIALS_ENDED

    async def test_a_changed_role_ends_the_stream(self, desk: Desk) -> None:
        async with socket(desk.server, desk.staff_in.token) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number})
            await desk.run(UPDATE_USER, {"userId": str(desk.staff_in.id), "role": "USER"})
            await desk.reply(desk.number, "A note the former staff member must not see.", internal=True)
            code, _ = await live.closed()
        assert code == CREDENTIALS_ENDED

    async def test_an_expired_guest_link_receives_nothing_more(self, desk: Desk) -> None:
        async with socket(desk.server, desk.guest.token) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.guest_number})
            clock.set_now(clock.now() + timedelta(days=30))
            admin = await make_person(Role.ADMIN)  # a session valid at the new time
            await desk.run(UPDATE, {"number": desk.guest_number, "subject": "After the link expired"}, admin.token)
            code, _ = await live.closed()
        assert code == CREDENTIALS_ENDED


class TestReconnect:
    async def test_a_reconnect_with_a_cursor_gets_the_missed_events_once_then_live_ones(self, desk: Desk) -> None:
        async with socket(desk.server, desk.owner.token) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number})
            await desk.touch(desk.number, "One")
            seen = await live.event()
        await desk.touch(desk.number, "Two")
        await desk.reply(desk.number, "Three", by="staff_in")
        await desk.reply(desk.number, "A note in between", internal=True, by="staff_in")
        async with socket(desk.server, desk.owner.token) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number, "after": seen["cursor"]})
            missed = [await live.event(), await live.event()]
            await desk.touch(desk.number, "Four")
            after = await live.event()
        assert [e["kind"] for e in missed] == ["UPDATED", "REPLY_ADDED"]
        assert after["kind"] == "UPDATED" and after["ticket"]["subject"] == "Four"
        cursors = [seen["cursor"], *(e["cursor"] for e in missed), after["cursor"]]
        assert len(set(cursors)) == 4

    async def test_a_cursor_older_than_the_replay_window(self, desk: Desk) -> None:
        async with socket(desk.server, desk.owner.token) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number})
            await desk.touch(desk.number, "Long ago")
            cursor = (await live.event())["cursor"]
        clock.set_now(clock.now() + timedelta(hours=25))
        admin = await make_person(Role.ADMIN)  # a session valid at the new time
        async with socket(desk.server, admin.token) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number, "after": cursor}, listening=False)
            assert await live.refusal() == (Reason.CURSOR_EXPIRED, "after")

    async def test_not_a_cursor(self, desk: Desk) -> None:
        async with socket(desk.server, desk.owner.token) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number, "after": "bm90IGEgY3Vyc29y"}, listening=False)
            assert await live.refusal() == (Reason.INVALID_CURSOR, "after")


class TestTheSocket:
    async def test_queries_and_mutations_are_refused_over_the_socket(self, desk: Desk) -> None:
        async with socket(desk.server, desk.admin.token) as live:
            await live.subscribe("{ me { id } }", listening=False)
            assert await live.refusal() == (Reason.SUBSCRIPTIONS_ONLY, None)

    async def test_a_page_on_another_origin_cannot_open_a_socket(self, desk: Desk) -> None:
        # Like a cross-origin POST (no CORS preflight is answered): a browser page elsewhere gets a 403 handshake.
        protocols: Any = [TRANSPORT_WS]
        with pytest.raises(InvalidStatus) as refused:
            async with connect(desk.server.ws_url, subprotocols=protocols, origin="https://elsewhere.example"):
                pass
        assert refused.value.response.status_code == 403

    async def test_a_subscription_over_post_is_a_400(self, desk: Desk) -> None:
        document = "subscription($n: Int!) { ticketEvents(number: $n) { kind } }"
        response = await desk.server.http.post("/graphql", json={"query": document, "variables": {"n": desk.number}},
                                               headers={"Authorization": f"Bearer {desk.admin.token}"})  # fmt: skip
        assert response.status_code == 400


async def test_a_subscriber_that_falls_behind_is_dropped_with_a_close_code(db: str) -> None:
    # One waiting event at most: resolving writes two (status_changed, resolved) in one commit.
    async with live_server(live_queue_size=1) as server:
        desk = await open_desk(server)
        async with socket(server, desk.staff_in.token) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number})
            await desk.run(RESOLVE, {"number": desk.number, "resolutionNotes": "Done."})
            code, _ = await live.closed()
        assert code == TOO_SLOW


async def test_with_redis_away_this_process_still_serves_its_own_subscribers(db: str) -> None:
    # REDIS_URL names a port nothing listens on: publishing and listening fail (and are logged), the change
    # commits, and the local hub delivers it.
    async with live_server(redis_url=f"redis://127.0.0.1:{free_port()}/0") as server:
        desk = await open_desk(server)
        async with socket(server, desk.owner.token) as live:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number})
            await desk.reply(desk.number, "Redis is down, you still hear me.", by="staff_in")
            event = await live.event()
        assert event["kind"] == "REPLY_ADDED"


async def test_one_credential_may_hold_only_so_many_streams(db: str) -> None:
    async with live_server(live_max_streams=2) as server:
        desk = await open_desk(server)
        async with socket(server, desk.staff_in.token) as live, socket(server, desk.staff_out.token) as other:
            await live.subscribe(TICKET_EVENTS, {"number": desk.number}, op="1")
            await live.subscribe(TICKET_EVENTS, {"number": desk.number}, op="2")
            await live.subscribe(TICKET_EVENTS, {"number": desk.number}, op="3", listening=False)
            assert await live.refusal(op="3") == (Reason.TOO_MANY_STREAMS, None)
            # Another credential is not held back, and ending a stream frees its place.
            await other.subscribe(TICKET_EVENTS, {"number": desk.number})
            await live.send({"id": "1", "type": "complete"})
            async with asyncio.timeout(15):
                while await server.subscribers() != 2:  # noqa: ASYNC110 (the server's state)
                    await asyncio.sleep(0.01)
            await live.subscribe(TICKET_EVENTS, {"number": desk.number}, op="4")
