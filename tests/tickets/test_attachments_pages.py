"""The pages for people with attachments (issue 10 point 5): /submit with the CTI cascade and files, the link
page's thread with its files and a reply form that takes files; strict CSP (no inline style or script), labels
for every control, cross-site posts refused, and refused files leaving nothing behind."""

from __future__ import annotations

import re

import httpx
import pytest

from core.enums import Role
from models.attachments import Attachment
from models.replies import Reply
from models.settings import Setting
from models.tickets import Ticket
from resolvers.tickets.attachment_storage import stored_path
from server.page_html import STYLESHEET_PATH
from tests.helpers import make_category, make_guest, make_item, make_person, make_ticket, make_type
from tests.tickets.uploads import stored_files, upload

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
REPLY = """mutation($input: AddReplyInput!) { addReply(input: $input) { errors { reason } } }"""


async def enable() -> None:
    await Setting.create(key="guest_submission_enabled", value=True)


def assert_strict_page(response: httpx.Response) -> None:
    """No inline script or style a strict CSP would block, no external resource, a label for every control."""
    text = response.text
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "style-src 'self'" in policy and "default-src 'none'" in policy
    assert "<script" not in text and "<style" not in text and " style=" not in text
    assert re.findall(r'(?:src|href)="(https?:)?//', text) == []
    for control in re.findall(r"<(?:input|select|textarea)\b[^>]*>", text):
        if 'type="hidden"' in control:
            continue
        (control_id,) = re.findall(r'\bid="([^"]+)"', control)
        assert f'<label for="{control_id}">' in text, control


async def test_the_stylesheet_is_served_and_named_by_every_page(client: httpx.AsyncClient) -> None:
    await enable()
    sheet = await client.get(STYLESHEET_PATH)
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/css")
    assert b"font-family" in sheet.content
    for path in ("/submit", "/track"):
        response = await client.get(path)
        assert f'<link rel="stylesheet" href="{STYLESHEET_PATH}">' in response.text
        assert_strict_page(response)


async def test_submit_offers_the_cascade_of_live_choices_only(client: httpx.AsyncClient) -> None:
    await enable()
    hardware = await make_category("Hardware")
    laptop = await make_type(hardware, "Laptop")
    await make_item(laptop, "Battery")
    await make_item(laptop, "Old", archived=True)
    await make_type(hardware, "Retired", archived=True)
    await make_category("Facilities")
    text = (await client.get("/submit")).text
    labels = re.findall(r'<option value="[^"]+">([^<]+)</option>', text)
    assert labels == ["Facilities", "Hardware", "Hardware / Laptop", "Hardware / Laptop / Battery"]


async def test_submit_files_a_ticket_with_its_classification_and_files(client: httpx.AsyncClient) -> None:
    await enable()
    hardware = await make_category("Hardware")
    laptop = await make_type(hardware, "Laptop")
    battery = await make_item(laptop, "Battery")
    fields = {"email": "visitor@example.net", "subject": "Battery swells", "description": "See photo.",
              "classification": f"{hardware.id}/{laptop.id}/{battery.id}"}  # fmt: skip
    files = [("files", ("photo.png", PNG, "image/png")), ("files", ("notes.txt", b"hot", "text/plain"))]
    response = await client.post("/submit", data=fields, files=files)
    assert response.status_code == 200, response.text
    assert "2 files attached" in response.text
    ticket = await Ticket.get()
    chosen = (ticket.category_id, ticket.type_id, ticket.item_id)  # type: ignore[attr-defined]
    assert chosen == (hardware.id, laptop.id, battery.id)
    stored = await Attachment.filter(ticket_id=ticket.id).order_by("id")
    assert [(a.filename, a.content_type) for a in stored] == [("photo.png", "image/png"), ("notes.txt", "text/plain")]
    assert stored_path(stored[0].storage_name).read_bytes() == PNG


