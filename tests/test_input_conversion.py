"""Input objects converted by table (schema/input_conversion.py) are exactly what strawberry's own walk builds:
every input type of the schema, with every field given, with none, and with each one alone."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLFloat,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLString,
)
from graphql.utilities import coerce_input_value
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryObjectDefinition

from schema import input_conversion
from schema.root import build_schema

SCHEMA = build_schema()
SAMPLES: dict[Any, Any] = {
    GraphQLString: "text", GraphQLID: "7", GraphQLInt: 3, GraphQLFloat: 1.5, GraphQLBoolean: True,
    "DateTime": "2026-03-04T05:06:07+00:00", "JSON": {"a": [1, "b"]},
    # A received file stands where the multipart request put it (server/uploads.py); any object will do here.
    "Upload": "an uploaded file",
}  # fmt: skip


def sample(graphql_type: GraphQLInputType, depth: int = 0) -> Any:
    """A JSON value of the type with every field given (nested inputs two levels deep)."""
    if isinstance(graphql_type, GraphQLNonNull):
        return sample(graphql_type.of_type, depth)
    if isinstance(graphql_type, GraphQLList):
        return [sample(graphql_type.of_type, depth)]
    if isinstance(graphql_type, GraphQLEnumType):
        return next(iter(graphql_type.values))
    if isinstance(graphql_type, GraphQLInputObjectType):
        if depth > 2:
            return None
        return {name: sample(field.type, depth + 1) for name, field in graphql_type.fields.items()}
    return SAMPLES.get(graphql_type, SAMPLES.get(graphql_type.name))  # type: ignore[union-attr]


def input_types() -> list[tuple[str, GraphQLInputObjectType, StrawberryObjectDefinition]]:
    found = []
    for name, graphql_type in sorted(SCHEMA._schema.type_map.items()):
        definition = getattr(graphql_type, "extensions", {}).get("strawberry-definition")
        if isinstance(graphql_type, GraphQLInputObjectType) and isinstance(definition, StrawberryObjectDefinition):
            found.append((name, graphql_type, definition))
    return found


def both_ways(definition: StrawberryObjectDefinition, graphql_type: GraphQLInputObjectType, value: Any) -> Any:
    coerced = coerce_input_value(value, graphql_type)
    config, scalars = SCHEMA.config, SCHEMA.schema_converter.scalar_registry
    by_table = convert_argument(coerced, definition.origin, scalars, config, None, path=("input",))
    definition.from_input = None  # strawberry's own walk, for once
    try:
        by_walk = convert_argument(coerced, definition.origin, scalars, config, None, path=("input",))
    finally:
        definition.from_input = input_conversion._from_input
    assert by_table == by_walk
    assert vars(by_table) == vars(by_walk)
    return by_table


def test_every_input_type_of_the_schema_converts_by_table() -> None:
    types = input_types()
    assert len(types) >= 30
    assert all(definition.from_input is input_conversion._from_input for _, _, definition in types)


@pytest.mark.parametrize(("name", "graphql_type", "definition"), input_types(), ids=lambda v: str(v)[:40])
def test_table_conversion_builds_what_strawberry_builds(
    name: str, graphql_type: GraphQLInputObjectType, definition: StrawberryObjectDefinition
) -> None:
    full = sample(graphql_type)
    both_ways(definition, graphql_type, full)
    required = {k: v for k, v in full.items() if isinstance(graphql_type.fields[k].type, GraphQLNonNull)}
    both_ways(definition, graphql_type, required)  # the optional ones absent: None or their defaults
    for key in full:
        both_ways(definition, graphql_type, {**required, key: full[key]})
        if not isinstance(graphql_type.fields[key].type, GraphQLNonNull):
            both_ways(definition, graphql_type, {**required, key: None})  # an explicit null
