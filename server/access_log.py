"""Keeps guest links out of the access log.

A guest link (`/track/hdg_...`, docs/guests.md) is a bearer credential in a URL, and uvicorn logs every request
line. `helpdesk serve` starts uvicorn with `uvicorn_log_config()`, which puts `RedactGuestLinks` on the
"uvicorn.access" logger; being part of the logging configuration (not a filter added at run time), it also
reaches the worker processes of `--workers N`.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

# Every segment after /track/ is redacted, not only well-formed tokens: a mangled or truncated link is still
# most of a credential. `hdg_...` anywhere else (a stray link pasted into another path) goes too.
_TRACK_SEGMENT = re.compile(r"(?<=/track/)[^/?#\s\"]+")
_GUEST_TOKEN = re.compile(r"hdg_[^/?#&\s\"]+")
REDACTED = "<redacted>"
FILTER_NAME = "redact_guest_links"


def redact(text: str) -> str:
    """`text` with guest link tokens replaced by <redacted>."""
    return _GUEST_TOKEN.sub(REDACTED, _TRACK_SEGMENT.sub(REDACTED, text))


class RedactGuestLinks(logging.Filter):
    """Rewrites the string arguments of a record (uvicorn's access record: client, method, path, HTTP version,
    status), or its message when it has none; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif not record.args and isinstance(record.msg, str):
            # Only without arguments: rewriting a format string could change its placeholders.
            record.msg = redact(record.msg)
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration with RedactGuestLinks on the "uvicorn.access" logger."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})[FILTER_NAME] = {"()": f"{__name__}.{RedactGuestLinks.__name__}"}
    config["loggers"]["uvicorn.access"].setdefault("filters", []).append(FILTER_NAME)
    # helpdesk's own loggers (a refused GraphQL request in one line, an unexpected error with its request id and
    # traceback, the close sweep) through uvicorn's handler; without this only warnings reached stderr, bare.
    config["loggers"]["helpdesk"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
