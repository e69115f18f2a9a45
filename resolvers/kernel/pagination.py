"""What every cursor list shares (DESIGN): the page-size rule (default 25, max 100) and opaque cursors,
URL-safe base64 of a short JSON list holding a keyset position.

A cursor comes back from the client, so its decoder is an input check: it returns only what an encoder here
writes (lists of strings and of integers within the key range), and anything else is a VALIDATION error on
`after`. Before, a cursor holding 10**30 overflowed the database driver, one holding "\\ud800" or a NUL broke the
query, and one of a few thousand `[` made json.loads raise RecursionError: each a 500."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from resolvers.kernel.errors import DomainError, Problems, Reason, validation
from resolvers.kernel.validation import MAX_ID, NUL, lone_surrogate

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
# The longest cursor written is a user's name (200 characters, up to 6 bytes each as JSON escapes) and an id.
MAX_CURSOR_LENGTH = 2000


def clean_page_size(problems: Problems, value: int | None, field: str = "first") -> int:
    """`first` within 1..MAX_PAGE_SIZE; None means the default."""
    if value is None:
        return DEFAULT_PAGE_SIZE
    if value < 1:
        problems.add(field, f"{field} is {value}; the minimum is 1.", Reason.OUT_OF_RANGE)
    elif value > MAX_PAGE_SIZE:
        problems.add(field, f"{field} is {value}; the maximum is {MAX_PAGE_SIZE}.", Reason.OUT_OF_RANGE)
    return value


def encode_cursor(position: Sequence[Any]) -> str:
    """An opaque cursor for a position (a short list of JSON values)."""
    raw = json.dumps(list(position), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _refuse_number(text: str) -> Any:
    # No cursor holds a fraction, NaN or Infinity (json.loads would accept the last two).
    raise ValueError(f"not a cursor number: {text}")


def _written_here(position: list[Any]) -> bool:
    """Whether every value is one an encoder writes: a string (no NUL, valid Unicode), an integer in 0..MAX_ID, or a
    list of those. Iterative; the length cap bounds the nesting."""
    stack: list[Any] = [position]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if NUL in item or lone_surrogate(item, "") is not None:
                return False
        elif not (isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= MAX_ID):
            return False
    return True


def decode_cursor(cursor: str | None, field: str = "after") -> list[Any] | None:
    """The position inside a cursor; None for no cursor. Anything an encoder here would not have written is a
    VALIDATION error on `field`."""
    if cursor is None or cursor == "":
        return None
    value: Any = None
    if len(cursor) <= MAX_CURSOR_LENGTH:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            raw = base64.urlsafe_b64decode(padded.encode())
            value = json.loads(raw, parse_float=_refuse_number, parse_constant=_refuse_number)
        except (binascii.Error, ValueError, RecursionError):  # UnicodeError is a ValueError
            value = None
    if not isinstance(value, list) or not _written_here(value):
        raise not_a_cursor(field)
    return value


def not_a_cursor(field: str = "after", hint: str = "") -> DomainError:
    """`field` holds no cursor this list wrote; `hint` adds to the message."""
    return validation(field, f"{field} is not a cursor from this list{hint}.", Reason.INVALID_CURSOR)


def read_position(after: list[Any] | None, *kinds: type) -> list[Any] | None:
    """A decoded cursor checked against the shape its list writes (one value of each of `kinds`, in order);
    None for no cursor. Any other shape is INVALID_CURSOR. bool is not an int here, although Python says so."""
    if after is None:
        return None
    if len(after) != len(kinds) or any(type(value) is not kind for value, kind in zip(after, kinds, strict=False)):
        raise not_a_cursor()
    return after


@dataclass
class Page:
    """One page of a keyset list: its rows (at most the page size), whether more follow, whether the page
    started after a cursor, and the total across all pages."""

    rows: list[dict[str, Any]]
    has_next_page: bool
    has_previous_page: bool
    total_count: int


async def keyset_page(
    query: QuerySet[Any], *, after: Q | None, order: Sequence[str], size: int, columns: Sequence[str]
) -> Page:
    """Count what `query` matches, then read one page of it in `order` (after the condition `after`, the
    keyset position of the cursor): two statements whatever the page size."""
    total = await query.count()
    if after is not None:
        query = query.filter(after)
    rows = await query.order_by(*order).limit(size + 1).values(*columns)
    return Page(
        rows=rows[:size], has_next_page=len(rows) > size, has_previous_page=after is not None, total_count=total
    )
