"""Replies and internal notes (SPEC 4): who may post, see, edit and delete, and who is emailed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from core import clock
from core.enums import Role, StatusKind
from models.audit import AuditEntry
from models.outbox import OutboxMessage
from models.replies import Reply
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
    refusals,
    status_of,
)

ADD = f"""mutation($i: AddReplyInput!) {{ addReply(input: $i) {{
  reply {{ id body internal deleted author {{ id }} }} {ERRORS} }} }}"""
EDIT = f"""mutation($i: EditReplyInput!) {{ editReply(input: $i) {{
  reply {{ id body editedAt }} {ERRORS} }} }}"""
DELETE = f"""mutation($i: DeleteReplyInput!) {{ deleteReply(input: $i) {{
  reply {{ id deleted body }} {ERRORS} }} }}"""
THREAD = """query($n: Int!) { ticket(number: $n) {
  replies { id body internal deleted } history { action before after } } }"""


async def setup() -> dict[str, Any]:
    category = await make_category("Hardware")
    w: dict[str, Any] = {
        "admin": await make_person(Role.ADMIN),
        "staff": await make_person(Role.STAFF),
        "staff_out": await make_person(Role.STAFF),
        "owner": await make_person(Role.USER),
        "other": await make_person(Role.USER),
    }
    await make_group("Desk", members=[w["staff"]], scope=[(category, None)])
    w["ticket"] = await make_ticket(category, requester=w["owner"], assignee=w["staff"])
    # A guest with a token for their own guest ticket; on w["ticket"] they are a stranger.
    w["guest"] = await make_guest(await make_ticket(category, assignee=w["staff"]))
    return w


async def add(
    client: httpx.AsyncClient, person: Person | Guest | None, number: int, body: str = "Hello", internal: bool = False
) -> dict[str, Any]:
    result = await gql(
        client, ADD, {"i": {"number": number, "body": body, "internal": internal}}, person.token if person else None
    )
    return result


def reason_of(body: dict[str, Any], name: str) -> Reason | None:
    """None for success, else the reason (of the top-level UNAUTHENTICATED or of the payload's only error)."""
    if body.get("errors"):
        (error,) = body["errors"]
        return Reason(error["extensions"]["reason"])
    found = refusals(body["data"][name])
    assert len(found) <= 1, found
    return found[0][0] if found else None


@pytest.mark.parametrize(
    ("who", "internal", "expected"),
    [
        ("admin", False, None),
        ("admin", True, None),
        ("staff", False, None),
        ("staff", True, None),
        ("staff_out", False, Reason.OUT_OF_SCOPE),  # public replies stay within scope
        ("staff_out", True, None),  # notes go on any ticket staff can open
        ("owner", False, None),
        ("owner", True, Reason.STAFF_ONLY),
        ("other", False, Reason.TICKET_NOT_FOUND),
        ("other", True, Reason.STAFF_ONLY),
        ("guest_own", False, None),  # a guest replies publicly on their own ticket
        ("guest_own", True, Reason.STAFF_ONLY),
        ("guest_other", False, Reason.TICKET_NOT_FOUND),  # any other ticket looks missing to a guest
        ("anonymous", False, Reason.SIGN_IN_REQUIRED),
    ],
)
async def test_add_reply_matrix(client: httpx.AsyncClient, who: str, internal: bool, expected: Reason | None) -> None:
    w = await setup()
    person = w["guest"] if who.startswith("guest") else w.get(who)
    number = w["guest"].ticket.number if who == "guest_own" else w["ticket"].number
    body = await add(client, person, number, internal=internal)
    assert reason_of(body, "addReply") == expected
    assert await Reply.all().count() == (1 if expected is None else 0)


async def test_notes_never_reach_the_requester(client: httpx.AsyncClient) -> None:
    w = await setup()
    await add(client, w["owner"], w["ticket"].number, "My printer is on fire")
    note = (await add(client, w["staff"], w["ticket"].number, "Secret: blame Bob", internal=True))["data"]
    note_id = note["addReply"]["reply"]["id"]
    await add(client, w["staff"], w["ticket"].number, "We are on it")
    await gql(client, EDIT, {"i": {"replyId": note_id, "body": "Secret: blame Alice"}}, w["staff"].token)

    seen = (await gql_data(client, THREAD, {"n": w["ticket"].number}, w["owner"].token))["ticket"]
    assert [r["body"] for r in seen["replies"]] == ["My printer is on fire", "We are on it"]
    assert "Secret" not in str(seen)
    staff_view = (await gql_data(client, THREAD, {"n": w["ticket"].number}, w["staff"].token))["ticket"]
    assert [r["internal"] for r in staff_view["replies"]] == [False, True, False]
    assert "blame Bob" in str(staff_view["history"])  # staff see the edited versions

    # Editing or deleting a note is NOT_FOUND for the requester, exactly like a missing reply.
    body = await gql(client, EDIT, {"i": {"replyId": note_id, "body": "x"}}, w["owner"].token)
    assert reason_of(body, "editReply") == Reason.REPLY_NOT_FOUND
    # No email mentions the note: notes queue only a staff-facing event.
    emails = await OutboxMessage.filter(channel="email").values_list("payload", flat=True)
    assert all(int(note_id) != p.get("reply_id") for p in emails)  # type: ignore[union-attr]
    assert await OutboxMessage.filter(channel="event", topic="ticket.note_added").count() == 1


async def test_public_reply_emails_participants_but_never_the_author(client: httpx.AsyncClient) -> None:
    w = await setup()
    # The assignee (staff) and the requester are participants from the start; the admin is not yet.
    await add(client, w["admin"], w["ticket"].number, "Admin here")
    first = await OutboxMessage.filter(topic="reply_added").values_list("payload", flat=True)
    assert sorted(p["to"] for p in first) == sorted([w["owner"].user.email, w["staff"].user.email])  # type: ignore[index]
    await OutboxMessage.all().delete()
    # A note makes nobody a participant and emails nobody.
    await add(client, w["staff_out"], w["ticket"].number, "psst", internal=True)
    assert await OutboxMessage.filter(channel="email").count() == 0
    await add(client, w["owner"], w["ticket"].number, "Thanks")
    recipients = await OutboxMessage.filter(topic="reply_added").values_list("payload", flat=True)
    # The admin replied publicly, so they are a participant now; the author (owner) is not emailed.
    assert sorted(p["to"] for p in recipients) == sorted(  # type: ignore[index]
        [w["admin"].user.email, w["staff"].user.email]
    )


async def test_user_edit_window_is_fifteen_minutes(client: httpx.AsyncClient) -> None:
    w = await setup()
    start = clock.now()
    clock.set_now(start)
    first = (await add(client, w["owner"], w["ticket"].number, "v1"))["data"]["addReply"]["reply"]["id"]
    second = (await add(client, w["owner"], w["ticket"].number, "v1"))["data"]["addReply"]["reply"]["id"]
    clock.set_now(start + timedelta(minutes=14, seconds=59))
    ok = await gql_data(client, EDIT, {"i": {"replyId": first, "body": "v2"}}, w["owner"].token)
    assert ok["editReply"]["errors"] == [] and ok["editReply"]["reply"]["body"] == "v2"
    clock.set_now(start + timedelta(minutes=15, seconds=1))
    late = await gql_data(client, EDIT, {"i": {"replyId": first, "body": "v3"}}, w["owner"].token)
    assert_refused(late["editReply"], Reason.EDIT_WINDOW_EXPIRED)
    late_delete = await gql_data(client, DELETE, {"i": {"replyId": second}}, w["owner"].token)
    assert_refused(late_delete["deleteReply"], Reason.EDIT_WINDOW_EXPIRED)
    # Staff edit any reply any time.
    staff_edit = await gql_data(client, EDIT, {"i": {"replyId": first, "body": "fixed typo"}}, w["staff"].token)
    assert staff_edit["editReply"]["errors"] == []
    versions = (
        await AuditEntry.filter(action="reply.edited", entity_id=first).order_by("id").values_list("before", "after")
    )
    assert versions == [({"body": "v1"}, {"body": "v2"}), ({"body": "v2"}, {"body": "fixed typo"})]


async def test_users_cannot_edit_other_peoples_replies(client: httpx.AsyncClient) -> None:
    w = await setup()
    staff_reply = (await add(client, w["staff"], w["ticket"].number))["data"]["addReply"]["reply"]["id"]
    body = await gql_data(client, EDIT, {"i": {"replyId": staff_reply, "body": "mine now"}}, w["owner"].token)
    assert_refused(body["editReply"], Reason.NOT_YOUR_REPLY)
    body = await gql_data(client, EDIT, {"i": {"replyId": staff_reply, "body": "x"}}, w["other"].token)
    assert_refused(body["editReply"], Reason.REPLY_NOT_FOUND, "replyId")


async def test_soft_delete_shows_staff_a_placeholder_and_others_nothing(client: httpx.AsyncClient) -> None:
    w = await setup()
    reply_id = (await add(client, w["owner"], w["ticket"].number, "oops"))["data"]["addReply"]["reply"]["id"]
    deleted = await gql_data(client, DELETE, {"i": {"replyId": reply_id}}, w["owner"].token)
    assert deleted["deleteReply"]["reply"] == {"id": reply_id, "deleted": True, "body": None}
    owner_view = (await gql_data(client, THREAD, {"n": w["ticket"].number}, w["owner"].token))["ticket"]
    assert owner_view["replies"] == []
    assert "oops" not in str(owner_view)
    staff_view = (await gql_data(client, THREAD, {"n": w["ticket"].number}, w["staff"].token))["ticket"]
    assert staff_view["replies"] == [{"id": reply_id, "body": None, "internal": False, "deleted": True}]
    entry = await AuditEntry.get(action="reply.deleted")
    assert entry.before == {"body": "oops"}
    again = await gql_data(client, DELETE, {"i": {"replyId": reply_id}}, w["staff"].token)
    assert_refused(again["deleteReply"], Reason.REPLY_DELETED, "replyId")


async def test_blank_reply_is_refused(client: httpx.AsyncClient) -> None:
    w = await setup()
    body = (await add(client, w["owner"], w["ticket"].number, "   "))["data"]["addReply"]
    assert_refused(body, Reason.REQUIRED, "body")


async def test_closed_ticket_takes_no_reply_from_the_requester_but_staff_may(client: httpx.AsyncClient) -> None:
    w = await setup()
    await Ticket.filter(id=w["ticket"].id).update(status_id=(await status_of(StatusKind.CLOSED)).id)
    body = (await add(client, w["owner"], w["ticket"].number))["data"]["addReply"]
    assert_refused(body, Reason.TICKET_CLOSED)
    assert (await add(client, w["staff"], w["ticket"].number))["data"]["addReply"]["errors"] == []
    assert await Reply.all().count() == 1


async def test_first_public_staff_reply_sets_first_response(client: httpx.AsyncClient) -> None:
    w = await setup()
    await add(client, w["staff"], w["ticket"].number, "note", internal=True)
    assert (await Ticket.get(id=w["ticket"].id)).first_response_at is None
    await add(client, w["staff"], w["ticket"].number, "public")
    assert (await Ticket.get(id=w["ticket"].id)).first_response_at is not None


async def test_reply_html_is_safe_markdown_and_gone_once_deleted(client: httpx.AsyncClient) -> None:
    w = await setup()
    data = (await add(client, w["owner"], w["ticket"].number, "**Help** <script>alert(1)</script>"))["data"]
    reply_id = data["addReply"]["reply"]["id"]
    query = "query($n: Int!) { ticket(number: $n) { replies { bodyHtml } } }"
    seen = await gql_data(client, query, {"n": w["ticket"].number}, w["owner"].token)
    html = seen["ticket"]["replies"][0]["bodyHtml"]
    assert "<strong>Help</strong>" in html and "&lt;script&gt;" in html and "<script" not in html
    await gql_data(client, DELETE, {"i": {"replyId": reply_id}}, w["staff"].token)
    seen = await gql_data(client, query, {"n": w["ticket"].number}, w["staff"].token)
    assert seen["ticket"]["replies"] == [{"bodyHtml": None}]


async def test_out_of_scope_staff_cannot_change_public_replies_but_may_change_notes(client: httpx.AsyncClient) -> None:
    w = await setup()
    reply_id = (await add(client, w["owner"], w["ticket"].number, "mine"))["data"]["addReply"]["reply"]["id"]
    note_id = (await add(client, w["staff"], w["ticket"].number, "n", internal=True))["data"]["addReply"]["reply"]["id"]
    edit = await gql_data(client, EDIT, {"i": {"replyId": reply_id, "body": "theirs"}}, w["staff_out"].token)
    assert_refused(edit["editReply"], Reason.OUT_OF_SCOPE)
    delete = await gql_data(client, DELETE, {"i": {"replyId": reply_id}}, w["staff_out"].token)
    assert_refused(delete["deleteReply"], Reason.OUT_OF_SCOPE)
    assert (await Reply.get(id=int(reply_id))).body == "mine"
    note = await gql_data(client, EDIT, {"i": {"replyId": note_id, "body": "n2"}}, w["staff_out"].token)
    assert note["editReply"]["errors"] == []


async def test_a_note_does_not_move_the_requesters_updated_at(client: httpx.AsyncClient) -> None:
    w = await setup()
    query = "query($n: Int!) { ticket(number: $n) { updatedAt } }"
    before = (await gql_data(client, query, {"n": w["ticket"].number}, w["owner"].token))["ticket"]["updatedAt"]
    await add(client, w["staff"], w["ticket"].number, "psst", internal=True)
    after_note = (await gql_data(client, query, {"n": w["ticket"].number}, w["owner"].token))["ticket"]["updatedAt"]
    assert after_note == before
    await add(client, w["staff"], w["ticket"].number, "public")
    after_reply = (await gql_data(client, query, {"n": w["ticket"].number}, w["owner"].token))["ticket"]["updatedAt"]
    assert after_reply > before
