"""The queue's order and its keyset cursor (SPEC 8): a position in one sort, and the rows after it.

What a walk through the queue promises while tickets are filed and changed between its pages
(docs/decisions.md, "Queue cursor"): no ticket shows twice; every ticket that matches the filter throughout and
whose sort key does not change shows exactly once; a ticket whose key moves during the walk (or that is filed
during it) shows at most once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

from core import clock
from resolvers.kernel.pagination import decode_cursor, encode_cursor, not_a_cursor
from resolvers.kernel.sql import Statement
from resolvers.tickets import sla
from resolvers.tickets.rows import T

_DATETIME_COLUMNS = {"updated_at", "created_at", "sla_due_at"}


class TicketSort(Enum):
    UPDATED_DESC = (("updated_at", "desc"), ("id", "desc"))
    CREATED_DESC = (("created_at", "desc"), ("id", "desc"))
    CREATED_ASC = (("created_at", "asc"), ("id", "asc"))
    PRIORITY = (("priority", "asc"), ("updated_at", "desc"), ("id", "desc"))
    # Earliest deadline still to be met first, tickets without one last (resolvers/tickets/sla.py `sort_order`).
    SLA_DUE = (("sla_due_at", "asc"), ("id", "asc"))

    @property
    def moves(self) -> bool:
        """Whether a change to a ticket can move it in this order (its key holds updated_at, or the SLA deadline,
        which changes with priority, category, status and the first reply, each of which bumps updated_at)."""
        return self is TicketSort.SLA_DUE or any(column == "updated_at" for column, _ in self.value)


def ticket_cursor(sort: TicketSort, row: dict[str, Any], started: datetime | None = None) -> str:
    """The row's position in this sort, tagged with the sort so a cursor cannot be replayed in another one. A sort
    whose key a change can move also carries when the walk started (`started`, default now): see `_after`."""
    # A missing deadline (SLA_DUE sorts it last) is written "": the cursor codec has no null.
    keys = (row[column] for column, _ in sort.value)
    values: list[Any] = ["" if v is None else v.isoformat() if isinstance(v, datetime) else int(v) for v in keys]
    position: list[Any] = [sort.name, values]
    if sort.moves:
        position.append((started or clock.now()).isoformat())
    return encode_cursor(position)


def _cursor_value(column: str, value: Any) -> Any:
    """One value of a ticket cursor as ticket_cursor wrote it: an aware ISO time (within the calendar once in UTC)
    for a time column, an integer (the codec checked its range) otherwise."""
    if column == "sla_due_at" and value == "":
        return None
    if column not in _DATETIME_COLUMNS:
        if not isinstance(value, int):
            raise TypeError("not a whole number")
        return value
    if not isinstance(value, str):
        raise TypeError("not a time")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a time without a time zone")
    return moment.astimezone(UTC)  # OverflowError past year 1 or 9999


def read_ticket_cursor(sort: TicketSort, cursor: str) -> tuple[list[Any], datetime | None]:
    """The position a cursor of this sort holds, and when its walk started (sorts that move only)."""
    position = decode_cursor(cursor) or []
    try:
        name, values, *started = position
        if name != sort.name or len(values) != len(sort.value) or len(started) != int(sort.moves):
            raise ValueError("cursor of another sort")
        keys = [_cursor_value(column, v) for (column, _), v in zip(sort.value, values, strict=True)]
        return keys, _cursor_value("updated_at", started[0]) if started else None
    except (ValueError, TypeError, OverflowError):
        raise not_a_cursor(hint=" and sort; start again without it") from None


def after_cursor(sort: TicketSort, values: list[Any], started: datetime | None, statement: Statement) -> str:
    """Rows strictly after the cursor in the sort order: a bound on the first column (so an index range starts at
    the cursor and the last page costs what the first does), then (a > x) or (a = x and b > y) or ...

    In a sort that moves (its key holds updated_at), a ticket changed or filed after the walk started
    (`started`) is left out of the walk's later pages: a change can move a ticket back past the cursor (a
    priority lowered), and it would show twice. Such a ticket shows at most once, on a page read before its
    change, and the next walk from the top shows it in its new place (docs/decisions.md, "Queue cursor")."""
    if sort is TicketSort.SLA_DUE:
        return sla.after_condition(values[0], values[1], statement, T) + _unchanged_since(started, statement)
    (first, direction), *_ = sort.value
    bound = f'{T}."{first}" {">=" if direction == "asc" else "<="} {statement.param(values[0])}'
    alternatives: list[str] = []
    for i, (column, direction) in enumerate(sort.value):
        equal = [f'{T}."{prev}" = {statement.param(values[j])}' for j, (prev, _) in enumerate(sort.value[:i])]
        op = ">" if direction == "asc" else "<"
        alternatives.append(" AND ".join([*equal, f'{T}."{column}" {op} {statement.param(values[i])}']))
    return f"{bound} AND (" + " OR ".join(f"({a})" for a in alternatives) + ")" + _unchanged_since(started, statement)


def _unchanged_since(started: datetime | None, statement: Statement) -> str:
    """Tickets not changed since the walk started (parameters go in text order: call it last)."""
    return f' AND {T}."updated_at" <= {statement.param(started)}' if started else ""
