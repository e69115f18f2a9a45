"""A saved view's filter as it is stored: the queue's own `TicketFilter`, field by field, by the field's type.

Nothing here names a filter field except the references below: the stored form is written from the dataclass's
fields and read back by their type hints, so a filter field someone adds to `TicketFilter` later is saved,
shown and applied without a change here (tests/tickets/test_saved_views.py builds a value for every field by
introspection and fails on one whose type has no stored form). A stored key the dataclass no longer has, or a
value its field no longer accepts (an enum member that went away), loads as a `ViewProblem` and is left out.

References (statuses, people, groups, the classification) can be deleted after a view names them. Which of them
still exist is asked of the database in the same statement that reads the view (`missing_columns`), with the
stored JSON taken apart in SQL, so applying a view costs one statement and listing them one in all.
"""

from __future__ import annotations

import json
import types
from dataclasses import dataclass, fields, replace
from datetime import datetime
from enum import Enum
from typing import Any, Union, get_args, get_origin, get_type_hints

from resolvers.kernel.errors import Problems, Reason
from resolvers.kernel.sql import Row, Statement
from resolvers.kernel.validation import parse_id
from resolvers.tickets.queue_filters import TicketFilter

Stored = dict[str, Any]


@dataclass(frozen=True)
class Reference:
    """A filter field that names rows of `table`; `reason` says which kind went missing."""

    table: str
    noun: str
    reason: Reason


# Filter field -> what it names. A new filter field that names rows belongs here (a test checks every `*_id` and
# `*_ids` field is listed), so a view naming a deleted one says so instead of showing nothing.
REFERENCES: dict[str, Reference] = {
    "status_ids": Reference("statuses", "status", Reason.STATUS_NOT_FOUND),
    "assignee_id": Reference("users", "user", Reason.USER_NOT_FOUND),
    "group_ids": Reference("groups", "group", Reason.GROUP_NOT_FOUND),
    "category_id": Reference("categories", "category", Reason.CATEGORY_NOT_FOUND),
    "type_id": Reference("ticket_types", "type", Reason.TYPE_NOT_FOUND),
    "item_id": Reference("items", "item", Reason.ITEM_NOT_FOUND),
}


@dataclass(frozen=True)
class ViewProblem:
    """A part of a saved view that no longer applies, and is left out when the view is applied."""

    field: str
    reason: Reason
    message: str


def input_name(name: str) -> str:
    """The GraphQL input's name for a filter field (`status_ids` -> `filter.statusIds`), as the queue names it."""
    head, *rest = name.split("_")
    return "filter." + head + "".join(part.title() for part in rest)


def _encode(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, str | bool | int):
        return value
    raise TypeError(f"a TicketFilter value of type {type(value).__name__} has no stored form")


def dump_filter(wanted: TicketFilter) -> Stored:
    """The filter as JSON: every field that is set, enums by member name, times in ISO 8601 with their offset."""
    return {f.name: _encode(getattr(wanted, f.name)) for f in fields(wanted) if getattr(wanted, f.name) is not None}


