"""Statement budgets of the attachment paths (docs/performance.md), counted like tests/test_statement_budgets.py:
a page's attachments (the ticket's and its replies') are one statement whatever the page size, a download is
two, and a reply with files costs one INSERT for all of them plus the limit setting read before receiving."""

from __future__ import annotations

import httpx
import pytest

from core.enums import Role
from models.attachments import Attachment
from models.replies import Reply
from tests.conftest import StatementLog
from tests.helpers import make_category, make_group, make_person, make_ticket
from tests.test_statement_budgets import counted, shown
from tests.tickets.uploads import upload

PAGE = """query($first: Int) { tickets(first: $first) { edges { node { number
  attachments { id filename size downloadUrl } replies { id attachments { id filename } } } } } }"""
ONE = """query($n: Int!) { ticket(number: $n) { number attachments { id filename }
  replies { id attachments { id } } } }"""
REPLY = """mutation($input: AddReplyInput!) { addReply(input: $input) { reply { id } errors { reason } } }"""


async def _desk(tickets: int) -> tuple[str, list[int]]:
    staff = await make_person(Role.STAFF)
    category = await make_category()
    await make_group(members=[staff], scope=[(category, None)])
    numbers = []
    for i in range(tickets):
        ticket = await make_ticket(category, subject=f"T{i}")
        reply = await Reply.create(ticket=ticket, author=staff.user, body="see file")
        for n, reply_id in enumerate([None, reply.id, reply.id]):
            await Attachment.create(ticket=ticket, reply_id=reply_id, filename=f"f{n}.txt", content_type="text/plain",
                                    size=1, sha256="0" * 64, storage_name=f"{i:032x}{n:032x}")  # fmt: skip
        numbers.append(ticket.number or 0)
    return staff.token, numbers


@pytest.mark.parametrize("page", [1, 10, 25])
async def test_a_page_of_tickets_reads_every_attachment_in_one_statement(
    client: httpx.AsyncClient, count_statements: StatementLog, page: int
) -> None:
    token, _ = await _desk(25)
    count, data = await counted(client, count_statements, PAGE, {"first": page}, token)
    # Authentication, the page, the replies, the attachments of the tickets and their replies.
    assert count == 4, shown(count_statements)
    edges = data["tickets"]["edges"]  # type: ignore[index]
    assert len(edges) == page
    node = edges[0]["node"]
    assert len(node["attachments"]) == 3 and len(node["replies"][0]["attachments"]) == 2


async def test_one_ticket_with_its_files_costs_four_statements(
    client: httpx.AsyncClient, count_statements: StatementLog
) -> None:
    token, numbers = await _desk(2)
    count, data = await counted(client, count_statements, ONE, {"n": numbers[1]}, token)
    assert count == 4, shown(count_statements)
    assert len(data["ticket"]["attachments"]) == 3  # type: ignore[index]


async def test_a_download_costs_two_statements(client: httpx.AsyncClient, count_statements: StatementLog) -> None:
    staff = await make_person(Role.ADMIN)
    category = await make_category()
    ticket = await make_ticket(category)
    files = [("a.txt", b"hello")]
    await upload(client, REPLY, {"input": {"number": ticket.number, "body": "x"}}, files, token=staff.token)
    attachment = await Attachment.get()
    count_statements.clear()
    response = await client.get(f"/attachments/{attachment.id}", headers={"Authorization": f"Bearer {staff.token}"})
    assert response.content == b"hello"
    # Authentication, the attachment with its ticket's and reply's visibility.
    assert count_statements.count == 2, shown(count_statements)


async def test_a_reply_with_three_files_costs_one_insert_for_them(
    client: httpx.AsyncClient, count_statements: StatementLog
) -> None:
    staff = await make_person(Role.STAFF)
    category = await make_category()
    await make_group(members=[staff], scope=[(category, None)])
    first, second = await make_ticket(category), await make_ticket(category)
    files = [("a.txt", b"a"), ("b.txt", b"b"), ("c.txt", b"c")]
    await upload(client, REPLY, {"input": {"number": first.number, "body": "warm"}}, files, token=staff.token)
    count_statements.clear()
    response = await upload(client, REPLY, {"input": {"number": second.number, "body": "x"}}, files, token=staff.token)
    assert response.json()["data"]["addReply"]["errors"] == []
    # W3's nine (docs/performance.md), the max_attachment_bytes setting read before the body is received, and one
    # INSERT of the three attachment rows.
    assert count_statements.count == 11, shown(count_statements)
    assert await Attachment.filter(ticket_id=second.id).count() == 3
