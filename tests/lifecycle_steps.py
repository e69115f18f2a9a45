"""The steps of tests/tickets/test_lifecycle_properties.py: the world they act on, how each is carried out through the
GraphQL API (or the sweep resolver), and what the lifecycle rules say each one must do."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import httpx
from hypothesis import strategies as st

from core import clock
from core.enums import Role, StatusKind
from models.accounts import SessionToken
from models.audit import AuditEntry
from models.outbox import OutboxMessage
from models.replies import Reply
from models.settings import Setting
from models.statuses import Status
from models.tickets import Ticket
from resolvers.guests.tokens import sign_guest_token
from resolvers.kernel.rate_limit import reset_local_counters
from resolvers.tickets.replies import USER_EDIT_WINDOW
from resolvers.tickets.sweep import close_expired_tickets
from tests.db_reset import reset_database
from tests.helpers import Person, gql, make_category, make_group, make_person

WINDOW = timedelta(days=7)  # the default reopen_window_days
STATUS_NAMES = ("New", "In Progress", "Pending", "Resolved", "Closed")
TICKETS = ("user", "guest")
# Clock steps: past a requester's 15-minute edit window, inside the 7-day reopen window, past it.
CLOCK_STEPS = (timedelta(minutes=20), timedelta(days=3), timedelta(days=8))
# Each kind of step with its weight: the ones that move a ticket come up more often than the clock and the sweep.
WEIGHTS = {
    "requester_reply": 3, "staff_reply": 2, "staff_note": 2, "resolve": 3, "reopen": 1, "change_status": 2,
    "requester_changes_status": 1, "advance": 3, "sweep": 2, "edit": 2, "delete": 1,
}  # fmt: skip

Step = tuple[Any, ...]


def _arguments(kind: str) -> st.SearchStrategy[Step]:
    if kind == "advance":
        return st.tuples(st.just(kind), st.sampled_from(CLOCK_STEPS))
    if kind == "sweep":
        return st.tuples(st.just(kind))
    if kind in ("edit", "delete"):  # by whom, and which reply (an index into the replies there are)
        return st.tuples(st.just(kind), st.sampled_from(("requester", "staff")), st.integers(0, 30))
    if kind in ("change_status", "requester_changes_status"):
        return st.tuples(st.just(kind), st.sampled_from(TICKETS), st.sampled_from(STATUS_NAMES))
    return st.tuples(st.just(kind), st.sampled_from(TICKETS))


steps = st.sampled_from([kind for kind, weight in WEIGHTS.items() for _ in range(weight)]).flatmap(_arguments)


def mutation(name: str, selection: str) -> str:
    """`name(input: $i) { <selection> errors { code message } }` with the input type the convention gives it."""
    input_type = name[0].upper() + name[1:] + "Input"
    return f"mutation($i: {input_type}!) {{ {name}(input: $i) {{ {selection} errors {{ code message }} }} }}"


CREATE = mutation("createTicket", "ticket { number }")
SUBMIT = mutation("submitGuestTicket", "trackingRef")
ADD, EDIT, DELETE = (mutation(name, "reply { id }") for name in ("addReply", "editReply", "deleteReply"))
CHANGE, RESOLVE, REOPEN = (
    mutation(name, "ticket { number }") for name in ("changeStatus", "resolveTicket", "reopenTicket")
)


class TicketState(NamedTuple):
    status_id: int
    reopened: bool
    resolved_at: datetime | None
    closed_at: datetime | None
    resolution_notes: str | None


class ReplyState(NamedTuple):
    ticket_id: int
    author_id: int | None
    guest_email: str | None
    body: str
    internal: bool
    created_at: datetime
    deleted_at: datetime | None
    edited_at: datetime | None


@dataclass
class Desk:
    """One example's world: who acts, on which tickets, and the staff-only text requesters must never see."""

    client: httpx.AsyncClient
    staff: Person
    user: Person
    guest_email: str
    guest_token: str
    numbers: dict[str, int]
    ids: dict[str, int]
    status_ids: dict[str, int]
    kinds: dict[int, StatusKind]
    secrets: set[str] = field(default_factory=set)
    searched: set[str] = field(default_factory=set)
    texts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    last_audit_id: int = 0
    last_outbox_id: int = 0

    def requester_token(self, which: str) -> str:
        return self.user.token if which == "user" else self.guest_token

    def text(self, kind: str) -> str:
        return f"{kind}-{next(self.texts)}-text"

    def ticket_of(self, reply: ReplyState) -> str:
        return "user" if reply.ticket_id == self.ids["user"] else "guest"


