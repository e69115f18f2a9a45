"""GraphiQL, served whole by the app: the page at GET /graphql and its pinned assets under /graphiql/<digest>/.

Staff learn the API in GraphiQL, often on networks without the internet, so nothing on the page comes from a CDN:
react, react-dom, graphiql and its explorer plugin are the npm files `scripts/fetch_graphiql.py` verified and
committed to server/static/graphiql/, next to the page's own script and styles. The asset URLs carry a digest of
the files, so browsers may keep them forever and still see an upgrade at once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

ASSET_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
ASSET_NAMES = tuple(sorted(path.name for path in ASSET_DIR.iterdir() if path.suffix in (".js", ".css")))
DIGEST = hashlib.sha256(b"".join((ASSET_DIR / name).read_bytes() for name in ASSET_NAMES)).hexdigest()[:16]
ASSET_PREFIX = f"/graphiql/{DIGEST}"

# Scripts only from here (no inline script, no eval); styles from here plus the style attributes GraphiQL's
# editors set; the API and its websocket on this origin only; never framed (no clickjacking of a signed-in tab).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self' ws: wss:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
_SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_PAGE = (ASSET_DIR / "index.html").read_text(encoding="utf-8").replace("{assets}", ASSET_PREFIX)


def graphiql_page() -> Response:
    return HTMLResponse(_PAGE, headers=_SECURITY_HEADERS)


async def graphiql_asset(request: Request) -> Response:
    """One of the known files, by name (a client's path never reaches the filesystem); an old digest is a 404."""
    name = request.path_params["name"]
    if request.path_params["digest"] != DIGEST or name not in ASSET_NAMES:
        return PlainTextResponse("Not Found", status_code=404)
    headers = {"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"}
    return FileResponse(ASSET_DIR / name, headers=headers)


def graphiql_routes() -> list[Route]:
    return [Route("/graphiql/{digest}/{name}", graphiql_asset, methods=["GET"])]
