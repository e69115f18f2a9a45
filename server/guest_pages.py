"""Plain HTML pages for guests (SPEC 10): `/submit` (file a ticket), `/track` (ask for a fresh link) and
`/track/<token>` (the emailed link: the ticket, its public thread and a reply form).

No scripts, no external resources; every value people typed is HTML-escaped. State changes are POST only
(forms posted as application/x-www-form-urlencoded, at most MAX_FORM_BYTES). The rules, the rate limit and the
transaction are the resolvers' (resolvers/guests/submission.py), the same ones the GraphQL mutations call.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from resolvers.accounts.authentication import authenticate_guest
from resolvers.admin.cti import list_categories
from resolvers.guests.submission import (
    GuestThread,
    NewGuestTicket,
    guest_submission_open,
    guest_thread,
    reply_as_guest,
    request_guest_link,
)
from resolvers.guests.submission import submit_guest_ticket as submit_ticket
from resolvers.kernel.errors import DomainError, ErrorCode, Reason
from resolvers.notify import outbox
from resolvers.tickets.filing import NewTicket
from schema.context import client_address

T = TypeVar("T")
MAX_FORM_BYTES = 256 * 1024
MAX_FORM_FIELDS = 50
STATUS_FOR = {
    ErrorCode.VALIDATION: 400,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.UNAUTHENTICATED: 403,
}
HEADERS = {
    # The link page's address is a credential: never cache it, never send it on as a Referer.
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'",
}
STYLE = (
    "body{font-family:Arial,Helvetica,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "label{display:block;margin-top:.8rem;font-weight:bold}input,select,textarea{width:100%;padding:.4rem}"
    "textarea{min-height:8rem}button{margin-top:1rem;padding:.5rem 1rem}.errors{color:#a00}"
    ".text{white-space:pre-wrap;border-left:3px solid #ccc;padding-left:.8rem}.meta{color:#666;font-size:.9rem}"
)


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{esc(title)}</title>'
        f"<style>{STYLE}</style></head><body><h1>{esc(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status, headers=HEADERS)


def error_list(error: DomainError | None) -> str:
    if error is None:
        return ""
    items = "".join(f"<li>{esc(e.message)}</li>" for e in error.all)
    return f'<ul class="errors" role="alert">{items}</ul>'


async def read_form(request: Request) -> dict[str, str] | HTMLResponse:
    """The posted fields (first value of each), or the page that refuses the form: 413 when it is larger than
    MAX_FORM_BYTES, 400 when it has more than MAX_FORM_FIELDS fields or a NUL character (no field takes one,
    and PostgreSQL cannot store it in text)."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_FORM_BYTES:
            return too_large()
    try:
        fields = parse_qs(
            body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS
        )
    except ValueError:  # the only one parse_qs raises without strict_parsing: too many fields
        return bad_form(f"The form has more than {MAX_FORM_FIELDS} fields.")
    if any("\x00" in name or any("\x00" in value for value in values) for name, values in fields.items()):
        return bad_form("The form contains a NUL character, which no field accepts.")
    return {name: values[0] for name, values in fields.items()}


async def attempt(work: Callable[[], Awaitable[T]]) -> tuple[T | None, DomainError | None]:
    """Run a resolver as the GraphQL mutations do: refusals come back, committed outbox rows are announced."""
    try:
        return await outbox.announcing(work), None
    except DomainError as error:
        return None, error


def too_large() -> HTMLResponse:
    return page("Too large", f"<p>The form is larger than {MAX_FORM_BYTES // 1024} KB.</p>", 413)


def bad_form(message: str) -> HTMLResponse:
    return page(
        "Form not accepted", f"<p>{esc(message)}</p><p>Go back and send the form as the page gives it.</p>", 400
    )


SUBMIT_OFF = "<p>Submitting tickets without an account is turned off here. Please sign in to file a ticket.</p>"


async def submit_form(values: dict[str, str], error: DomainError | None = None) -> HTMLResponse:
    categories = await list_categories(None)
    chosen = values.get("categoryId", "")
    options = "".join(
        f'<option value="{c["id"]}"{" selected" if str(c["id"]) == chosen else ""}>{esc(c["name"])}</option>'
        for c in categories
    )
    body = (
        f"{error_list(error)}"
        "<p>Describe your problem; we email you a private link to follow the ticket and answer us.</p>"
        '<form method="post" action="/submit">'
        f'<label for="email">Your email</label><input id="email" name="email" type="email" required '
        f'maxlength="254" value="{esc(values.get("email", ""))}">'
        f'<label for="subject">Subject</label><input id="subject" name="subject" required maxlength="255" '
        f'value="{esc(values.get("subject", ""))}">'
        f'<label for="categoryId">Category</label><select id="categoryId" name="categoryId" required>'
        f'<option value="">Choose...</option>{options}</select>'
        f'<label for="description">Description</label><textarea id="description" name="description" required>'
        f"{esc(values.get('description', ''))}</textarea>"
        '<button type="submit">Submit</button></form>'
        '<p class="meta">Already submitted one? <a href="/track">Get a new link</a>.</p>'
    )
    return page("Submit a request", body, STATUS_FOR[error.code] if error else 200)