@dataclass(frozen=True)
class Snapshot:
    tickets: dict[str, TicketState]
    replies: dict[int, ReplyState]

    def kind(self, desk: Desk, which: str) -> StatusKind:
        return desk.kinds[self.tickets[which].status_id]


async def snapshot(desk: Desk) -> Snapshot:
    tickets = {}
    for which, ticket_id in desk.ids.items():
        t = await Ticket.get(id=ticket_id)
        tickets[which] = TicketState(t.status_id, t.reopened, t.resolved_at, t.closed_at, t.resolution_notes)
    replies = {
        r.id: ReplyState(
            r.ticket_id, r.author_id, r.guest_email, r.body, r.internal, r.created_at, r.deleted_at, r.edited_at
        )
        for r in await Reply.all()
    }
    return Snapshot(tickets, replies)


async def _long_lived(person: Person) -> Person:
    """The factories' sessions last an hour of the (moving) clock; these outlast every clock step."""
    await SessionToken.filter(user_id=person.id).update(expires_at=clock.now() + timedelta(days=3650))
    return person


async def open_desk(backend: str, client: httpx.AsyncClient) -> Desk:
    """A fresh database with a staff member in scope, a USER's ticket and a guest's ticket (both filed through the
    API), and on each a public staff reply, an internal note and a reply by its requester."""
    await reset_database(backend)
    reset_local_counters()
    # Frozen at the real time: replies are stamped by the database layer, not by core/clock, so the 15-minute
    # edit window only means something if the two agree when the example starts.
    clock.set_now(datetime.now(UTC))
    category = await make_category("Hardware")
    staff = await _long_lived(await make_person(Role.STAFF, name="Sam Staff"))
    user = await _long_lived(await make_person(Role.USER, name="Riley User"))
    await make_group("Service Desk", members=[staff], scope=[(category, None)])
    await Setting.create(key="guest_submission_enabled", value=True)
    ticket = {"subject": "Laptop", "description": "It beeps.", "categoryId": str(category.id)}
    filed = await gql(client, CREATE, {"i": ticket}, user.token)
    assert filed["data"]["createTicket"]["errors"] == [], filed
    guest_email = "visitor@example.net"
    submitted = await gql(client, SUBMIT, {"i": {**ticket, "email": guest_email, "subject": "Printer"}})
    assert submitted["data"]["submitGuestTicket"]["errors"] == [], submitted
    user_ticket = await Ticket.get(number=filed["data"]["createTicket"]["ticket"]["number"])
    guest_ticket = await Ticket.get(tracking_ref=submitted["data"]["submitGuestTicket"]["trackingRef"])
    statuses = await Status.all()
    desk = Desk(
        client=client,
        staff=staff,
        user=user,
        guest_email=guest_email,
        guest_token=sign_guest_token(guest_ticket.id, guest_email, 3650),
        numbers={"user": user_ticket.number or 0, "guest": guest_ticket.number or 0},
        ids={"user": user_ticket.id, "guest": guest_ticket.id},
        status_ids={s.name: s.id for s in statuses},
        kinds={s.id: s.kind for s in statuses},
    )
    for which in TICKETS:
        for drawn in (("staff_reply", which), ("staff_note", which), ("requester_reply", which)):
            assert await run_step(desk, await snapshot(desk), drawn) == [], drawn
    desk.last_audit_id = await _max_id(AuditEntry)
    desk.last_outbox_id = await _max_id(OutboxMessage)
    return desk


async def _max_id(model: type[AuditEntry] | type[OutboxMessage]) -> int:
    latest = await model.all().order_by("-id").first()
    return latest.id if latest else 0


def _outcome(body: dict[str, Any], operation: str) -> list[str]:
    """The refusal codes of one mutation: top-level errors (UNAUTHENTICATED) or payload errors; [] on success."""
    if body.get("errors"):
        return [str((e.get("extensions") or {}).get("code")) for e in body["errors"]]
    return [str(e["code"]) for e in body["data"][operation]["errors"]]


async def _mutate(desk: Desk, document: str, operation: str, values: dict[str, Any], token: str) -> list[str]:
    return _outcome(await gql(desk.client, document, {"i": values}, token), operation)


def chosen_reply(before: Snapshot, drawn: Step) -> int:
    """The reply an edit or delete step acts on (there always is one: open_desk writes six)."""
    replies = sorted(before.replies)
    return replies[drawn[2] % len(replies)]


