"""Stored Markdown HTML is what every read serves (issue 6): GraphQL fields and emails never render.

Each test writes through the API (which renders once and stores the HTML), then changes the stored HTML in the
database directly: what comes back is the changed HTML, so nothing rendered the text again.
"""

from __future__ import annotations

import httpx

from core.enums import Role
from jobs.email import deliver_pending_emails
from models.replies import Reply
from models.tickets import Ticket
from resolvers.demo.loader import load_demo_data
from resolvers.kernel.markdown import render_markdown
from tests import smtp
from tests.helpers import gql_data, make_category, make_person
from tests.kernel.test_markdown_bounds import create, reply
from tests.smtp import SmtpServer

smtp_server = smtp.smtp_server

READ = "query($n: Int!) { ticket(number: $n) { descriptionHtml replies { bodyHtml } } }"
QUEUE = "{ tickets(first: 10) { edges { node { number descriptionHtml } } } }"


async def test_reads_serve_the_stored_html_and_never_render(client: httpx.AsyncClient) -> None:
    person = await make_person()
    staff = await make_person(Role.ADMIN)
    created = await create(client, person, (await make_category()).id, "**bold**")
    number = created["ticket"]["number"]
    assert created["ticket"]["descriptionHtml"] == "<p><strong>bold</strong></p>"
    posted = await reply(client, staff, number, "_quiet_")
    assert posted["reply"]["bodyHtml"] == "<p><em>quiet</em></p>"
    assert (await Ticket.get(number=number)).description_html == "<p><strong>bold</strong></p>"
    assert (await Reply.get(id=int(posted["reply"]["id"]))).body_html == "<p><em>quiet</em></p>"

    # What is served is what was stored, not a fresh rendering of the text.
    await Ticket.filter(number=number).update(description_html="<p>stored description</p>")
    await Reply.filter(id=int(posted["reply"]["id"])).update(body_html="<p>stored reply</p>")
    read = await gql_data(client, READ, {"n": number}, person.token)
    assert read["ticket"] == {
        "descriptionHtml": "<p>stored description</p>",
        "replies": [{"bodyHtml": "<p>stored reply</p>"}],
    }
    queue = await gql_data(client, QUEUE, token=staff.token)
    assert queue["tickets"]["edges"] == [{"node": {"number": number, "descriptionHtml": "<p>stored description</p>"}}]

    # A row written outside the API (no HTML stored yet) shows its text escaped, still without rendering.
    await Ticket.filter(number=number).update(description="**raw** <b>", description_html=None)
    read = await gql_data(client, READ, {"n": number}, person.token)
    assert read["ticket"]["descriptionHtml"] == "<p>**raw** &lt;b&gt;</p>"


async def test_emails_use_the_stored_html(client: httpx.AsyncClient, smtp_server: SmtpServer) -> None:
    person = await make_person(email="asker@example.com")
    staff = await make_person(Role.ADMIN)
    number = (await create(client, person, (await make_category()).id, "**bold**"))["ticket"]["number"]
    posted = await reply(client, staff, number, "_quiet_")
    await Ticket.filter(number=number).update(description_html="<p>stored description</p>")
    await Reply.filter(id=int(posted["reply"]["id"])).update(body_html="<p>stored reply</p>")

    assert await deliver_pending_emails({}) == 2

    html = {m["Subject"].split("] ")[1]: m.get_body(("html",)).get_content() for m in smtp_server.messages}
    assert "<p>stored description</p>" in html["Markdown"] and "<strong>bold" not in html["Markdown"]
    assert "<p>stored reply</p>" in html["New reply: Markdown"]
    assert "<em>quiet" not in html["New reply: Markdown"]


async def test_demo_tickets_are_stored_with_their_html(db: str) -> None:
    await load_demo_data(ticket_count=12)
    rows = await Ticket.all().values_list("description", "description_html")
    assert len(rows) == 12
    assert all(html == render_markdown(text) and html for text, html in rows)