async def submit_page(request: Request) -> Response:
    if not await guest_submission_open():
        return page("Submit a request", SUBMIT_OFF, 403)
    if request.method == "GET":
        return await submit_form({})
    values = await read_form(request)
    if isinstance(values, Response):
        return values
    data = NewGuestTicket(
        email=values.get("email"),
        ticket=NewTicket(
            subject=values.get("subject", ""),
            description=values.get("description", ""),
            category_id=values.get("categoryId") or None,
        ),
    )
    address = client_address(request)
    result, error = await attempt(lambda: submit_ticket(address, data))
    if error is not None and error.reason is Reason.GUEST_SUBMISSION_OFF:
        return page("Submit a request", SUBMIT_OFF, 403)
    if result is None:
        return await submit_form(values, error)
    body = (
        f"<p>Your request is ticket <strong>#{esc(result.ticket['number'])}</strong>: "
        f"{esc(result.ticket['subject'])}.</p>"
        f"<p>Tracking reference: <strong>{esc(result.tracking_ref)}</strong>. Keep it: with your email address "
        'it gets you a new link on <a href="/track">the tracking page</a>.</p>'
        f"<p>We have emailed a private link to follow and answer the ticket to {esc(data.email or '')}.</p>"
    )
    return page("Thank you", body)


def track_form(values: dict[str, str], error: DomainError | None = None, note: str = "") -> HTMLResponse:
    body = (
        f"{error_list(error)}{note}"
        "<p>Give the email address you submitted with and the tracking reference from our first email; we send "
        "a new private link to that address.</p>"
        '<form method="post" action="/track">'
        f'<label for="email">Your email</label><input id="email" name="email" type="email" required '
        f'maxlength="254" value="{esc(values.get("email", ""))}">'
        f'<label for="trackingRef">Tracking reference</label><input id="trackingRef" name="trackingRef" required '
        f'maxlength="40" value="{esc(values.get("trackingRef", ""))}">'
        '<button type="submit">Send me a link</button></form>'
    )
    return page("Follow your request", body, STATUS_FOR[error.code] if error else 200)


async def track_page(request: Request) -> Response:
    if request.method == "GET":
        return track_form({})
    values = await read_form(request)
    if isinstance(values, Response):
        return values
    address = client_address(request)
    message, error = await attempt(lambda: request_guest_link(address, values.get("email"), values.get("trackingRef")))
    if message is None:
        return track_form(values, error)
    return page("Follow your request", f"<p>{esc(message)}</p><p>The link is valid for a limited time.</p>")


def thread_page(token: str, thread: GuestThread, error: DomainError | None = None) -> HTMLResponse:
    replies = "".join(
        f'<article><p class="meta">{esc(r.author)}, {esc(r.created_at.strftime("%Y-%m-%d %H:%M UTC"))}'
        f'{" (edited)" if r.edited_at else ""}</p><div class="text">{esc(r.body)}</div></article>'
        for r in thread.replies
    )
    notes = (
        f'<h2>Resolution</h2><div class="text">{esc(thread.resolution_notes)}</div>' if thread.resolution_notes else ""
    )
    if thread.closed:
        form = "<p>This ticket is closed and takes no more replies; please submit a new request.</p>"
    else:
        form = (
            f'<h2>Reply</h2><form method="post" action="/track/{esc(token)}">'
            '<label for="body">Your reply</label><textarea id="body" name="body" required></textarea>'
            '<button type="submit">Send</button></form>'
        )
    body = (
        f'{error_list(error)}<p class="meta">Ticket #{esc(thread.number)}, status <strong>{esc(thread.status)}'
        f"</strong>, submitted {esc(thread.created_at.strftime('%Y-%m-%d %H:%M UTC'))}</p>"
        f'<div class="text">{esc(thread.description)}</div>{notes}<h2>Conversation</h2>'
        f"{replies or '<p>No replies yet.</p>'}{form}"
    )
    return page(thread.subject, body, STATUS_FOR[error.code] if error else 200)


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
        return thread_page(token, thread)
    values = await read_form(request)
    if isinstance(values, Response):
        return values
    address = client_address(request)
    reply, error = await attempt(lambda: reply_as_guest(actor, address, thread.number, values.get("body", "")))
    if reply is None:
        return thread_page(token, thread, error)
    # Post/redirect/get: reloading the page does not post the reply again.
    return RedirectResponse(f"/track/{token}", status_code=303, headers={"Referrer-Policy": "no-referrer"})


def guest_routes() -> list[Route]:
    return [
        Route("/submit", submit_page, methods=["GET", "POST"]),
        Route("/track", track_page, methods=["GET", "POST"]),
        Route("/track/{token}", guest_ticket_page, methods=["GET", "POST"]),
    ]