async def run_step(desk: Desk, before: Snapshot, drawn: Step) -> list[str] | None:
    """Carry out one step; its refusal codes ([] when it went through), or None for a step that is no request."""
    kind = drawn[0]
    if kind == "advance":
        clock.advance(drawn[1])
        return None
    if kind == "sweep":
        await close_expired_tickets()
        return None
    if kind in ("edit", "delete"):
        reply_id = chosen_reply(before, drawn)
        reply = before.replies[reply_id]
        token = desk.staff.token if drawn[1] == "staff" else desk.requester_token(desk.ticket_of(reply))
        if kind == "delete":
            return await _mutate(desk, DELETE, "deleteReply", {"replyId": str(reply_id)}, token)
        text = desk.text("edit")
        if reply.internal:
            desk.secrets.add(text)  # an internal note stays internal after an edit
        return await _mutate(desk, EDIT, "editReply", {"replyId": str(reply_id), "body": text}, token)
    which = drawn[1]
    number = desk.numbers[which]
    if kind == "requester_reply":
        values = {"number": number, "body": desk.text("public")}
        return await _mutate(desk, ADD, "addReply", values, desk.requester_token(which))
    if kind in ("staff_reply", "staff_note"):
        text = desk.text("note" if kind == "staff_note" else "public")
        if kind == "staff_note":
            desk.secrets.add(text)
        values = {"number": number, "body": text, "internal": kind == "staff_note"}
        return await _mutate(desk, ADD, "addReply", values, desk.staff.token)
    if kind in ("change_status", "requester_changes_status"):
        token = desk.staff.token if kind == "change_status" else desk.requester_token(which)
        values = {"number": number, "statusId": str(desk.status_ids[drawn[2]])}
        return await _mutate(desk, CHANGE, "changeStatus", values, token)
    if kind == "resolve":
        values = {"number": number, "resolutionNotes": desk.text("notes")}
        return await _mutate(desk, RESOLVE, "resolveTicket", values, desk.staff.token)
    reason = desk.text("reason")
    desk.secrets.add(reason)  # reopen reasons are for staff (resolvers/tickets/thread.py STAFF_ONLY_KEYS)
    return await _mutate(desk, REOPEN, "reopenTicket", {"number": number, "reason": reason}, desk.staff.token)


def _requester_may_change(desk: Desk, before: Snapshot, reply: ReplyState) -> bool:
    """SPEC 4: their own public reply, not deleted, within 15 minutes, while the ticket is not Closed."""
    which = desk.ticket_of(reply)
    own = reply.author_id == desk.user.id if which == "user" else reply.guest_email == desk.guest_email
    recent = clock.now() - reply.created_at <= USER_EDIT_WINDOW
    open_ticket = before.kind(desk, which) is not StatusKind.CLOSED
    return own and not reply.internal and reply.deleted_at is None and recent and open_ticket


def expected_outcome(desk: Desk, before: Snapshot, drawn: Step) -> tuple[bool | None, StatusKind | None]:
    """Whether the step must go through (None: no request) and the status kind its ticket must end in (None:
    unchanged)."""
    kind = drawn[0]
    if kind in ("advance", "sweep"):
        return None, None
    if kind in ("edit", "delete"):
        reply = before.replies[chosen_reply(before, drawn)]
        if drawn[1] == "staff":
            return reply.deleted_at is None, None  # staff change any reply in their scope, any time
        return _requester_may_change(desk, before, reply), None
    which = drawn[1]
    current = before.kind(desk, which)
    if kind in ("staff_reply", "staff_note"):
        return True, None
    if kind == "requester_changes_status":
        return False, None
    if kind == "change_status":
        target = desk.status_ids[drawn[2]]
        return before.tickets[which].status_id != target, desk.kinds[target]
    if kind == "resolve":
        return current is not StatusKind.RESOLVED, StatusKind.RESOLVED
    if kind == "reopen":
        return current in (StatusKind.RESOLVED, StatusKind.CLOSED), StatusKind.NEW
    # A requester's reply (SPEC 3): refused once Closed or past the window; inside it, it reopens the ticket.
    if current is StatusKind.CLOSED:
        return False, None
    if current is StatusKind.RESOLVED:
        resolved_at = before.tickets[which].resolved_at
        inside = resolved_at is not None and clock.now() <= resolved_at + WINDOW
        return inside, (StatusKind.NEW if inside else None)
    return True, None


def expired(desk: Desk, before: Snapshot) -> set[str]:
    """The tickets a sweep run now must close: Resolved, and resolved at least the window ago."""
    found = set()
    for which, state in before.tickets.items():
        resolved_at = state.resolved_at
        if before.kind(desk, which) is StatusKind.RESOLVED and resolved_at and resolved_at + WINDOW <= clock.now():
            found.add(which)
    return found
