"""schema.graphql at the repository root is the committed contract: it must match the schema the code builds."""

from __future__ import annotations

import difflib
from pathlib import Path

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType

from schema.root import build_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_schema_file_matches_the_current_schema() -> None:
    current = str(build_schema()) + "\n"
    committed = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    if committed != current:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True), current.splitlines(keepends=True), "schema.graphql", "current"
            )
        )
        raise AssertionError(
            "schema.graphql differs from the schema the code builds. Run `helpdesk export-schema > schema.graphql`"
            " and commit it.\n" + diff[:4000]
        )


BUILT_IN_SCALARS = {"String", "Int", "Boolean", "ID", "Float", "DateTime", "JSON"}


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    """GraphiQL is the staff's manual (DESIGN): nothing in the schema may go without a description."""
    schema = build_schema()._schema
    missing: list[str] = []
    for name, kind in schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN_SCALARS:
            continue
        if not kind.description:
            missing.append(name)
        if isinstance(kind, GraphQLObjectType | GraphQLInputObjectType):
            for field_name, field in kind.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(kind, GraphQLEnumType):
            missing += [f"{name}.{value}" for value, spec in kind.values.items() if not spec.description]
    assert missing == []
