"""The frame of every page for people (server/guest_pages.py): the HTML shell, its stylesheet (served here, so
the pages' Content-Security-Policy allows no inline style or script at all), escaping, error lists, the
security headers, and the refusal of cross-site form posts.

Cross-site posts: the forms are same-origin and carry no ambient credential (no cookie; the link page's token
is in its path), so a forged post could only do what anyone may do from their own browser. Still, a page of
another site must not make a visitor's browser file tickets or replies in their name from their address (rate
limits count per address): a POST whose `Sec-Fetch-Site` (set by the browser, not by the page) says
`cross-site` is refused with 403, and `form-action 'self'` keeps our own forms from posting anywhere else.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from resolvers.kernel.errors import DomainError, ErrorCode
from resolvers.notify import outbox

T = TypeVar("T")
STYLESHEET = (Path(__file__).resolve().parent / "static" / "pages" / "pages.css").read_bytes()
STYLESHEET_PATH = f"/pages/{hashlib.sha256(STYLESHEET).hexdigest()[:16]}/pages.css"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    # The link page's address is a credential: never cache it, never send it on as a Referer.
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}
STATUS_FOR = {
    ErrorCode.VALIDATION: 400,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.UNAUTHENTICATED: 403,
}


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{esc(title)}</title>'
        f'<link rel="stylesheet" href="{STYLESHEET_PATH}"></head>'
        f"<body><main><h1>{esc(title)}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(document, status_code=status, headers=HEADERS)


def error_list(error: DomainError | None) -> str:
    if error is None:
        return ""
    items = "".join(f"<li>{esc(e.message)}</li>" for e in error.all)
    return f'<ul class="errors" role="alert">{items}</ul>'


def status_of(error: DomainError | None) -> int:
    return STATUS_FOR[error.code] if error else 200


async def attempt(work: Callable[[], Awaitable[T]]) -> tuple[T | None, DomainError | None]:
    """Run a resolver as the GraphQL mutations do: refusals come back, committed outbox rows are announced."""
    try:
        return await outbox.announcing(work), None
    except DomainError as error:
        return None, error


def cross_site(request: Request) -> Response | None:
    """The refusal of a form posted from another site (see the module's docstring), or None."""
    if request.method == "POST" and request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        return page("Form not accepted", "<p>This form can only be sent from this site's own pages.</p>", 403)
    return None


async def stylesheet(request: Request) -> Response:
    headers = {"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"}
    return Response(STYLESHEET, media_type="text/css", headers=headers)


def page_asset_routes() -> list[Route]:
    return [Route(STYLESHEET_PATH, stylesheet, methods=["GET"])]
