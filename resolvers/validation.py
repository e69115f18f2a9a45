"""Small input rules shared by every area, with messages that name the field and the limit."""

from __future__ import annotations

import re
from email.utils import parseaddr

from resolvers.errors import Problems, Reason

# Keys are 32-bit integers on every backend; a larger number cannot name a row (and overflows PostgreSQL's int).
MAX_ID = 2**31 - 1

# A plain addr-spec and nothing else (docs/decisions.md): the local part is RFC 5322 dot-atom text (atext between
# single dots: no spaces, quotes, commas, semicolons, angle brackets, parentheses, brackets or backslashes), the
# domain is ASCII labels of letters, digits and inner hyphens with at least one dot. Anything a mail library could
# read as a display name, a comment or a second recipient is refused. Internationalised domains are written in
# punycode (xn--...); non-ASCII addresses would need SMTPUTF8 from every relay on the way.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@{_LABEL}(?:\.{_LABEL})+")
MAX_EMAIL_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64
NUL = "\x00"
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def has_nul(problems: Problems, field: str, value: str | None) -> bool:
    """A NUL character is refused everywhere: PostgreSQL text columns cannot store it (it would be a 500)."""
    if value is not None and NUL in value:
        problems.add(field, f"{field} contains a NUL character, which is not allowed.", Reason.CONTAINS_NUL)
        return True
    return False


def clean_text(problems: Problems, field: str, value: str | None, *, max_length: int, required: bool = True) -> str:
    """Trimmed text within 1..max_length characters (or empty when not required), without NUL characters."""
    text = (value or "").strip()
    if has_nul(problems, field, text):
        return text.replace(NUL, "")
    if not text:
        if required:
            problems.add(field, f"{field} is required.", Reason.REQUIRED)
        return text
    if len(text) > max_length:
        problems.add(field, f"{field} is {len(text)} characters; the maximum is {max_length}.", Reason.TOO_LONG)
    return text


def is_email_address(email: str) -> bool:
    """Whether `email` is one plain address (see _EMAIL) that the mail library reads back unchanged."""
    return (
        len(email) <= MAX_EMAIL_LENGTH
        and _EMAIL.fullmatch(email) is not None
        and len(email.rpartition("@")[0]) <= MAX_LOCAL_PART_LENGTH
        and parseaddr(email)[1] == email
    )


def clean_email(problems: Problems, field: str, value: str | None) -> str:
    """One plain address (name@example.com), trimmed and lowercased: never a list, a display name or a comment."""
    email = (value or "").strip().lower()
    if has_nul(problems, field, email):
        return email.replace(NUL, "")
    if not email:
        problems.add(field, f"{field} is required.", Reason.REQUIRED)
    elif len(email) > MAX_EMAIL_LENGTH:
        problems.add(field, f"{field} is {len(email)} characters; the maximum is {MAX_EMAIL_LENGTH}.", Reason.TOO_LONG)
    elif not is_email_address(email):
        problems.add(field, f"{field} must be an email address like name@example.com.", Reason.INVALID_EMAIL)
    return email


def clean_colour(problems: Problems, field: str, value: str) -> str:
    if not _HEX_COLOUR.match(value):
        problems.add(field, f"{field} must be a hex colour like #1a2b3c.", Reason.INVALID_COLOUR)
    return value.lower()


def parse_id(problems: Problems, field: str, value: str | int | None) -> int | None:
    """IDs arrive as strings of integer keys; anything else is a validation error, not a crash."""
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        problems.add(field, f"{field} must be an ID (a whole number), not {value!r}.", Reason.INVALID_ID)
        return None
    if not 0 < number <= MAX_ID:
        problems.add(field, f"{field} must be an ID between 1 and {MAX_ID}.", Reason.INVALID_ID)
        return None
    return number


def required_id(problems: Problems, field: str, value: str | int | None) -> int | None:
    """Like parse_id, but a missing or empty ID is REQUIRED: for inputs that name the row to act on."""
    if value is None or value == "":
        problems.add(field, f"{field} is required.", Reason.REQUIRED)
        return None
    return parse_id(problems, field, value)


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
