"""Plain HTML pages for guests (SPEC 10): `/submit` (file a ticket, with the CTI cascade and files), `/track` (ask
for a fresh link) and `/track/<token>` (the emailed link: the ticket, its public thread with its files, and a
reply form that takes files).

No scripts, no inline styles (the stylesheet is served: server/page_html.py), no external resources; every value
people typed is HTML-escaped; every control has a label. State changes are POST only, from this site only
(server/page_html.py `cross_site`); forms without files post application/x-www-form-urlencoded, those with files
multipart/form-data (server/page_forms.py). The rules, the rate limit and the transaction are the resolvers'
(resolvers/guests/submission.py), the same ones the GraphQL mutations call.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from resolvers.accounts.authentication import authenticate_guest
from resolvers.guests.choices import Choice, parse_choice, submission_choices
from resolvers.guests.submission import (
    GuestThread,
    NewGuestTicket,
    guest_submission_open,
    guest_thread,
    reply_as_guest,
    request_guest_link,
)
from resolvers.guests.submission import submit_guest_ticket as submit_ticket
from resolvers.kernel.errors import DomainError, Reason
from resolvers.tickets.attachments import MAX_FILES, attachment_limit, download_path
from resolvers.tickets.filing import NewTicket
from schema.context import client_address
from server.page_forms import MAX_FORM_BYTES, MAX_FORM_FIELDS, PostedForm, read_form
from server.page_html import attempt, cross_site, error_list, esc, page, page_asset_routes, status_of

__all__ = ["MAX_FORM_BYTES", "MAX_FORM_FIELDS", "guest_routes"]
SUBMIT_OFF = "<p>Submitting tickets without an account is turned off here. Please sign in to file a ticket.</p>"


async def file_input() -> str:
    limit = await attachment_limit()
    shown = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
    return (
        '<label for="files">Files (optional)</label><input id="files" name="files" type="file" multiple '
        'aria-describedby="files-hint">'
        f'<p class="hint" id="files-hint">Up to {MAX_FILES} files, each at most {shown}. Programs and scripts '
        "(.exe, .sh, .bat...) are not accepted.</p>"
    )


def _selected(choice: Choice, chosen: str) -> bool:
    # `categoryId` alone (an older form, or the GraphQL-shaped field) selects the category itself.
    return chosen == choice.value or (chosen == str(choice.category_id) and choice.type_id is None)


async def submit_form(values: dict[str, str], error: DomainError | None = None) -> Response:
    chosen = values.get("classification") or values.get("categoryId", "")
    options = "".join(
        f'<option value="{esc(c.value)}"{" selected" if _selected(c, chosen) else ""}>{esc(" / ".join(c.path))}'
        "</option>"
        for c in await submission_choices()
    )
    body = (
        f"{error_list(error)}"
        "<p>Describe your problem; we email you a private link to follow the ticket and answer us.</p>"
        '<form method="post" action="/submit" enctype="multipart/form-data">'
        f'<label for="email">Your email</label><input id="email" name="email" type="email" required '
        f'maxlength="254" autocomplete="email" value="{esc(values.get("email", ""))}">'
        f'<label for="subject">Subject</label><input id="subject" name="subject" required maxlength="255" '
        f'value="{esc(values.get("subject", ""))}">'
        '<label for="classification">Category</label>'
        '<select id="classification" name="classification" required aria-describedby="classification-hint">'
        f'<option value="">Choose...</option>{options}</select>'
        '<p class="hint" id="classification-hint">Pick the most specific entry that fits: category / type / '
        "item.</p>"
        f'<label for="description">Description</label><textarea id="description" name="description" required>'
        f"{esc(values.get('description', ''))}</textarea>"
        f"{await file_input()}"
        '<button type="submit">Submit</button></form>'
        '<p class="meta">Already submitted one? <a href="/track">Get a new link</a>.</p>'
    )
    return page("Submit a request", body, status_of(error))


async def submit_page(request: Request) -> Response:
    if not await guest_submission_open():
        return page("Submit a request", SUBMIT_OFF, 403)
    if request.method == "GET":
        return await submit_form({})
    refused = cross_site(request)
    if refused is not None:
        return refused
    posted = await read_form(request)
    if isinstance(posted, Response):
        return posted
    try:
        return await _submit(request, posted)
    finally:
        posted.discard()


async def _submit(request: Request, posted: PostedForm) -> Response:
    values = posted.values
    category_id, type_id, item_id = parse_choice(values.get("classification"))
    data = NewGuestTicket(
        email=values.get("email"),
        ticket=NewTicket(
            subject=values.get("subject", ""),
            description=values.get("description", ""),
            category_id=category_id or values.get("categoryId") or None,
            type_id=type_id,
            item_id=item_id,
            files=list(posted.files),
        ),
    )
    address = client_address(request)
    result, error = await attempt(lambda: submit_ticket(address, data))
    if error is not None and error.reason is Reason.GUEST_SUBMISSION_OFF:
        return page("Submit a request", SUBMIT_OFF, 403)
    if result is None:
        return await submit_form(values, error)
    files = len(posted.files)
    body = (
        f"<p>Your request is ticket <strong>#{esc(result.ticket['number'])}</strong>: "
        f"{esc(result.ticket['subject'])}.</p>"
        + (f"<p>{files} file{'s' if files != 1 else ''} attached.</p>" if files else "")
        + f"<p>Tracking reference: <strong>{esc(result.tracking_ref)}</strong>. Keep it: with your email address "
        'it gets you a new link on <a href="/track">the tracking page</a>.</p>'
        f"<p>We have emailed a private link to follow and answer the ticket to {esc(data.email or '')}.</p>"
    )
    return page("Thank you", body)


def track_form(values: dict[str, str], error: DomainError | None = None, note: str = "") -> Response:
    body = (
        f"{error_list(error)}{note}"
        "<p>Give the email address you submitted with and the tracking reference from our first email; we send "
        "a new private link to that address.</p>"
        '<form method="post" action="/track">'
        f'<label for="email">Your email</label><input id="email" name="email" type="email" required '
        f'maxlength="254" autocomplete="email" value="{esc(values.get("email", ""))}">'
        f'<label for="trackingRef">Tracking reference</label><input id="trackingRef" name="trackingRef" required '
        f'maxlength="40" value="{esc(values.get("trackingRef", ""))}">'
        '<button type="submit">Send me a link</button></form>'
    )
    return page("Follow your request", body, status_of(error))


async def track_page(request: Request) -> Response:
    if request.method == "GET":
        return track_form({})
    refused = cross_site(request)
    if refused is not None:
        return refused
    posted = await read_form(request)
    if isinstance(posted, Response):
        return posted
    posted.discard()  # this form has no files; anything sent as one is dropped
    values = posted.values
    address = client_address(request)
    message, error = await attempt(lambda: request_guest_link(address, values.get("email"), values.get("trackingRef")))
    if message is None:
        return track_form(values, error)
    return page("Follow your request", f"<p>{esc(message)}</p><p>The link is valid for a limited time.</p>")


def file_list(files: list[dict[str, Any]], token: str) -> str:
    """Links to download a thread's files, each carrying the guest's token (SPEC 7)."""
    if not files:
        return ""
    items = "".join(
        f'<li><a href="{esc(download_path(f["id"], token))}" download>{esc(f["filename"])}</a> '
        f'<span class="meta">({esc(_size(f["size"]))})</span></li>'
        for f in files
    )
    return f'<ul class="files" aria-label="Attached files">{items}</ul>'


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB"
    return f"{count / 1024:.1f} KB" if count >= 1024 else f"{count} bytes"


async def thread_page(token: str, thread: GuestThread, error: DomainError | None = None) -> Response:
    replies = "".join(
        f'<article><p class="meta">{esc(r.author)}, {esc(r.created_at.strftime("%Y-%m-%d %H:%M UTC"))}'
        f'{" (edited)" if r.edited_at else ""}</p><div class="text">{esc(r.body)}</div>'
        f"{file_list(r.attachments, token)}</article>"
        for r in thread.replies
    )
    notes = (
        f'<h2>Resolution</h2><div class="text">{esc(thread.resolution_notes)}</div>' if thread.resolution_notes else ""
    )
    if thread.closed:
        form = "<p>This ticket is closed and takes no more replies; please submit a new request.</p>"
    else:
        form = (
            f'<h2>Reply</h2><form method="post" action="/track/{esc(token)}" enctype="multipart/form-data">'
            '<label for="body">Your reply</label><textarea id="body" name="body" required></textarea>'
            f'{await file_input()}<button type="submit">Send</button></form>'
        )
    body = (
        f'{error_list(error)}<p class="meta">Ticket #{esc(thread.number)}, status <strong>{esc(thread.status)}'
        f"</strong>, submitted {esc(thread.created_at.strftime('%Y-%m-%d %H:%M UTC'))}</p>"
        f'<div class="text">{esc(thread.description)}</div>{file_list(thread.attachments, token)}{notes}'
        f"<h2>Conversation</h2>{replies or '<p>No replies yet.</p>'}{form}"
    )
    return page(thread.subject, body, status_of(error))


INVALID_LINK = (
    '<p>This link is not valid, or it has expired. <a href="/track">Ask for a new link</a> with your email '
    "address and tracking reference.</p>"
)


async def guest_ticket_page(request: Request) -> Response:
    token = str(request.path_params["token"])
    actor = await authenticate_guest(token)
    thread = await guest_thread(actor) if actor else None
    if actor is None or thread is None:
        return page("Link not valid", INVALID_LINK, 404)
    if request.method == "GET":
        return await thread_page(token, thread)
    refused = cross_site(request)
    if refused is not None:
        return refused
    posted = await read_form(request)
    if isinstance(posted, Response):
        return posted
    address = client_address(request)
    body, files = posted.values.get("body", ""), list[object](posted.files)
    try:
        reply, error = await attempt(lambda: reply_as_guest(actor, address, thread.number, body, files))
    finally:
        posted.discard()
    if reply is None:
        return await thread_page(token, thread, error)
    # Post/redirect/get: reloading the page does not post the reply again.
    return RedirectResponse(f"/track/{token}", status_code=303, headers={"Referrer-Policy": "no-referrer"})


def guest_routes() -> list[Route]:
    return [
        Route("/submit", submit_page, methods=["GET", "POST"]),
        Route("/track", track_page, methods=["GET", "POST"]),
        Route("/track/{token}", guest_ticket_page, methods=["GET", "POST"]),
        *page_asset_routes(),
    ]
