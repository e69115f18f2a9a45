"""Input objects converted from a table made once per type, instead of strawberry's walk per request.

For every input object argument strawberry's `convert_argument` walks all the fields of the type and, for each one,
resolves its annotation and its GraphQL name again, whether the value holds the field or not: for the queue's
`filter: {search}` (13 fields, one given) that was ~6% of a search request's CPU (`python -m bench.perf
--profile W4`). The hook strawberry offers for input types that build their own value (`from_input`) gets
the same result from a table of (GraphQL name, Python name, resolved type) made on first use: the same fields in
the same order, each converted by strawberry's own `convert_argument` with the same path, absent ones None
unless they have a default, then the type called with them. `MaybeNullValidationRule` skips types with a
`from_input`: that is why types with a `Maybe` field keep strawberry's walk (none has one today).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING
from typing import Any

from graphql import GraphQLInputObjectType
from strawberry import Schema
from strawberry.types.arguments import InputContext, convert_argument
from strawberry.types.base import StrawberryMaybe, StrawberryObjectDefinition

_Table = tuple[dict[str, None], tuple[tuple[str, str, Any], ...]]
_tables: dict[type, _Table] = {}


def _table(type_: type, definition: StrawberryObjectDefinition, context: InputContext) -> _Table:
    names = context.config.name_converter
    missing = {
        field.python_name: None
        for field in definition.fields
        if field.default_value is MISSING and field.default_factory is MISSING
    }
    fields = tuple(
        (names.from_field(field), field.python_name, field.resolve_type(type_definition=definition))
        for field in definition.fields
    )
    _tables[type_] = (missing, fields)
    return missing, fields


def _from_input(type_: type, value: Mapping[str, Any], context: InputContext) -> Any:
    table = _tables.get(type_)
    if table is None:
        table = _table(type_, type_.__strawberry_definition__, context)  # type: ignore[attr-defined]
    missing, fields = table
    kwargs: dict[str, Any] = dict(missing)
    for graphql_name, python_name, field_type in fields:
        if graphql_name in value:
            kwargs[python_name] = convert_argument(
                value[graphql_name], field_type, context.scalar_registry, context.config, context.info,
                path=(*context.path, graphql_name),
            )  # fmt: skip
    return type_(**kwargs)


def convert_inputs_by_table(schema: Schema) -> None:
    """Give every plain input type of the schema the table conversion (types keep it for every later schema)."""
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLInputObjectType):
            continue
        definition = graphql_type.extensions.get("strawberry-definition")
        if (
            isinstance(definition, StrawberryObjectDefinition)
            and definition.is_input
            and definition.from_input is None
            and not any(isinstance(field.type, StrawberryMaybe) for field in definition.fields)
        ):
            definition.from_input = _from_input

