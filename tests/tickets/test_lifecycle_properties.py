"""Property tests of the ticket lifecycle (SPEC 3, 4): any sequence of operations keeps the invariants.

Hypothesis draws a sequence of steps (tests/lifecycle_steps.py: requester reply, staff reply, staff note,
changeStatus, resolveTicket, reopenTicket, a requester trying to change the status, the clock moving past the
edit window, inside or past the reopen window, the close sweep, edit or delete of a reply by its requester or by
staff) over two tickets: one a USER filed with createTicket, one a guest filed with submitGuestTicket. Every step
goes through the GraphQL endpoint, except the sweep, which is the resolver the hourly job calls. After each step:

- a ticket becomes Closed only through the sweep or a staff changeStatus, and the sweep closes exactly the
  Resolved tickets whose reopen window has run out;
- each step is accepted or refused as the rules say (a requester's reply reopens a Resolved ticket inside the
  window and is refused after it or once Closed; a requester changes their own public reply for 15 minutes
  while the ticket is open; staff transitions do what they say or are a CONFLICT), and ends in the status
  it names;
- staff-only text (internal notes, also after an edit, and reopen reasons) never reaches the requester or the
  guest: not in `ticket.replies`, the reply count, `history`, a search, the guest's /track page, nor any email
  queued for them (and no email is queued about a note at all);
- every change has its audit row (each ticket and reply that changed has a new audit entry about it), and a
  refused step changes nothing and writes no audit row.

`@given` on the async test runs each example on pytest-asyncio's session loop (pytest-asyncio supports
Hypothesis). The database is reset per example by open_desk (the function-scoped `db` fixture would run once for
all examples); examples are bounded and derandomized, with no example database. Run more locally with
HELPDESK_LIFECYCLE_EXAMPLES=500.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from typing import Any

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core import clock
from core.enums import StatusKind
from models.audit import AuditEntry
from models.outbox import OutboxMessage
from models.replies import Reply
from resolvers.notify.email_templates import Undeliverable, render_message
from tests.helpers import gql
from tests.lifecycle_steps import (
    TICKETS,
    Desk,
    Snapshot,
    Step,
    expected_outcome,
    expired,
    open_desk,
    run_step,
    snapshot,
    steps,
)

MAX_EXAMPLES = int(os.environ.get("HELPDESK_LIFECYCLE_EXAMPLES", "12"))
MIN_STEPS, MAX_STEPS = 3, 12
REQUESTER_VIEW = """query($n: Int!) { ticket(number: $n) { number status { kind } reopened
  replies { id body bodyHtml internal deleted guestEmail author { name } }
  history { action entityType entityId actorLabel before after } } }"""
# A guest may not ask for the history at all (the field gate refuses it: tests/guests/test_guest_gate.py).
GUEST_VIEW = REQUESTER_VIEW.replace("\n  history { action entityType entityId actorLabel before after }", "")
SEARCH = """query($s: String!) { tickets(filter: {search: $s}) { totalCount edges { node { number } } } }"""

# Sequences that are always among the examples, whatever Hypothesis draws: the window running out before the
# sweep, replies and edits after it; a reply inside it, a hand-closed ticket reopened by staff, deletes.
PAST_THE_WINDOW = [("resolve", "user"), ("resolve", "guest"), ("advance", timedelta(days=8)),
                   ("requester_reply", "guest"), ("sweep",), ("requester_reply", "user"), ("sweep",),
                   ("edit", "requester", 5), ("staff_note", "user"), ("edit", "staff", 6)]  # fmt: skip
INSIDE_THE_WINDOW = [("edit", "requester", 2), ("resolve", "guest"), ("advance", timedelta(days=3)), ("sweep",),
                     ("requester_reply", "guest"), ("resolve", "user"), ("change_status", "user", "Closed"),
                     ("requester_reply", "user"), ("reopen", "user"), ("delete", "requester", 2),
                     ("delete", "staff", 1)]  # fmt: skip


async def check_step(desk: Desk, before: Snapshot, after: Snapshot, drawn: Step, codes: list[str] | None) -> None:
    kind = drawn[0]
    new_audit = await AuditEntry.filter(id__gt=desk.last_audit_id).order_by("id").values()
    desk.last_audit_id = max([desk.last_audit_id, *(row["id"] for row in new_audit)])
    context = f"step {drawn} answered {codes}"

    must, target = expected_outcome(desk, before, drawn)
    if kind == "requester_reply" and drawn[1] == "guest" and codes == ["RATE_LIMITED"]:
        must = None  # the guest's per-address reply limit may run out within a long sequence
    if must is not None:
        assert (codes == []) is must, f"{context}: it should {'' if must else 'not '}have gone through"
    if codes == [] and target is not None:
        assert after.kind(desk, drawn[1]) is target, context
    if codes:
        assert after == before, f"{context}: refused, yet something changed"
        assert new_audit == [], f"{context}: refused, yet audited"

    for which in TICKETS:
        if after.kind(desk, which) is StatusKind.CLOSED and before.kind(desk, which) is not StatusKind.CLOSED:
            assert kind in ("sweep", "change_status"), f"{context} closed the {which} ticket"
    if kind == "sweep":
        changed = {which for which in TICKETS if after.tickets[which] != before.tickets[which]}
        closed = {which for which in TICKETS if after.kind(desk, which) is StatusKind.CLOSED}
        assert changed == expired(desk, before) and changed <= closed, f"the sweep changed {changed}"

    # An audit row for every change: each ticket or reply that changed has a new entry about it.
    for which in TICKETS:
        if after.tickets[which] != before.tickets[which]:
            about = [r for r in new_audit if r["entity_type"] == "ticket" and r["ticket_id"] == desk.ids[which]]
            assert about, f"{context} changed the {which} ticket without an audit row"
    for reply_id, state in after.replies.items():
        if before.replies.get(reply_id) != state:
            about = [r for r in new_audit if r["entity_type"] == "reply" and r["entity_id"] == str(reply_id)]
            assert about, f"{context} changed reply {reply_id} without an audit row"


def assert_hidden(desk: Desk, text: str, where: str) -> None:
    leaked = sorted(secret for secret in desk.secrets if secret in text)
    assert not leaked, f"staff-only text {leaked} reached the requester in {where}"


async def check_requesters_see_no_staff_text(desk: Desk, after: Snapshot) -> None:
    for which in TICKETS:
        view = GUEST_VIEW if which == "guest" else REQUESTER_VIEW
        body = await gql(desk.client, view, {"n": desk.numbers[which]}, desk.requester_token(which))
        assert not body.get("errors"), body
        assert_hidden(desk, json.dumps(body, ensure_ascii=False), f"the {which} requester's ticket view")
        replies = body["data"]["ticket"]["replies"]
        assert not any(r["internal"] or r["deleted"] for r in replies), replies
        public = [r for r in after.replies.values() if desk.ticket_of(r) == which and not r.internal]
        assert len(replies) == len([r for r in public if r.deleted_at is None]), replies
    page = await desk.client.get(f"/track/{desk.guest_token}")
    assert page.status_code == 200
    assert_hidden(desk, page.text, "the guest's /track page")
    for secret in sorted(desk.secrets - desk.searched):  # each once: subjects never change here
        found = await gql(desk.client, SEARCH, {"s": secret}, desk.user.token)
        assert found["data"]["tickets"]["totalCount"] == 0, f"a search for {secret} found {found}"
        desk.searched.add(secret)


async def check_emails(desk: Desk) -> None:
    """No email queued for a requester or guest carries staff-only text, and none announces an internal note."""
    notes = {r.id for r in await Reply.filter(internal=True)}
    requesters = {desk.user.user.email.lower(), desk.guest_email}
    rows = await OutboxMessage.filter(id__gt=desk.last_outbox_id, channel="email").order_by("id")
    desk.last_outbox_id = max([desk.last_outbox_id, *(row.id for row in rows)])
    for row in rows:
        payload: dict[str, Any] = row.payload  # type: ignore[assignment]
        assert payload.get("reply_id") not in notes, f"an email about internal note {payload}"
        if str(payload.get("to", "")).lower() not in requesters:
            continue
        try:
            rendered = await render_message(row.topic, row.ticket_id, payload)
        except Undeliverable:
            continue  # the mailer marks it FAILED without sending
        assert_hidden(desk, f"{rendered.subject}\n{rendered.text}\n{rendered.html}", f"a {row.topic} email")


@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    # The database, clock and rate-limit counters are reset per example by open_desk, not by a fixture.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(steps, min_size=MIN_STEPS, max_size=MAX_STEPS))
@example(sequence=PAST_THE_WINDOW)
@example(sequence=INSIDE_THE_WINDOW)
async def test_any_sequence_of_operations_keeps_the_lifecycle_invariants(
    backend: str, app: Any, sequence: list[Step]
) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        desk = await open_desk(backend, client)
        try:
            for drawn in sequence:
                before = await snapshot(desk)
                codes = await run_step(desk, before, drawn)
                after = await snapshot(desk)
                await check_step(desk, before, after, drawn, codes)
                await check_requesters_see_no_staff_text(desk, after)
                await check_emails(desk)
        finally:
            clock.set_now(None)
