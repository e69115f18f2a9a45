"""What every cursor list shares (DESIGN): the page-size rule (default 25, max 100) and opaque cursors,
URL-safe base64 of a short JSON list holding a keyset position."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from resolvers.errors import Problems, validation

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


def clean_page_size(problems: Problems, value: int | None, field: str = "first") -> int:
    """`first` within 1..MAX_PAGE_SIZE; None means the default."""
    if value is None:
        return DEFAULT_PAGE_SIZE
    if value < 1:
        problems.add(field, f"{field} is {value}; the minimum is 1.")
    elif value > MAX_PAGE_SIZE:
        problems.add(field, f"{field} is {value}; the maximum is {MAX_PAGE_SIZE}.")
    return value


def encode_cursor(position: Sequence[Any]) -> str:
    """An opaque cursor for a position (a short list of JSON values)."""
    raw = json.dumps(list(position), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, field: str = "after") -> list[Any] | None:
    """The position inside a cursor; None for no cursor. Garbage is a VALIDATION error on `field`."""
    if cursor is None or cursor == "":
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, list):
        raise validation(field, f"{field} is not a cursor from this list.")
    return value
