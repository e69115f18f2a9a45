"""Downloads and who sees attachments (SPEC 7, issue 10): GET /attachments/{id} for everyone who may see the
ticket (and the reply), 404 alike for everyone else and for what does not exist; the headers (RFC 6266 names,
nosniff, CSP), Range requests; `Ticket.attachments` / `Reply.attachments` follow the notes' visibility, and a
deleted reply keeps its files for staff."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from core import clock
from core.enums import Role
from models.accounts import ApiKey
from models.tickets import Ticket
from resolvers.accounts.api_keys import create_api_key
from resolvers.kernel.actor import Actor
from server.access_log import redact
from tests.helpers import (
    Guest,
    Person,
    gql_data,
    make_category,
    make_group,
    make_guest,
    make_person,
    make_ticket,
)
from tests.tickets.uploads import upload

REPLY = """mutation($input: AddReplyInput!) { addReply(input: $input) { reply { id } errors { reason } } }"""
TICKET = """query($n: Int!) { ticket(number: $n) { attachments { id filename replyId downloadUrl }
  replies { id deleted attachments { id filename } } } }"""
DATA = b"%PDF-1.7\n" + bytes(range(256)) * 40


@dataclass
class World:
    ticket: Ticket
    owner: Person
    admin: Person
    staff_in: Person
    staff_out: Person
    other: Person
    guest: Guest
    other_guest: Guest
    public_id: int  # attachment of a public reply on `ticket`
    note_id: int  # attachment of an internal note on `ticket`
    guest_ticket_file: int  # attachment of a public reply on the guest's ticket
    guest_ticket_note: int  # attachment of an internal note on the guest's ticket


async def _attach(client: httpx.AsyncClient, number: int, token: str, *, internal: bool = False) -> int:
    variables = {"input": {"number": number, "body": "File attached.", "internal": internal}}
    response = await upload(client, REPLY, variables, [('report ünï "q".pdf', DATA)], token=token)
    assert response.json()["data"]["addReply"]["errors"] == [], response.text
    data = await gql_data(client, TICKET, {"n": number}, token)
    return int(data["ticket"]["attachments"][-1]["id"])


async def world(client: httpx.AsyncClient) -> World:
    category, elsewhere = await make_category(), await make_category()
    owner, admin = await make_person(Role.USER), await make_person(Role.ADMIN)
    staff_in, staff_out = await make_person(Role.STAFF), await make_person(Role.STAFF)
    await make_group(members=[staff_in], scope=[(category, None)])
    await make_group(members=[staff_out], scope=[(elsewhere, None)])
    ticket = await make_ticket(category, requester=owner)
    guest = await make_guest(await make_ticket(category))
    other_guest = await make_guest(await make_ticket(category))
    public_id = await _attach(client, ticket.number or 0, owner.token)
    note_id = await _attach(client, ticket.number or 0, staff_in.token, internal=True)
    guest_file = await _attach(client, guest.ticket.number or 0, guest.token)
    guest_note = await _attach(client, guest.ticket.number or 0, admin.token, internal=True)
    other = await make_person(Role.USER)
    return World(ticket, owner, admin, staff_in, staff_out, other, guest, other_guest, public_id, note_id, guest_file,
                 guest_note)  # fmt: skip


async def _get(client: httpx.AsyncClient, path: str, token: str | None = None, **headers: str) -> httpx.Response:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return await client.get(path, headers=headers)


# Who downloads which file, and whether they get it.
MATRIX = [
    ("admin", "public", True),
    ("admin", "note", True),
    ("staff in scope", "public", True),
    ("staff in scope", "note", True),
    ("staff out of scope", "public", True),  # staff open any ticket by number (SPEC 1), so its files too
    ("staff out of scope", "note", True),
    ("owner", "public", True),
    ("owner", "note", False),  # a note's attachment is as invisible to the requester as the note
    ("other user", "public", False),
    ("guest of this ticket", "guest", True),
    ("guest of this ticket", "guest note", False),
    ("guest of another ticket", "guest", False),
    ("guest of another ticket", "public", False),
    ("anonymous", "public", False),
    ("revoked API key", "public", False),
]


@pytest.mark.parametrize(("who", "which", "allowed"), MATRIX)
async def test_download_matrix(client: httpx.AsyncClient, who: str, which: str, allowed: bool) -> None:
    w = await world(client)
    attachment_id = {"public": w.public_id, "note": w.note_id, "guest": w.guest_ticket_file,
                     "guest note": w.guest_ticket_note}[which]  # fmt: skip
    path = f"/attachments/{attachment_id}"
    if who == "revoked API key":
        key = await api_key_for(w.owner)
        assert (await _get(client, path, key)).status_code == 200  # the key works until it is revoked
        await ApiKey.filter(user_id=w.owner.id).update(revoked_at=clock.now())
        response = await _get(client, path, key)
    elif who.startswith("guest"):
        guest = w.guest if who == "guest of this ticket" else w.other_guest
        response = await _get(client, f"{path}?token={guest.token}")
    else:
        people = {"admin": w.admin, "staff in scope": w.staff_in, "staff out of scope": w.staff_out,
                  "owner": w.owner, "other user": w.other}  # fmt: skip
        response = await _get(client, path, people[who].token if who in people else None)
    if allowed:
        assert response.status_code == 200, response.text
        assert response.content == DATA
        return
    missing = await _get(client, "/attachments/999999", w.admin.token)
    assert (response.status_code, response.content) == (missing.status_code, missing.content) == (404, b"Not found.")
    assert dict(response.headers) == dict(missing.headers)


async def api_key_for(person: Person) -> str:
    actor = Actor(user_id=person.id, role=person.user.role, email=person.user.email, name=person.user.name)
    _, key = await create_api_key(actor, "downloads")
    return key


async def test_download_headers_name_the_file_safely_and_forbid_rendering(client: httpx.AsyncClient) -> None:
    w = await world(client)
    response = await _get(client, f"/attachments/{w.public_id}", w.owner.token)
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"report uni _q_.pdf\"; filename*=UTF-8''report%20%C3%BCn%C3%AF%20%22q%22.pdf"
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["accept-ranges"] == "bytes"


async def test_range_requests_get_the_bytes_asked_for(client: httpx.AsyncClient) -> None:
    w = await world(client)
    path = f"/attachments/{w.public_id}"
    part = await _get(client, path, w.owner.token, Range="bytes=100-199")
    assert part.status_code == 206 and part.content == DATA[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(DATA)}"
    tail = await _get(client, path, w.owner.token, Range="bytes=-10")
    assert tail.status_code == 206 and tail.content == DATA[-10:]
    beyond = await _get(client, path, w.owner.token, Range=f"bytes={len(DATA) + 5}-")
    assert beyond.status_code == 416
    # A Range request does not get around the rule.
    assert (await _get(client, path, w.other.token, Range="bytes=0-10")).status_code == 404


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "\uff11\uff12", "99999999999", "1.0"])
async def test_malformed_ids_are_the_same_404(client: httpx.AsyncClient, raw: str) -> None:
    admin = await make_person(Role.ADMIN)
    response = await _get(client, f"/attachments/{raw}", admin.token)
    assert (response.status_code, response.content) == (404, b"Not found.")


async def test_a_session_token_in_the_url_is_no_credential(client: httpx.AsyncClient) -> None:
    w = await world(client)
    # Only guest links carry a token in the URL; sessions and API keys go in the header.
    assert (await _get(client, f"/attachments/{w.public_id}?token={w.owner.token}")).status_code == 404


async def test_ticket_and_reply_attachments_follow_the_notes_visibility(client: httpx.AsyncClient) -> None:
    w = await world(client)
    number = w.ticket.number
    staff = await gql_data(client, TICKET, {"n": number}, w.staff_in.token)
    assert [int(a["id"]) for a in staff["ticket"]["attachments"]] == [w.public_id, w.note_id]
    owner = await gql_data(client, TICKET, {"n": number}, w.owner.token)
    assert [int(a["id"]) for a in owner["ticket"]["attachments"]] == [w.public_id]
    assert [len(r["attachments"]) for r in owner["ticket"]["replies"]] == [1]
    assert owner["ticket"]["attachments"][0]["downloadUrl"].endswith(f"/attachments/{w.public_id}")


async def test_a_guest_sees_the_public_files_with_a_download_url_carrying_their_token(
    client: httpx.AsyncClient,
) -> None:
    w = await world(client)
    query = """query($n: Int!) { ticket(number: $n) { attachments { filename downloadUrl }
      replies { attachments { filename } } } }"""
    data = await gql_data(client, query, {"n": w.guest.ticket.number}, w.guest.token)
    (attachment,) = data["ticket"]["attachments"]
    assert attachment["downloadUrl"].endswith(f"/attachments/{w.guest_ticket_file}?token={w.guest.token}")
    path = attachment["downloadUrl"].split("8000", 1)[1]
    assert (await client.get(path)).content == DATA


async def test_a_deleted_reply_keeps_its_files_for_staff_only(client: httpx.AsyncClient) -> None:
    w = await world(client)
    owner_view = await gql_data(client, TICKET, {"n": w.ticket.number}, w.owner.token)
    reply_id = owner_view["ticket"]["replies"][0]["id"]
    delete = """mutation($id: ID!) { deleteReply(input: {replyId: $id}) { errors { reason } } }"""
    assert (await gql_data(client, delete, {"id": reply_id}, w.staff_in.token))["deleteReply"]["errors"] == []
    staff = await gql_data(client, TICKET, {"n": w.ticket.number}, w.staff_in.token)
    deleted = [r for r in staff["ticket"]["replies"] if r["deleted"]]
    assert [a["id"] for a in deleted[0]["attachments"]] == [str(w.public_id)]
    assert (await _get(client, f"/attachments/{w.public_id}", w.staff_in.token)).content == DATA
    owner = await gql_data(client, TICKET, {"n": w.ticket.number}, w.owner.token)
    assert owner["ticket"]["attachments"] == [] and owner["ticket"]["replies"] == []
    assert (await _get(client, f"/attachments/{w.public_id}", w.owner.token)).status_code == 404


def test_the_access_log_redacts_a_guests_download_url() -> None:
    line = '127.0.0.1 - "GET /attachments/7?token=hdg_12.1790000000.abc.def HTTP/1.1" 200'
    assert "hdg_12" not in redact(line) and "/attachments/7?token=" in redact(line)
