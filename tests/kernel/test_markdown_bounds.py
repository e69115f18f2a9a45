"""Markdown cannot stall the server (issue 6): rendered once, on write, in a worker with a time limit, stored.

- every pathological input of tests/markdown_corpus.py, at the longest a description or a reply may be, comes
  back through createTicket and addReply either refused (VALIDATION naming the field, nothing stored or
  queued) or stored as safe HTML;
- /health answers while such a render is in flight;
- a render stopped at the limit leaves a pool that renders the next document.

That reads and emails serve the stored HTML is tests/kernel/test_markdown_stored.py.

The pathological inputs run with a time limit of a tenth of a second (MARKDOWN_TIME_LIMIT), which keeps the
suite quick; the mechanism is the one that enforces the default 2 s. Ordinary texts that must render run with a
generous limit, so a busy machine cannot turn them into refusals.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from core.config import load_config, reset_config
from core.enums import Role
from models.audit import AuditEntry
from models.outbox import OutboxMessage
from models.replies import Reply
from models.tickets import Ticket
from resolvers.kernel.errors import DomainError, Reason
from resolvers.kernel.markdown import render_markdown
from resolvers.kernel.markdown_bounded import render_markdown_bounded, render_or_escape
from resolvers.tickets.filing import DESCRIPTION_MAX
from resolvers.tickets.replies import BODY_MAX
from tests.helpers import Person, gql_data, make_category, make_person, make_ticket
from tests.kernel.test_markdown_xss import assert_safe_html
from tests.markdown_corpus import CORPUS, ordinary_text

SHORT_LIMIT = "0.1"
GENEROUS_LIMIT = "30"
# Takes python-markdown about 20 minutes: past any limit, on any machine.
ENDLESS = "[" * DESCRIPTION_MAX

CREATE = """mutation($i: CreateTicketInput!) { createTicket(input: $i) {
  ticket { number description descriptionHtml } errors { code reason field message } } }"""
ADD = """mutation($i: AddReplyInput!) { addReply(input: $i) {
  reply { id body bodyHtml } errors { code reason field message } } }"""
EDIT = """mutation($i: EditReplyInput!) { editReply(input: $i) {
  reply { id body bodyHtml } errors { code reason field message } } }"""


@pytest.fixture
def short_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """MARKDOWN_TIME_LIMIT is SHORT_LIMIT for the test; call the fixture's value to change it (the pool keeps
    running: the limit is read for every render)."""

    def set_limit(seconds: str) -> None:
        monkeypatch.setenv("MARKDOWN_TIME_LIMIT", seconds)
        reset_config()

    set_limit(SHORT_LIMIT)
    yield set_limit
    monkeypatch.delenv("MARKDOWN_TIME_LIMIT")
    reset_config()


async def create(client: httpx.AsyncClient, person: Person, category_id: int, description: str) -> dict[str, Any]:
    variables = {"i": {"subject": "Markdown", "description": description, "categoryId": str(category_id)}}
    payload: dict[str, Any] = (await gql_data(client, CREATE, variables, person.token))["createTicket"]
    return payload


async def reply(client: httpx.AsyncClient, person: Person, number: int, body: str) -> dict[str, Any]:
    variables = {"i": {"number": number, "body": body}}
    payload: dict[str, Any] = (await gql_data(client, ADD, variables, person.token))["addReply"]
    return payload


def assert_refused(payload: dict[str, Any], field: str, name: str) -> None:
    [error] = payload["errors"]
    assert (error["code"], error["reason"], error["field"]) == ("VALIDATION", "TOO_COMPLEX_TO_FORMAT", field), name
    assert error["message"].startswith(f"{field} is too complex to format within {SHORT_LIMIT} s;"), error


def test_the_corpus_builds_every_input_at_the_length_asked_for() -> None:
    for name, build in CORPUS.items():
        assert len(build(1_000)) == 1_000, name
    assert len(CORPUS) >= 25


async def test_every_pathological_description_is_refused_or_stored_safe(
    client: httpx.AsyncClient, short_limit: Callable[[str], None]
) -> None:
    person = await make_person()
    category = await make_category()
    accepted: list[str] = []
    # All at once, as an attacker would send them: the workers take them in turn, the rest wait their turn.
    payloads = await asyncio.gather(*(create(client, person, category.id, b(DESCRIPTION_MAX)) for b in CORPUS.values()))
    for name, payload in zip(CORPUS, payloads, strict=True):
        if payload["errors"]:
            assert_refused(payload, "description", name)
            assert payload["ticket"] is None
        else:
            assert_safe_html(payload["ticket"]["descriptionHtml"])
            accepted.append(name)
    assert "unclosed [ run" not in accepted and "nested [[[...]]]" not in accepted
    # A refused ticket left nothing behind: no row, no audit entry, no email.
    assert await Ticket.all().count() == len(accepted)
    assert await AuditEntry.filter(action="ticket.created").count() == len(accepted)
    assert await OutboxMessage.filter(topic="ticket_created").count() == len(accepted)


async def test_every_pathological_reply_is_refused_or_stored_safe(
    client: httpx.AsyncClient, short_limit: Callable[[str], None]
) -> None:
    requester = await make_person()
    staff = await make_person(Role.ADMIN)
    ticket = await make_ticket(await make_category(), requester=requester)
    accepted: list[str] = []
    payloads = await asyncio.gather(*(reply(client, staff, ticket.id, b(BODY_MAX)) for b in CORPUS.values()))
    for name, payload in zip(CORPUS, payloads, strict=True):
        if payload["errors"]:
            assert_refused(payload, "body", name)
            assert payload["reply"] is None
        else:
            assert_safe_html(payload["reply"]["bodyHtml"])
            accepted.append(name)
    assert "unclosed [ run" not in accepted
    assert await Reply.all().count() == len(accepted)
    assert await OutboxMessage.filter(topic="reply_added").count() == len(accepted)
    refreshed = await Ticket.get(id=ticket.id)
    assert (refreshed.first_response_at is None) == (not accepted)


async def test_a_text_whose_html_would_be_huge_is_refused(
    client: httpx.AsyncClient, short_limit: Callable[[str], None]
) -> None:
    short_limit(GENEROUS_LIMIT)
    person = await make_person()
    # 16 KB of text: one 1 KB link address used 2,000 times by reference, about 2.3 MB of HTML.
    description = f"[r]: https://example.com/{'a' * 1_000}\n\n" + "[x][r] " * 2_000
    payload = await create(client, person, (await make_category()).id, description)
    [error] = payload["errors"]
    assert (error["reason"], error["field"]) == ("TOO_COMPLEX_TO_FORMAT", "description")
    assert "characters of HTML; the maximum is 1,000,000; shorten it" in error["message"], error
    assert await Ticket.all().count() == 0
    assert (await create(client, person, (await make_category()).id, "[x][r] " * 20))["errors"] == []


async def test_a_guest_submission_over_the_limit_is_refused_without_a_ticket_or_email(
    client: httpx.AsyncClient, short_limit: Callable[[str], None]
) -> None:
    admin = await make_person(Role.ADMIN)
    await gql_data(
        client,
        "mutation { updateSettings(input: {guestSubmissionEnabled: true}) { errors { message } } }",
        token=admin.token,
    )
    category = await make_category()
    submit = """mutation($i: SubmitGuestTicketInput!) { submitGuestTicket(input: $i) {
      ticket { number } errors { code reason field message } } }"""
    guest = {"email": "g@example.net", "subject": "Hi", "description": ENDLESS, "categoryId": str(category.id)}
    variables = {"i": guest}
    payload = (await gql_data(client, submit, variables))["submitGuestTicket"]
    assert_refused(payload, "description", "guest")
    assert await Ticket.all().count() == 0
    assert await OutboxMessage.all().count() == 0


async def test_an_edit_over_the_limit_keeps_the_previous_text_and_html(
    client: httpx.AsyncClient, short_limit: Callable[[str], None]
) -> None:
    staff = await make_person(Role.ADMIN)
    ticket = await make_ticket(await make_category())
    short_limit(GENEROUS_LIMIT)
    posted = (await reply(client, staff, ticket.id, "first **draft**"))["reply"]

    short_limit(SHORT_LIMIT)
    refused = (await gql_data(client, EDIT, {"i": {"replyId": posted["id"], "body": ENDLESS}}, staff.token))
    assert_refused(refused["editReply"], "body", "edit")
    stored = await Reply.get(id=int(posted["id"]))
    assert (stored.body, stored.body_html, stored.edited_at) == ("first **draft**", posted["bodyHtml"], None)

    short_limit(GENEROUS_LIMIT)
    edited = await gql_data(client, EDIT, {"i": {"replyId": posted["id"], "body": "final *text*"}}, staff.token)
    assert edited["editReply"]["reply"]["bodyHtml"] == "<p>final <em>text</em></p>"
    assert (await Reply.get(id=int(posted["id"]))).body_html == "<p>final <em>text</em></p>"


class _RenderWatcher(logging.Handler):
    """Events for the bounded renderer handing a document to a worker and getting it back (logged at DEBUG)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.started = asyncio.Event()
        self.finished = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Rendering"):
            self.started.set()
        elif message.startswith("Markdown worker done"):
            self.finished.set()


