"""A 25 MB upload is streamed to disk, not held in memory (issue 10): a real `helpdesk serve` receives it, and its
peak resident memory (VmHWM in /proc) grows by far less than the file."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

from tests.serve import serving
from tests.tickets.uploads import PREFLIGHT

SETUP = """mutation($input: SetupFirstAdminInput!) { setupFirstAdmin(input: $input) { token errors { message } } }"""
CATEGORY = """mutation { createCategory(input: {name: "Hardware"}) { category { id } errors { message } } }"""
CREATE = """mutation($input: CreateTicketInput!) { createTicket(input: $input) {
  ticket { attachments { size sha256 } } errors { reason message } } }"""
SIZE = 25 * 1024 * 1024
CHUNK = 64 * 1024
BOUNDARY = "helpdesk-memory-test"


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc")


async def multipart_body(operations: str, size: int) -> AsyncIterator[bytes]:
    """The body of one operation with one file of `size` bytes, generated chunk by chunk (the client never holds
    it either)."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{operations}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{{"0": ["variables.input.files.0"]}}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="0"; filename="big.log"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    )
    yield head.encode()
    line = b"2026-12-01 12:00:00 INFO nothing to see here, just a long log line\n"
    chunk = (line * (CHUNK // len(line) + 1))[:CHUNK]
    for start in range(0, size, CHUNK):
        yield chunk[: min(CHUNK, size - start)]
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def expected_sha256(size: int) -> str:
    line = b"2026-12-01 12:00:00 INFO nothing to see here, just a long log line\n"
    chunk = (line * (CHUNK // len(line) + 1))[:CHUNK]
    digest = hashlib.sha256()
    for start in range(0, size, CHUNK):
        digest.update(chunk[: min(CHUNK, size - start)])
    return digest.hexdigest()


async def test_a_25_mb_upload_barely_moves_the_servers_peak_memory(tmp_path: Path) -> None:
    async with serving(tmp_path) as served:
        variables = {"input": {"email": "ops@example.com", "name": "Ops", "password": "a long password"}}
        setup = (await served.http.post("/graphql", json={"query": SETUP, "variables": variables})).json()
        headers = {"Authorization": f"Bearer {setup['data']['setupFirstAdmin']['token']}"}
        category = (await served.http.post("/graphql", json={"query": CATEGORY}, headers=headers)).json()
        category_id = category["data"]["createCategory"]["category"]["id"]

        async def send(size: int) -> dict[str, object]:
            ticket = {"subject": "Logs", "description": "Attached.", "categoryId": category_id, "files": [None]}
            operations = json.dumps({"query": CREATE, "variables": {"input": ticket}})
            response = await served.http.post(
                "/graphql",
                content=multipart_body(operations, size),
                headers={**headers, **PREFLIGHT, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
                timeout=120,
            )
            payload: dict[str, object] = response.json()["data"]["createTicket"]
            return payload

        # Warm: every module and code path of an upload has run once before the peak is read.
        assert (await send(2 * 1024 * 1024))["errors"] == []
        before = peak_rss_kib(served.process.pid)
        payload = await send(SIZE)
        after = peak_rss_kib(served.process.pid)
        assert payload["errors"] == [], payload
        assert payload["ticket"] == {"attachments": [{"size": SIZE, "sha256": expected_sha256(SIZE)}]}
        # Held whole, the file alone would add 25,600 KiB; streamed, the peak moves by a few chunks at most.
        assert after - before < 5 * 1024, (before, after)
        stored = [p for p in (tmp_path / "attachments").iterdir() if p.is_file()]
        assert sorted(p.stat().st_size for p in stored) == [2 * 1024 * 1024, SIZE]
