"""Looking ahead, once, at what a query selects below the field that reads the rows (docs/performance.md).

A read path's root field (`tickets`, `ticket`) asks which fields the client selected under it, so that one
statement can join the relations that will be shown and one more can read the replies, instead of a DataLoader
and an asyncio task per relation per object. The walk follows fragments and inline fragments and merges aliases;
it ignores type conditions and `@skip` / `@include`, so it may answer "selected" for a field that will not be
shown: that only reads a few rows nobody sees, never hides one. Fields read what was fetched for them and load
what was not (`later`), so a path that looks ahead at nothing is slower, never wrong.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar, cast

from graphql import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode
from graphql.pyutils import Undefined
from graphql.utilities import value_from_ast_untyped

T = TypeVar("T")


class Selection:
    """The fields selected under some field nodes (all the nodes of one response key, or of one field name),
    by field name."""

    __slots__ = ("_fields", "_fragments", "_variables")

    def __init__(
        self, nodes: Sequence[FieldNode], fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]
    ) -> None:
        self._fragments = fragments
        self._variables = variables
        self._fields: dict[str, list[FieldNode]] = {}
        for node in nodes:
            if node.selection_set is not None:
                self._collect(node.selection_set, set())

    def _collect(self, selection_set: SelectionSetNode, seen: set[str]) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self._fields.setdefault(selection.name.value, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                self._collect(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self._fragments.get(name)
                if fragment is not None and name not in seen:
                    seen.add(name)
                    self._collect(fragment.selection_set, seen)

    def __contains__(self, name: str) -> bool:
        return name in self._fields

    def names(self) -> set[str]:
        return set(self._fields)

    def child(self, name: str) -> Selection:
        """What is selected under every selection of the field `name` here, merged."""
        return Selection(self._fields.get(name, ()), self._fragments, self._variables)

    def arguments(self, name: str) -> list[dict[str, Any]]:
        """The distinct argument sets the field `name` is selected with (variables filled in; an argument left out,
        or given a variable nobody set, is absent)."""
        found: list[dict[str, Any]] = []
        for node in self._fields.get(name, ()):
            values: dict[str, Any] = {}
            for argument in node.arguments or ():
                value = value_from_ast_untyped(argument.value, self._variables)
                if value is not Undefined:
                    values[argument.name.value] = value
            if values not in found:
                found.append(values)
        return found


def look_ahead(info: Any) -> Selection:
    """What is selected under the field being resolved (a strawberry Info)."""
    raw = info._raw_info
    return Selection(raw.field_nodes, raw.fragments, raw.variable_values)


def later(awaitable: Awaitable[T]) -> T:
    """Return a load from a synchronous field resolver: graphql-core awaits whatever awaitable a resolver returns.
    A field whose row was fetched ahead answers at once (no coroutine, no task); one whose row was not returns the
    DataLoader's awaitable through this, typed as what it will produce."""
    return cast(T, awaitable)


def argument_given(info: Any, name: str) -> bool:
    """Whether the field being resolved was given argument `name` with a value (a literal, or a variable that was
    set), as opposed to taking its default."""
    raw = info._raw_info
    for node in raw.field_nodes:
        for argument in node.arguments or ():
            if argument.name.value == name:
                value = value_from_ast_untyped(argument.value, raw.variable_values)
                return value is not Undefined and value is not None
    return False