async def test_health_answers_while_a_pathological_render_is_in_flight(
    client: httpx.AsyncClient, short_limit: Callable[[str], None]
) -> None:
    # A long limit, so the render is surely still running when /health answers; it is cancelled below. On the
    # event loop this text would hold every request for about 15 s (the bug this guards against).
    short_limit(GENEROUS_LIMIT)
    person = await make_person()
    category = await make_category()
    logger = logging.getLogger("resolvers.kernel.markdown_bounded")
    watcher = _RenderWatcher()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(watcher)
    try:
        mutation = asyncio.create_task(create(client, person, category.id, "[" * 8_000))
        await asyncio.wait_for(watcher.started.wait(), 60)
        health = await client.get("/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        # Had the render run on the event loop, /health could only have answered after it.
        assert not watcher.finished.is_set() and not mutation.done()
        # A client that gives up stops the render: cancelling the request stops its worker.
        mutation.cancel()
        with pytest.raises(asyncio.CancelledError):
            await mutation
    finally:
        logger.removeHandler(watcher)
        logger.setLevel(previous)
    assert await Ticket.all().count() == 0
    assert (await create(client, person, category.id, "after **that**"))["ticket"]["descriptionHtml"] == (
        "<p>after <strong>that</strong></p>"
    )


async def test_renders_stopped_at_the_limit_leave_a_pool_that_renders_the_next_text(
    short_limit: Callable[[str], None],
) -> None:
    # More timeouts than workers (2 by default): every worker is stopped and replaced at least once.
    for _ in range(3):
        with pytest.raises(DomainError) as refused:
            await render_markdown_bounded(ENDLESS, "body")
        assert (refused.value.reason, refused.value.field) == (Reason.TOO_COMPLEX_TO_FORMAT, "body")
    short_limit(GENEROUS_LIMIT)
    results = await asyncio.gather(*(render_markdown_bounded(f"item **{i}**", "body") for i in range(4)))
    assert results == [f"<p>item <strong>{i}</strong></p>" for i in range(4)]
    assert await render_markdown_bounded(ordinary_text(), "body") == render_markdown(ordinary_text())


async def test_stored_text_over_the_limit_becomes_escaped_plain_text(short_limit: Callable[[str], None]) -> None:
    assert await render_or_escape("<b>" + ENDLESS) == "<p>&lt;b&gt;" + ENDLESS + "</p>"
    short_limit(GENEROUS_LIMIT)
    assert await render_or_escape("fine *text*") == "<p>fine <em>text</em></p>"
    assert await render_or_escape("  \n ") == ""


def test_pool_size_and_time_limit_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MARKDOWN_WORKERS", raising=False)
    monkeypatch.delenv("MARKDOWN_TIME_LIMIT", raising=False)
    config = load_config()
    assert (config.markdown_workers, config.markdown_time_limit) == (2, 2.0)
    monkeypatch.setenv("MARKDOWN_WORKERS", "3")
    monkeypatch.setenv("MARKDOWN_TIME_LIMIT", "0.5")
    config = load_config()
    assert (config.markdown_workers, config.markdown_time_limit) == (3, 0.5)
    for name, value in (("MARKDOWN_WORKERS", "0"), ("MARKDOWN_TIME_LIMIT", "nan"), ("MARKDOWN_TIME_LIMIT", "-1")):
        monkeypatch.setenv(name, value)
        with pytest.raises(ValueError, match=name):
            load_config()
        monkeypatch.setenv(name, "1")
