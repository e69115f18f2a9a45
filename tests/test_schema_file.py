"""schema.graphql at the repository root is the committed contract: it must match the schema the code builds."""

from __future__ import annotations

import difflib
from pathlib import Path

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
