"""The application object for ASGI servers: `uvicorn server.asgi:app` (an import string, so --workers works).

`helpdesk serve` applies migrations before it starts uvicorn; running uvicorn directly skips that step.
"""

from __future__ import annotations

from server.app import create_app

app = create_app()
