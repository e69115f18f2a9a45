"""Small input rules shared by every area, with messages that name the field and the limit."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from email.utils import parseaddr
from typing import Any, TypeVar

from tortoise.models import Model

from core import clock
from resolvers.kernel.errors import DomainError, Problems, Reason, not_found, validation

M = TypeVar("M", bound=Model)

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
# IDs are written in ASCII digits only: int() also reads "١٢" (Arabic-Indic digits), "1_2", "+1" and " 1 ".
_ASCII_DIGITS = re.compile(r"[0-9]+")
# JSON can carry an unpaired UTF-16 surrogate ("\ud800"); Python keeps it in the str, but it is no character:
# it cannot be encoded as UTF-8, so no database, log or email can take it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Characters that show nothing, beyond what str.strip() removes: zero-width spaces and joiners, the word joiner,
# the byte order mark, bidi controls (Unicode category Cf), control characters (Cc), and the default-ignorable
# fillers and selectors outside Cf (Hangul fillers, the combining grapheme joiner, variation selectors,
# Mongolian free variation selectors, Khmer inherent vowels) plus the blank Braille pattern.
_INVISIBLE_CATEGORIES = {"Cf", "Cc"}
_INVISIBLE = set("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0") | {chr(c) for c in range(0x180B, 0x1810)}
_INVISIBLE |= {chr(c) for c in range(0xFE00, 0xFE10)} | {chr(c) for c in range(0xE0100, 0xE01F0)}


def has_nul(problems: Problems, field: str, value: str | None) -> bool:
    """A NUL character is refused everywhere: PostgreSQL text columns cannot store it (it would be a 500)."""
    if value is not None and NUL in value:
        problems.add(field, f"{field} contains a NUL character, which is not allowed.", Reason.CONTAINS_NUL)
        return True
    return False


def is_blank(text: str) -> bool:
    """Whether the text shows nothing: only spaces and invisible characters (zero-width spaces, joiners, BOM...)."""
    return all(ch.isspace() or ch in _INVISIBLE or unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in text)


def clean_text(problems: Problems, field: str, value: str | None, *, max_length: int, required: bool = True) -> str:
    """Trimmed text within 1..max_length characters (or empty when not required), without NUL characters.
    Text of only invisible characters (U+200B, U+FEFF, ...) counts as empty, like text of only spaces."""
    text = (value or "").strip()
    if has_nul(problems, field, text):
        return text.replace(NUL, "")
    if is_blank(text):
        text = ""
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
    """IDs arrive as strings of integer keys in ASCII digits; anything else is a validation error, not a crash."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _ASCII_DIGITS.fullmatch(value):
        # More digits than any key has is out of range (and int() refuses over 4,300 digits).
        number = int(value) if len(value.lstrip("0")) <= len(str(MAX_ID)) else MAX_ID + 1
    else:
        problems.add(
            field, f"{field} must be an ID (a whole number in the digits 0-9), not {_shown(value)}.", Reason.INVALID_ID
        )
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


async def existing(model: type[M], field: str, raw_id: str | int | None, what: str, reason: Reason) -> M:
    """The row an input ID names: a missing or malformed ID is refused on `field` first (REQUIRED, INVALID_ID),
    then an ID no row has is NOT_FOUND with `reason` ("<what> <id> was not found.")."""
    problems = Problems()
    key = required_id(problems, field, raw_id)
    problems.raise_if_any()
    found = await model.get_or_none(id=key)
    if found is None:
        raise not_found(f"{what} {raw_id}", field, reason)
    return found


def _shown(value: object) -> str:
    """A value for a message: repr, shortened, so a megabyte of garbage does not come back in the answer."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_list_length(problems: Problems, field: str, values: Sequence[Any] | None, maximum: int) -> bool:
    """At most `maximum` entries (docs/operations.md lists each list's maximum). False when there are more, so the
    caller skips looking at the entries: 40,000 IDs would otherwise become 40,000 SQL parameters (PostgreSQL takes
    32,767) or 40,000 error messages."""
    if values is not None and len(values) > maximum:
        problems.add(field, f"{field} has {len(values)} entries; the maximum is {maximum}.", Reason.TOO_MANY_ENTRIES)
        return False
    return True


def check_column_text(problems: Problems, field: str, value: str | None, max_length: int) -> str | None:
    """A filter value compared with a column as it is: no NUL (PostgreSQL refuses one in a query) and no longer
    than the column (Tortoise refuses to send a longer one; it could match nothing anyway)."""
    if value is None or has_nul(problems, field, value):
        return None
    if len(value) > max_length:
        problems.add(field, f"{field} is {len(value)} characters; the maximum is {max_length}.", Reason.TOO_LONG)
        return None
    return value


def check_moment(problems: Problems, field: str, value: datetime | None) -> datetime | None:
    """A time to compare with a column, as the same instant in UTC (core/clock.py `as_utc`: SQLite compares stored
    times as text, so a bound in another offset must become UTC first). A time without an offset is read as UTC (the
    server's zone). One that leaves the calendar in UTC (year 1 at +14:00, 9999-12-31 at -14:00) is refused: the
    driver overflowed on it."""
    if value is None:
        return None
    try:
        return clock.as_utc(value)
    except OverflowError:
        problems.add(field, f"{field} must be a time between the years 1 and 9999 in UTC.", Reason.OUT_OF_RANGE)
        return None


def _path_part(key: str) -> str:
    # A key that itself holds a lone surrogate is shown escaped, so the message is valid text.
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def _is_unicode_text(value: Any) -> bool:
    """Whether every string and key of a JSON-like value is valid Unicode: exactly when the whole value encodes as
    UTF-8. One C-speed pass (a 1 MiB body in milliseconds) instead of a regex call per string."""
    try:
        json.dumps(value, ensure_ascii=False, check_circular=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _surrogate_error(where: str, text: str) -> DomainError:
    found = _LONE_SURROGATE.search(text)
    code = f"U+{ord(found.group()):04X}" if found else "U+D800"
    return validation(
        where,
        f"{where} contains a lone surrogate ({code}), which is not a Unicode character; send text as UTF-8, or "
        "escape characters outside the BMP as a surrogate pair.",
        Reason.INVALID_UNICODE,
    )


def lone_surrogate(value: Any, path: str) -> DomainError | None:
    """A VALIDATION error naming a string (or object key) that holds a lone surrogate in a JSON-like value, by its
    path below `path` ("input.scope[1].categoryId" in {"input": ...} with path ""); None when every string is valid
    Unicode text. Iterative; paths are only built for containers, and only once something is wrong."""
    if _is_unicode_text(value):
        return None
    if isinstance(value, str):
        return _surrogate_error(path, value)
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        entries = item.items() if isinstance(item, dict) else enumerate(item)
        containers: list[tuple[Any, str]] = []
        for key, child in entries:
            if isinstance(item, dict):
                part = _path_part(str(key))
                child_path = f"{where}.{part}" if where else part
                if _LONE_SURROGATE.search(str(key)):
                    return _surrogate_error(child_path, str(key))
            else:
                child_path = f"{where}[{key}]"
            if isinstance(child, str):
                if _LONE_SURROGATE.search(child):
                    return _surrogate_error(child_path, child)
            elif isinstance(child, dict | list):
                containers.append((child, child_path))
        stack += reversed(containers)
    return None  # not reached: a value that does not encode holds a lone surrogate somewhere


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
