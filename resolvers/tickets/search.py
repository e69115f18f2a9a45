"""Quick search (SPEC 8): a ticket number opens that ticket; any other text is found inside subjects.

The rule, the same on both databases (docs/decisions.md, "Quick search"):
- The search is trimmed. Only digits, optionally after one `#` ("123", "#123"), is a ticket number: the answer is
  that one ticket if the viewer may open it (staff and admins any ticket, whatever its scope; a requester only
  their own), whatever the other filters say, and no subject search.
- Anything else matches subjects that contain it: ASCII letters in either case, every other character exactly
  as typed ("É" does not find "é"). That is the one case rule both databases compare identically and can index:
  SQLite's LIKE folds ASCII only, and PostgreSQL's lower() and SQLite FTS5's own folding disagree on 171 of the
  1,105 case pairs of Unicode's first plane (measured), so folding more would give each database other answers.
- Searches of one or two characters follow the same rule; no trigram index can serve them, so they cost a scan.

The indexes (migration 2 of each dialect): PostgreSQL a pg_trgm GIN index on the ASCII-lowered subject
(`lower(subject COLLATE "C")`), which serves `LIKE '%...%'`; SQLite an FTS5 trigram table over the subjects, kept
in step by triggers, whose LIKE finds candidates (user wildcards left as wildcards, so a superset: FTS5 ignores
its index under ESCAPE) that an exact LIKE on the ticket row then confirms.
"""

from __future__ import annotations

from resolvers.kernel.sql import Statement
from resolvers.kernel.validation import MAX_ID

# The SQLite FTS5 table of migrations/sqlite/models/2_*_subject_search.py.
FTS_TABLE = "tickets_subject_search"
# Fewer characters than a trigram: no index can serve the search.
TRIGRAM = 3
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ticket_number(search: str) -> int | None:
    """The ticket number a search names ("123" or "#123", ASCII digits, within the key range), or None."""
    digits = search.removeprefix("#")
    # "²".isdigit() is true and int() refuses 4,300 digits: ASCII only, and short enough to be a key.
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > len(str(MAX_ID)):
        return None
    number = int(digits)
    return number if number <= MAX_ID else None


def _escaped(text: str) -> str:
    """LIKE's own characters escaped with a backslash (PostgreSQL's default escape; SQLite says ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def subject_condition(statement: Statement, alias: str, search: str) -> str:
    """SQL: the subject of the ticket under `alias` contains `search` (ASCII letters in either case)."""
    folded = search.translate(_ASCII_LOWER)
    pattern = "%" + _escaped(folded) + "%"
    if statement.postgres:
        # lower() under the "C" collation folds ASCII letters only (PostgreSQL's rule for that locale), at a tenth
        # of translate()'s cost per row; the index of migrations/postgres/models/2_*_subject_search.py is on
        # exactly this expression, so the planner can use it.
        return f'lower({alias}."subject" COLLATE "C") LIKE {statement.param(pattern)}'
    if len(search) < TRIGRAM:
        return f"{alias}.\"subject\" LIKE {statement.param(pattern)} ESCAPE '\\'"
    # The trigram table's LIKE uses its index only without ESCAPE: its candidates treat a typed % or _ as a
    # wildcard (more rows, never fewer), and the exact LIKE after it keeps the right ones. (Parameters in text
    # order: SQLite numbers them by position.)
    candidates = f'SELECT "rowid" FROM "{FTS_TABLE}" WHERE "subject" LIKE {statement.param("%" + folded + "%")}'
    exact = f"{alias}.\"subject\" LIKE {statement.param(pattern)} ESCAPE '\\'"
    return f'{alias}."id" IN ({candidates}) AND {exact}'
