"""Uploads (SPEC 7, issue 10): what is accepted and stored, what is refused by name and by content, the limits
(10 files, max_attachment_bytes exactly and one byte over), the preflight header, and that no refusal, role
refusal or cut connection leaves a file or a row behind."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import pytest

from core.config import get_config
from core.enums import Role
from models.attachments import Attachment
from models.settings import Setting
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from resolvers.tickets.attachment_storage import stored_path
from resolvers.tickets.attachments import display_name
from tests.helpers import ERRORS, assert_refused, make_category, make_group, make_guest, make_person, make_ticket
from tests.tickets.uploads import PREFLIGHT, multipart_parts, stored_files, upload

CREATE = f"""mutation($input: CreateTicketInput!) {{ createTicket(input: $input) {{
  ticket {{ number attachments {{ id filename contentType size sha256 replyId }} }} {ERRORS} }} }}"""
REPLY = f"""mutation($input: AddReplyInput!) {{ addReply(input: $input) {{
  reply {{ id attachments {{ id filename size }} }} {ERRORS} }} }}"""
SUBMIT = f"""mutation($input: SubmitGuestTicketInput!) {{ submitGuestTicket(input: $input) {{
  ticket {{ number attachments {{ filename contentType }} }} {ERRORS} }} }}"""

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
ALLOWED = [
    ("screenshot.png", PNG, "image/png"),
    ("photo.JPG", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64, "image/jpeg"),
    ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "application/pdf"),
    ("logs.zip", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 64, "application/zip"),
    ("server.log", "2026-12-01 error: disk full — ünïcode\n".encode(), "text/plain"),
    ("data.bin", bytes(range(256)) * 4, "application/octet-stream"),
    # Java class files share the Mach-O universal magic; their version field tells them apart.
    ("Main.class", b"\xca\xfe\xba\xbe\x00\x00\x00\x41" + b"\x00" * 32, None),
    # A shell script's name in a text file's content is not a script.
    ("readme.txt", b"Run ./install.sh and then setup.exe; see notes.\n", "text/plain"),
]
BLOCKED_CONTENT = {
    "windows program (PE)": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",
    "ELF": b"\x7fELF\x02\x01\x01\x00",
    "Mach-O 32": b"\xfe\xed\xfa\xce\x00\x00\x00\x07",
    "Mach-O 64": b"\xfe\xed\xfa\xcf\x01\x00\x00\x07",
    "Mach-O 32 swapped": b"\xce\xfa\xed\xfe\x07\x00\x00\x00",
    "Mach-O 64 swapped": b"\xcf\xfa\xed\xfe\x07\x00\x00\x01",
    "Mach-O universal": b"\xca\xfe\xba\xbe\x00\x00\x00\x02\x01\x00\x00\x07",
    "Mach-O universal 64": b"\xca\xfe\xba\xbf\x00\x00\x00\x02",
    "shebang": b"#!/bin/sh\nrm -rf ~\n",
    "shebang after BOM": b"\xef\xbb\xbf#!/usr/bin/env python3\nprint(1)\n",
    "batch": b"@echo off\r\ndel /q C:\\*\r\n",
    "batch construct": b"cd %~dp0\r\nstart evil\r\n",
    "powershell": b"[CmdletBinding()]\nparam([string]$Path)\nRemove-Item $Path\n",
    "powershell utf-16": "\ufeffInvoke-Expression (New-Object Net.WebClient).DownloadString('x')".encode("utf-16-le"),
    "powershell encoded": b"powershell.exe -EncodedCommand SQBFAFgA\n",
    "vbscript": b'Set shell = CreateObject("WScript.Shell")\nshell.Run "cmd"\n',
    "vbscript option": b"' comment\nOption Explicit\nDim x\n",
}
BLOCKED_NAMES = [
    "setup.exe", "run.bat", "run.cmd", "install.sh", "tool.ps1", "macro.vbs", "lib.dll", "lib.so", "lib.dylib",
    "SETUP.EXE", "Install.Sh", "report.pdf.exe", "archive.tar.sh", "evil.exe.", "evil.exe  ", "c:\\tmp\\x.dll",
]  # fmt: skip


async def _category_input() -> dict[str, Any]:
    category = await make_category()
    return {"input": {"subject": "Files", "description": "See the attached.", "categoryId": str(category.id)}}


async def assert_nothing_stored(before: set[str]) -> None:
    assert await Attachment.all().count() == 0
    assert stored_files() == before


async def test_allowed_files_are_stored_with_their_size_hash_and_detected_type(client: httpx.AsyncClient) -> None:
    user = await make_person(Role.USER)
    files = [(name, data) for name, data, _ in ALLOWED]
    response = await upload(client, CREATE, await _category_input(), files, token=user.token)
    payload = response.json()["data"]["createTicket"]
    assert payload["errors"] == []
    got = payload["ticket"]["attachments"]
    assert [a["filename"] for a in got] == [name for name, _, _ in ALLOWED]
    for attachment, (_, data, kind) in zip(got, ALLOWED, strict=True):
        assert attachment["size"] == len(data)
        assert attachment["sha256"] == hashlib.sha256(data).hexdigest()
        assert attachment["replyId"] is None
        if kind is not None:
            assert attachment["contentType"] == kind, attachment
        row = await Attachment.get(id=int(attachment["id"]))
        assert stored_path(row.storage_name).read_bytes() == data
        assert row.sha256 == attachment["sha256"] and row.uploaded_by_id == user.id  # type: ignore[attr-defined]
    # Nothing waits in incoming/ once the request is over; names are random, not the client's.
    assert all("/" not in name for name in stored_files())
    assert not any(name in stored_files() for name, _ in files)


@pytest.mark.parametrize("kind", sorted(BLOCKED_CONTENT))
async def test_blocked_content_under_an_innocent_name_is_refused(client: httpx.AsyncClient, kind: str) -> None:
    user = await make_person(Role.USER)
    variables = await _category_input()
    before = stored_files()
    files = [("fine.txt", b"hello"), ("holiday-photo.jpg", BLOCKED_CONTENT[kind])]
    payload = (await upload(client, CREATE, variables, files, token=user.token)).json()["data"]["createTicket"]
    assert_refused(payload, Reason.BLOCKED_FILE_CONTENT, "files[1]")
    assert "holiday-photo.jpg" in payload["errors"][0]["message"]
    assert payload["ticket"] is None and await Ticket.all().count() == 0
    await assert_nothing_stored(before)


@pytest.mark.parametrize("name", BLOCKED_NAMES)
async def test_blocked_extensions_with_innocent_content_are_refused(client: httpx.AsyncClient, name: str) -> None:
    user = await make_person(Role.USER)
    before = stored_files()
    response = await upload(client, CREATE, await _category_input(), [(name, b"just text")], token=user.token)
    payload = response.json()["data"]["createTicket"]
    assert_refused(payload, Reason.BLOCKED_FILE_TYPE, "files[0]")
    assert await Ticket.all().count() == 0
    await assert_nothing_stored(before)


async def test_ten_files_pass_and_eleven_are_refused(client: httpx.AsyncClient) -> None:
    user = await make_person(Role.USER)
    variables = await _category_input()
    ten = [(f"f{i}.txt", f"file {i}".encode()) for i in range(10)]
    payload = (await upload(client, CREATE, variables, ten, token=user.token)).json()["data"]["createTicket"]
    assert payload["errors"] == [] and len(payload["ticket"]["attachments"]) == 10
    before = stored_files()
    eleven = [*ten, ("f10.txt", b"one too many")]
    payload = (await upload(client, CREATE, variables, eleven, token=user.token)).json()["data"]["createTicket"]
    assert_refused(payload, Reason.TOO_MANY_ENTRIES, "files")
    assert await Ticket.all().count() == 1 and await Attachment.all().count() == 10
    assert stored_files() == before


async def test_a_file_of_exactly_the_limit_passes_and_one_byte_more_is_refused(client: httpx.AsyncClient) -> None:
    user = await make_person(Role.USER)
    await Setting.create(key="max_attachment_bytes", value=1000)
    variables = await _category_input()
    exact = [("exact.bin", b"\x01" * 1000)]
    payload = (await upload(client, CREATE, variables, exact, token=user.token)).json()["data"]["createTicket"]
    assert payload["errors"] == [] and payload["ticket"]["attachments"][0]["size"] == 1000
    before = stored_files()
    over = [("small.txt", b"ok"), ("over.bin", b"\x01" * 1001)]
    payload = (await upload(client, CREATE, variables, over, token=user.token)).json()["data"]["createTicket"]
    assert_refused(payload, Reason.FILE_TOO_LARGE, "files[1]")
    assert "over.bin" in payload["errors"][0]["message"] and "1000 bytes" in payload["errors"][0]["message"]
    assert await Attachment.all().count() == 1 and stored_files() == before


async def test_every_refusal_of_a_file_is_reported_at_once_with_the_other_fields(client: httpx.AsyncClient) -> None:
    user = await make_person(Role.USER)
    variables = await _category_input()
    variables["input"]["subject"] = "   "
    files = [("a.exe", b"x"), ("b.txt", b"#!/bin/bash\n"), ("c.txt", b"fine")]
    payload = (await upload(client, CREATE, variables, files, token=user.token)).json()["data"]["createTicket"]
    reasons = [(e["reason"], e["field"]) for e in payload["errors"]]
    assert reasons == [("REQUIRED", "subject"), ("BLOCKED_FILE_TYPE", "files[0]"), ("BLOCKED_FILE_CONTENT", "files[1]")]


async def test_a_multipart_request_without_the_preflight_header_runs_nothing(client: httpx.AsyncClient) -> None:
    user = await make_person(Role.USER)
    before = stored_files()
    response = await upload(
        client, CREATE, await _category_input(), [("a.txt", b"x")], token=user.token, preflight=False
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "GraphQL-Preflight" in response.json()["errors"][0]["message"]
    # Not even an anonymous mutation runs: a cross-site form could otherwise make any visitor register.
    register = 'mutation { register(input: {email: "x@example.com", name: "X", password: "long enough pw"}) { token } }'
    form = await client.post("/graphql", files={"operations": (None, json.dumps({"query": register}))})
    assert form.status_code == 400
    assert await Ticket.all().count() == 0 and stored_files() == before


async def test_the_apollo_preflight_header_is_accepted_too(client: httpx.AsyncClient) -> None:
    user = await make_person(Role.USER)
    data, parts = multipart_parts(CREATE, await _category_input(), [("a.txt", b"x")])
    headers = {"Apollo-Require-Preflight": "true", "Authorization": f"Bearer {user.token}"}
    response = await client.post("/graphql", data=data, files=parts, headers=headers)
    assert response.json()["data"]["createTicket"]["errors"] == []


async def test_files_that_are_not_uploads_are_refused(client: httpx.AsyncClient) -> None:
    user = await make_person(Role.USER)
    variables = await _category_input()
    variables["input"]["files"] = ["not a file"]
    response = await client.post(
        "/graphql", json={"query": CREATE, "variables": variables}, headers={"Authorization": f"Bearer {user.token}"}
    )
    assert_refused(response.json()["data"]["createTicket"], Reason.NOT_A_FILE, "files[0]")


async def test_a_malformed_map_is_a_400_and_leaves_nothing(client: httpx.AsyncClient) -> None:
    user = await make_person(Role.USER)
    before = stored_files()
    data, parts = multipart_parts(CREATE, await _category_input(), [("a.txt", b"x")])
    data["map"] = json.dumps({"0": ["variables.input.nothing.here.0"]})
    headers = {**PREFLIGHT, "Authorization": f"Bearer {user.token}"}
    response = await client.post("/graphql", data=data, files=parts, headers=headers)
    assert response.status_code == 400
    assert stored_files() == before and await Ticket.all().count() == 0


async def test_the_display_name_is_sanitised(client: httpx.AsyncClient) -> None:
    user = await make_person(Role.USER)
    files = [("../../etc/passwd", b"x"), ("C:\\Users\\me\\shot.png", PNG), ("inv\u202eoice.txt", b"y")]
    payload = (await upload(client, CREATE, await _category_input(), files, token=user.token)).json()
    names = [a["filename"] for a in payload["data"]["createTicket"]["ticket"]["attachments"]]
    assert names == ["passwd", "shot.png", "invoice.txt"]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x00b\nc\r.txt", "abc.txt"),
        ("x.exe. . ", "x.exe"),
        ("...", "attachment"),
        ("/", "attachment"),
        ("é" * 300 + ".pdf", "é" * 251 + ".pdf"),
    ],
)
def test_display_names_lose_control_characters_paths_and_excess(raw: str, shown: str) -> None:
    assert display_name(raw) == shown


async def test_a_cut_connection_leaves_no_file_and_no_row(db: str, app: Any) -> None:
    user = await make_person(Role.USER)
    before = stored_files()
    data, parts = multipart_parts(CREATE, await _category_input(), [("big.bin", b"\x02" * 300_000)])
    request = httpx.Request(
        "POST", "http://testserver/graphql", data=data, files=parts,
        headers={**PREFLIGHT, "Authorization": f"Bearer {user.token}"},
    )  # fmt: skip
    body = request.read()
    # Half of the body arrives, then the client is gone.
    messages = [
        {"type": "http.request", "body": body[: len(body) // 2], "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": "POST", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in request.headers.items()], "scheme": "http",
        "server": ("testserver", 80), "client": ("127.0.0.1", 5000), "root_path": "", "http_version": "1.1",
        "asgi": {"version": "3.0"},
    }  # fmt: skip
    await app(scope, receive, send)
    assert not any(m["type"] == "http.response.start" and m["status"] == 200 for m in sent)
    assert await Ticket.all().count() == 0
    await assert_nothing_stored(before)
    assert not any((get_config().attachment_dir / "incoming").glob("*"))


async def test_a_reply_carries_files_and_a_guest_may_attach(client: httpx.AsyncClient) -> None:
    category = await make_category()
    guest = await make_guest(await make_ticket(category))
    variables = {"input": {"number": guest.ticket.number, "body": "Here is the log."}}
    response = await upload(client, REPLY, variables, [("log.txt", b"line 1\n")], token=guest.token)
    payload = response.json()["data"]["addReply"]
    assert payload["errors"] == []
    assert [a["filename"] for a in payload["reply"]["attachments"]] == ["log.txt"]
    row = await Attachment.get()
    assert row.reply_id == int(payload["reply"]["id"]) and row.uploaded_by_id is None  # type: ignore[attr-defined]


async def test_an_anonymous_guest_submission_carries_files(client: httpx.AsyncClient) -> None:
    await Setting.create(key="guest_submission_enabled", value=True)
    variables = await _category_input()
    variables["input"]["email"] = "visitor@example.net"
    payload = (await upload(client, SUBMIT, variables, [("shot.png", PNG)])).json()["data"]["submitGuestTicket"]
    assert payload["errors"] == []
    assert payload["ticket"]["attachments"] == [{"filename": "shot.png", "contentType": "image/png"}]
    before = stored_files()
    bad = (await upload(client, SUBMIT, variables, [("x.vbs", b"x")])).json()["data"]["submitGuestTicket"]
    assert_refused(bad, Reason.BLOCKED_FILE_TYPE, "files[0]")
    assert await Ticket.all().count() == 1 and stored_files() == before


# addReply with a file, for every role: the allowed ones store it, every refusal leaves nothing.
REPLY_MATRIX = [
    ("admin", None),
    ("staff in scope", None),
    ("staff out of scope", Reason.OUT_OF_SCOPE),
    ("owner", None),
    ("other user", Reason.TICKET_NOT_FOUND),
    ("guest of this ticket", None),
    ("guest of another ticket", Reason.TICKET_NOT_FOUND),
    ("anonymous", Reason.SIGN_IN_REQUIRED),
]


@pytest.mark.parametrize(("who", "refused"), REPLY_MATRIX)
async def test_reply_upload_role_matrix(client: httpx.AsyncClient, who: str, refused: Reason | None) -> None:
    category, elsewhere = await make_category(), await make_category()
    owner = await make_person(Role.USER)
    staff_in, staff_out = await make_person(Role.STAFF), await make_person(Role.STAFF)
    await make_group(members=[staff_in], scope=[(category, None)])
    await make_group(members=[staff_out], scope=[(elsewhere, None)])
    ticket = await make_ticket(category, requester=owner)
    guest_ticket = await make_ticket(category)
    guest = await make_guest(guest_ticket)
    other_guest = await make_guest(await make_ticket(category))
    number = guest_ticket.number if "guest" in who else ticket.number
    tokens = {
        "admin": (await make_person(Role.ADMIN)).token, "staff in scope": staff_in.token,
        "staff out of scope": staff_out.token, "owner": owner.token, "other user": (await make_person()).token,
        "guest of this ticket": guest.token, "guest of another ticket": other_guest.token, "anonymous": None,
    }  # fmt: skip
    before = stored_files()
    variables = {"input": {"number": number, "body": "Attached."}}
    body = (await upload(client, REPLY, variables, [("shot.png", PNG)], token=tokens[who])).json()
    if refused is None:
        assert body["data"]["addReply"]["errors"] == [], body
        assert await Attachment.filter(ticket_id__in=[ticket.id, guest_ticket.id]).count() == 1
        return
    if refused is Reason.SIGN_IN_REQUIRED:
        assert body["data"] is None and body["errors"][0]["extensions"]["reason"] == refused.value
    else:
        assert_refused(body["data"]["addReply"], refused, "number" if refused is Reason.TICKET_NOT_FOUND else None)
    await assert_nothing_stored(before)


async def test_create_ticket_uploads_are_refused_to_guests_before_anything_runs(client: httpx.AsyncClient) -> None:
    guest = await make_guest(await make_ticket(await make_category()))
    before = stored_files()
    body = (await upload(client, CREATE, await _category_input(), [("a.txt", b"x")], token=guest.token)).json()
    assert body["data"] is None and body["errors"][0]["extensions"]["reason"] == "FIELD_NOT_ALLOWED"
    await assert_nothing_stored(before)


async def test_one_file_mapped_twice_is_one_attachment(client: httpx.AsyncClient) -> None:
    user = await make_person(Role.USER)
    variables = await _category_input()
    data, parts = multipart_parts(CREATE, variables, [("a.txt", b"once")])
    operations = json.loads(data["operations"])
    operations["variables"]["input"]["files"] = [None, None]
    data = {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.files.0",
                                                                          "variables.input.files.1"]})}  # fmt: skip
    headers = {**PREFLIGHT, "Authorization": f"Bearer {user.token}"}
    payload = (await client.post("/graphql", data=data, files=parts, headers=headers)).json()["data"]["createTicket"]
    assert payload["errors"] == [] and [a["filename"] for a in payload["ticket"]["attachments"]] == ["a.txt"]