async def test_submit_without_a_file_still_works_as_multipart(client: httpx.AsyncClient) -> None:
    await enable()
    category = await make_category()
    fields = {"email": "v@example.net", "subject": "s", "description": "d", "classification": f"{category.id}//"}
    # A browser sends the empty file input as a part without a name and without bytes.
    response = await client.post("/submit", data=fields, files=[("files", ("", b"", "application/octet-stream"))])
    assert response.status_code == 200, response.text
    assert await Ticket.all().count() == 1 and await Attachment.all().count() == 0


async def test_a_blocked_file_on_submit_shows_the_form_again_and_leaves_nothing(client: httpx.AsyncClient) -> None:
    await enable()
    category = await make_category()
    before = stored_files()
    fields = {"email": "v@example.net", "subject": "Keep me", "description": "d", "classification": f"{category.id}"}
    response = await client.post("/submit", data=fields, files=[("files", ("setup.exe", b"MZ", "x/y"))])
    assert response.status_code == 400
    assert "setup.exe" in response.text and 'value="Keep me"' in response.text
    assert await Ticket.all().count() == 0 and await Attachment.all().count() == 0
    assert stored_files() == before


@pytest.mark.parametrize("path", ["/submit", "/track"])
async def test_cross_site_posts_are_refused(client: httpx.AsyncClient, path: str) -> None:
    await enable()
    category = await make_category()
    fields = {"email": "v@example.net", "subject": "s", "description": "d", "categoryId": str(category.id),
              "trackingRef": "ABCDEFGHIJ"}  # fmt: skip
    response = await client.post(path, data=fields, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert await Ticket.all().count() == 0
    same_site = await client.post(path, data=fields, headers={"Sec-Fetch-Site": "same-origin"})
    assert same_site.status_code == 200


async def test_the_link_page_shows_public_files_with_token_links_and_takes_a_reply_with_files(
    client: httpx.AsyncClient,
) -> None:
    guest = await make_guest(await make_ticket(await make_category()))
    admin_token = (await make_person(Role.ADMIN)).token
    for internal, name in ((False, "public.txt"), (True, "secret-note.txt")):
        variables = {"input": {"number": guest.ticket.number, "body": "File.", "internal": internal}}
        response = await upload(client, REPLY, variables, [(name, b"content of " + name.encode())], token=admin_token)
        assert response.json()["data"]["addReply"]["errors"] == []
    page = await client.get(f"/track/{guest.token}")
    assert page.status_code == 200
    assert_strict_page(page)
    assert "public.txt" in page.text and "secret-note.txt" not in page.text
    (link,) = re.findall(r'<a href="(/attachments/[^"]+)" download>', page.text)
    assert link.endswith(f"?token={guest.token}")
    assert (await client.get(link.replace("&amp;", "&"))).content == b"content of public.txt"
    assert 'enctype="multipart/form-data"' in page.text

    reply = await client.post(
        f"/track/{guest.token}", data={"body": "Here is mine."}, files=[("files", ("mine.png", PNG, "image/png"))]
    )
    assert reply.status_code == 303
    mine = await Reply.get(body="Here is mine.")
    assert [a.filename for a in await Attachment.filter(reply_id=mine.id)] == ["mine.png"]
    assert "mine.png" in (await client.get(f"/track/{guest.token}")).text


async def test_a_refused_reply_file_on_the_link_page_leaves_no_reply_and_no_file(client: httpx.AsyncClient) -> None:
    guest = await make_guest(await make_ticket(await make_category()))
    before = stored_files()
    response = await client.post(
        f"/track/{guest.token}", data={"body": "x"}, files=[("files", ("run.txt", b"#!/bin/sh\n", "text/plain"))]
    )
    assert response.status_code == 400 and "run.txt" in response.text
    assert await Reply.all().count() == 0 and stored_files() == before
    forged = await client.post(f"/track/{guest.token}", data={"body": "x"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403 and await Reply.all().count() == 0
