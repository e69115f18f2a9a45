"""A saved view's filter is stored from the queue's TicketFilter by introspection: every field, now and later."""

from __future__ import annotations

import json
import types
from dataclasses import fields as dataclass_fields
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, Union, get_args, get_origin, get_type_hints

import pytest
from strawberry.utils.str_converters import to_camel_case

from resolvers.tickets.queue_filters import TicketFilter
from resolvers.tickets.view_filters import REFERENCES, dump_filter, input_name, load_filter
from schema.tickets.inputs import TicketFilterInput

# --- the stored form covers every filter field ------------------------------------------------------------------


def sample(hint: Any, name: str) -> Any:
    """A value of the type `hint` that is no field's default, for any type the queue's filter uses today."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        (inner,) = [a for a in get_args(hint) if a is not type(None)]
        return sample(inner, name)
    if origin is list:
        (element,) = get_args(hint)
        return [sample(element, name)]
    if isinstance(hint, type) and issubclass(hint, Enum):
        return list(hint)[-1]
    if hint is datetime:
        return datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    if hint is str:
        return "7"
    if hint is bool:
        return True
    if hint is int:
        return 7
    pytest.fail(f"TicketFilter.{name} is a {hint}: give it a stored form in resolvers/tickets/view_filters.py")


def test_every_filter_field_survives_the_stored_form() -> None:
    hints = get_type_hints(TicketFilter)
    wanted = TicketFilter(**{f.name: sample(hints[f.name], f.name) for f in dataclass_fields(TicketFilter)})
    stored = json.loads(json.dumps(dump_filter(wanted)))
    assert set(stored) == {f.name for f in dataclass_fields(TicketFilter)}
    assert load_filter(stored) == (wanted, [])


def test_every_filter_field_is_shown_under_its_input_name_and_every_reference_is_checked() -> None:
    definition = TicketFilterInput.__strawberry_definition__  # type: ignore[attr-defined]
    graphql_names = {f.graphql_name or to_camel_case(f.python_name) for f in definition.fields}
    for f in dataclass_fields(TicketFilter):
        # savedViews shows a view's filter in the shape tickets(filter:) takes back.
        assert input_name(f.name).removeprefix("filter.") in graphql_names, f.name
        if f.name.endswith(("_id", "_ids")):
            assert f.name in REFERENCES, f"TicketFilter.{f.name} names rows: list it in view_filters.REFERENCES"