def _decode(hint: Any, raw: Any) -> Any:
    """`raw` as a value of the type `hint`; ValueError when it is not one (TypeError: no stored form)."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        (inner,) = [a for a in get_args(hint) if a is not type(None)]
        return _decode(inner, raw)
    if origin is list:
        if not isinstance(raw, list):
            raise ValueError("not a list")
        (element,) = get_args(hint)
        return [_decode(element, r) for r in raw]
    if isinstance(hint, type) and issubclass(hint, Enum):
        if not isinstance(raw, str) or raw not in hint.__members__:
            raise ValueError(f"{raw!r} is not one of {', '.join(hint.__members__)}")
        return hint[raw]
    if hint is datetime:
        return datetime.fromisoformat(raw) if isinstance(raw, str) else _wrong(raw)
    if hint in (str, bool):
        return raw if type(raw) is hint else _wrong(raw)
    if hint is int:
        return raw if isinstance(raw, int) and not isinstance(raw, bool) else _wrong(raw)
    raise TypeError(f"a TicketFilter field of type {hint} has no stored form")


def _wrong(raw: Any) -> Any:
    raise ValueError(f"{raw!r} is of the wrong type")


def _hints() -> dict[str, Any]:
    return get_type_hints(TicketFilter)


def load_filter(stored: object) -> tuple[TicketFilter, list[ViewProblem]]:
    """The stored filter as a TicketFilter, and what of it no longer applies (left out)."""
    hints = _hints()
    values: dict[str, Any] = {}
    problems: list[ViewProblem] = []
    for name, raw in (stored if isinstance(stored, dict) else {}).items():
        if name not in hints:
            problems.append(_unsupported(input_name(name), "the queue has no such filter any more"))
            continue
        try:
            values[name] = _decode(hints[name], raw)
        except ValueError as error:
            problems.append(_unsupported(input_name(name), str(error)))
    return TicketFilter(**values), problems


def _unsupported(field: str, why: str) -> ViewProblem:
    return ViewProblem(field, Reason.FILTER_NO_LONGER_SUPPORTED, f"{field} no longer applies ({why}); left out.")


def as_input(wanted: TicketFilter) -> Stored:
    """The filter in the shape of `TicketFilterInput` (camelCase keys, enum names, ISO times, IDs as strings): what
    a client passes back as `tickets(filter:)` to get the same tickets by hand."""
    return {input_name(name).removeprefix("filter."): value for name, value in dump_filter(wanted).items()}


def canonical(wanted: TicketFilter) -> TicketFilter:
    """The filter with every ID as the queue reads it ("007" -> "7"), so the database can compare stored IDs.
    Call after the queue's own checks (`check_filter`) passed."""
    changes: dict[str, Any] = {}
    for name in REFERENCES:
        value = getattr(wanted, name)
        if isinstance(value, list):
            changes[name] = [_canonical_id(v) for v in value]
        elif value is not None:
            changes[name] = _canonical_id(value)
    return replace(wanted, **changes)


def _canonical_id(raw: str) -> str:
    return str(parse_id(Problems(), "id", raw))


def missing_columns(statement: Statement, source: str) -> str:
    """Select-list entries `"missing__<field>"`: the IDs (comma-separated) that the JSON at SQL expression `source`
    names under each reference field and that no longer exist; NULL when all do. A scalar and a list are read
    alike (SQLite's json_each and PostgreSQL's lax `[*]` both treat a scalar as a list of one)."""
    parts = []
    for name, reference in REFERENCES.items():
        if statement.postgres:
            value = "(e #>> '{}')"
            elements = f"jsonb_path_query({source}, '$.{name}[*]') AS e"
            joined = f"string_agg({value}, ',')"
            # Only IDs are stored here, but a value that is not one must read as missing, not fail the statement.
            key = f"CASE WHEN {value} ~ '^[0-9]{{1,18}}$' THEN CAST({value} AS BIGINT) END"
        else:
            elements = f"json_each({source}, '$.{name}') AS e"
            joined = "group_concat(e.value, ',')"
            key = "CAST(e.value AS INTEGER)"
        gone = f'NOT EXISTS (SELECT 1 FROM "{reference.table}" AS x WHERE x."id" = {key})'
        parts.append(f'(SELECT {joined} FROM {elements} WHERE {gone}) AS "missing__{name}"')
    return ", ".join(parts)


def json_parameter(statement: Statement, stored: Stored) -> str:
    """A stored filter as a statement parameter the JSON functions of `missing_columns` read."""
    placeholder = statement.param(json.dumps(stored))
    return f"CAST({placeholder} AS JSONB)" if statement.postgres else placeholder


def missing_ids(row: Row) -> dict[str, list[str]]:
    """The `missing__*` columns of a row, by filter field, for the fields that lost something."""
    found = {}
    for name in REFERENCES:
        text = row.pop(f"missing__{name}", None)
        if text:
            found[name] = str(text).split(",")
    return found


def without_missing(wanted: TicketFilter, missing: dict[str, list[str]]) -> tuple[TicketFilter, list[ViewProblem]]:
    """The filter with the references that no longer exist left out (a list keeps its other entries; a list left
    empty goes, as does a single reference), and a problem for each field that lost something."""
    changes: dict[str, Any] = {}
    problems = []
    for name, gone in missing.items():
        reference = REFERENCES[name]
        value = getattr(wanted, name)
        if isinstance(value, list):
            kept = [v for v in value if v not in gone]
            changes[name] = kept or None
        else:
            changes[name] = None
        field = input_name(name)
        which = ", ".join(gone)
        message = f"{field}: {reference.noun} {which} no longer exists; left out of the view."
        problems.append(ViewProblem(field, reference.reason, message))
    return replace(wanted, **changes), problems
