"""Small input rules shared by every area, with messages that name the field and the limit."""

from __future__ import annotations

import re

from resolvers.errors import Problems

# Keys are 32-bit integers on every backend; a larger number cannot name a row (and overflows PostgreSQL's int).
MAX_ID = 2**31 - 1

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def clean_text(problems: Problems, field: str, value: str | None, *, max_length: int, required: bool = True) -> str:
    """Trimmed text within 1..max_length characters (or empty when not required)."""
    text = (value or "").strip()
    if not text:
        if required:
            problems.add(field, f"{field} is required.")
        return text
    if len(text) > max_length:
        problems.add(field, f"{field} is {len(text)} characters; the maximum is {max_length}.")
    return text


def clean_email(problems: Problems, field: str, value: str | None) -> str:
    email = (value or "").strip().lower()
    if not email:
        problems.add(field, f"{field} is required.")
    elif len(email) > 254 or not _EMAIL.match(email):
        problems.add(field, f"{field} must be an email address like name@example.com.")
    return email


def clean_colour(problems: Problems, field: str, value: str) -> str:
    if not _HEX_COLOUR.match(value):
        problems.add(field, f"{field} must be a hex colour like #1a2b3c.")
    return value.lower()


def parse_id(problems: Problems, field: str, value: str | int | None) -> int | None:
    """IDs arrive as strings of integer keys; anything else is a validation error, not a crash."""
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        problems.add(field, f"{field} must be an ID (a whole number), not {value!r}.")
        return None
    if not 0 < number <= MAX_ID:
        problems.add(field, f"{field} must be an ID between 1 and {MAX_ID}.")
        return None
    return number


class _Keep:
    """Marks an update field the client did not send (as opposed to sending null to clear it)."""

    _instance: _Keep | None = None

    def __new__(cls) -> _Keep:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "KEEP"

    def __bool__(self) -> bool:
        return False


KEEP = _Keep()
