"""Downloads: GET /attachments/{id}, the only way to an attachment's bytes (SPEC 7).

Who: anyone whose bearer token (session or API key) lets them see the file (resolvers/tickets/attachments.py
`attachment_for_download`: the ticket's visibility and the reply's), or a guest whose access token is in the URL
(`?token=hdg_...`, the same token as the emailed link: SPEC 7). Everyone else, a missing file and a malformed
id all get the same 404.

How: streamed from disk by Starlette's FileResponse, which answers `Range` requests (206, multiple ranges, 416);
`Content-Disposition: attachment` with the name in both forms of RFC 6266 (an ASCII fallback and the exact
UTF-8 `filename*`), `X-Content-Type-Options: nosniff` and a CSP that forbids everything, so a file is never shown
as a page of this site; `no-store` and `no-referrer`, because a guest's URL carries their token.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from resolvers.accounts.authentication import authenticate, authenticate_guest
from resolvers.kernel.actor import Actor
from resolvers.tickets.attachment_storage import stored_path
from resolvers.tickets.attachments import attachment_for_download
from schema.context import bearer_token

MAX_ID = 2_147_483_647
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def content_disposition(filename: str) -> str:
    """`attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266, RFC 5987): old
    clients read the fallback (accents dropped, anything else outside printable ASCII, quotes and backslashes
    replaced by `_`), every current one the exact name."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;%' else "_" for ch in ascii_name) or "attachment"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def not_found() -> Response:
    return PlainTextResponse("Not found.", status_code=404, headers=HEADERS)


async def _downloader(request: Request) -> Actor | None:
    token = bearer_token(request.headers)
    if token:
        return await authenticate(token)
    guest_token = request.query_params.get("token")
    return await authenticate_guest(guest_token) if guest_token else None


async def download(request: Request) -> Response:
    raw = str(request.path_params["attachment_id"])
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID):
        return not_found()
    actor = await _downloader(request)
    row = await attachment_for_download(actor, int(raw))
    if row is None:
        return not_found()
    path = stored_path(row["storage_name"])
    if not path.is_file():
        return not_found()
    headers = {**HEADERS, "Content-Disposition": content_disposition(row["filename"])}
    return FileResponse(path, media_type=row["content_type"], headers=headers)


def attachment_routes() -> list[Route]:
    return [Route("/attachments/{attachment_id}", download, methods=["GET", "HEAD"])]
