"""The guest's whole journey in headless Chromium with the network cut (issue 10): fill /submit with a file, read
the access link from the email caught by aiosmtpd, open it, see the thread, reply with a file, download the first
file and compare its bytes. A screenshot of each page is left in test-artifacts/screenshots/."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from urllib.parse import urlsplit

from tests.browser import offline_page
from tests.serve import serving
from tests.smtp import SmtpServer, free_port

SETUP = """mutation($input: SetupFirstAdminInput!) { setupFirstAdmin(input: $input) { token errors { message } } }"""
OPEN_DESK = """mutation { updateSettings(input: {guestSubmissionEnabled: true}) { errors { message } } }"""
CATEGORY = """mutation { createCategory(input: {name: "Hardware"}) { category { id } errors { message } } }"""
TYPE = """mutation($id: ID!) { createType(input: {categoryId: $id, name: "Printer"}) { errors { message } } }"""
FIRST_FILE = b"2026-12-01 09:14 printer: paper jam in tray 2\n" * 200 + "ünïcode ✓\n".encode()
MAIL_SECONDS = 30


async def access_link(smtp: SmtpServer, to: str) -> str:
    """The /track/<token> path of the first email to `to` (bounded wait: the server's job runtime sends it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + MAIL_SECONDS
    while True:
        for received in smtp.received:
            if to in received.recipients:
                text = received.message.get_body(preferencelist=("plain",))
                assert text is not None
                (link,) = set(re.findall(r"https?://\S+/track/hdg_[\w.-]+", text.get_content()))
                return urlsplit(link).path
        assert loop.time() < deadline, f"no email to {to} within {MAIL_SECONDS} s"
        await asyncio.sleep(0.1)


async def test_a_guest_submits_with_a_file_follows_the_link_replies_with_a_file_and_downloads(tmp_path: Path) -> None:
    smtp = SmtpServer(free_port())
    smtp.start()
    first = tmp_path / "printer-log.txt"
    first.write_bytes(FIRST_FILE)
    second = tmp_path / "jam photo.png"
    second.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64)
    env = {"SMTP_HOST": smtp.host, "SMTP_PORT": str(smtp.port), "SMTP_FROM": "desk@desk.example.org"}
    try:
        async with serving(tmp_path / "server", env=env) as served:
            variables = {"input": {"email": "ops@example.com", "name": "Ops", "password": "a long password"}}
            setup = (await served.http.post("/graphql", json={"query": SETUP, "variables": variables})).json()
            admin = {"Authorization": f"Bearer {setup['data']['setupFirstAdmin']['token']}"}
            for query in (OPEN_DESK, CATEGORY):
                body = (await served.http.post("/graphql", json={"query": query}, headers=admin)).json()
                assert not body.get("errors"), body
            category_id = body["data"]["createCategory"]["category"]["id"]
            await served.http.post("/graphql", json={"query": TYPE, "variables": {"id": category_id}}, headers=admin)
            base = str(served.http.base_url).rstrip("/")

            async with offline_page() as offline:
                page = offline.page
                await page.goto(f"{base}/submit")
                await page.get_by_label("Your email").fill("visitor@example.net")
                await page.get_by_label("Subject").fill("The printer jams")
                await page.get_by_label("Category").select_option(label="Hardware / Printer")
                await page.get_by_label("Description").fill("Every morning, tray 2. Log attached.")
                await page.get_by_label("Files (optional)").set_input_files(str(first))
                await offline.screenshot("guest-submit")
                await page.get_by_role("button", name="Submit").click()
                await page.get_by_role("heading", name="Thank you").wait_for()
                assert "1 file attached" in await page.content()
                await offline.screenshot("guest-submitted")

                link = await access_link(smtp, "visitor@example.net")
                await page.goto(base + link)
                await page.get_by_role("heading", name="The printer jams").wait_for()
                assert await page.get_by_role("link", name="printer-log.txt").count() == 1
                await offline.screenshot("guest-ticket")

                await page.get_by_label("Your reply").fill("It happened again; photo attached.")
                await page.get_by_label("Files (optional)").set_input_files(str(second))
                await page.get_by_role("button", name="Send").click()
                await page.get_by_text("It happened again; photo attached.").wait_for()
                assert await page.get_by_role("link", name="jam photo.png").count() == 1
                await offline.screenshot("guest-replied")

                async with page.expect_download() as downloading:
                    await page.get_by_role("link", name="printer-log.txt").click()
                download = await downloading.value
                assert download.suggested_filename == "printer-log.txt"
                downloaded = await asyncio.to_thread(Path(await download.path()).read_bytes)
                assert downloaded == FIRST_FILE

                await page.goto(f"{base}/track")
                await page.get_by_role("heading", name="Follow your request").wait_for()
                await offline.screenshot("guest-track")
                assert offline.outside == []
                # A blocked inline style or script would be a console error here.
                assert offline.problems == []
    finally:
        smtp.stop()
