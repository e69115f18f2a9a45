"""Queries built from an introspection result: every field reachable from a root field, one path at a time.

Used by tests/guests/test_guest_schema_walk.py to prove that people without an account get no data from any field
outside their allow-list. Independent of the gate's own walk (schema/field_gate.py): this side knows only
what introspection says and what the responses contain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

COMPOSITE = {"OBJECT", "INTERFACE", "UNION"}
# The server refuses deeper documents (schema/root.py, MAX_DEPTH); cycles are cut earlier anyway.
MAX_DEPTH = 8
SCALAR_LITERALS = {
    "Int": "1",
    "Float": "1.0",
    "String": '"x"',
    "Boolean": "true",
    "ID": '"1"',
    "DateTime": '"2026-01-01T00:00:00+00:00"',
    "JSON": '"x"',
}

Types = dict[str, dict[str, Any]]


def types_of(introspection: dict[str, Any]) -> Types:
    return {t["name"]: t for t in introspection["__schema"]["types"]}


def named(type_ref: dict[str, Any]) -> dict[str, Any]:
    while type_ref.get("ofType"):
        type_ref = type_ref["ofType"]
    return type_ref


def literal(types: Types, type_ref: dict[str, Any]) -> str:
    """A simple value of the type, for required arguments nobody gave a better one for."""
    if type_ref["kind"] == "NON_NULL":
        return literal(types, type_ref["ofType"])
    if type_ref["kind"] == "LIST":
        return "[" + literal(types, type_ref["ofType"]) + "]"
    definition = types[type_ref["name"]]
    if definition["kind"] == "ENUM":
        return str(definition["enumValues"][0]["name"])
    if definition["kind"] == "INPUT_OBJECT":
        required = [
            f for f in definition["inputFields"] if f["type"]["kind"] == "NON_NULL" and f["defaultValue"] is None
        ]
        return "{" + ", ".join(f"{f['name']}: {literal(types, f['type'])}" for f in required) + "}"
    return SCALAR_LITERALS.get(type_ref["name"], '"x"')


def arguments(types: Types, definition: dict[str, Any], given: str | None = None) -> str:
    if given is not None:
        return given
    required = [a for a in definition["args"] if a["type"]["kind"] == "NON_NULL" and a["defaultValue"] is None]
    return "(" + ", ".join(f"{a['name']}: {literal(types, a['type'])}" for a in required) + ")" if required else ""


@dataclass(frozen=True)
class Step:
    """One field on the way down (`on` set: an inline fragment on that type instead)."""

    parent: str
    name: str
    args: str = ""
    composite: bool = False
    on: str | None = None

    @property
    def pair(self) -> str:
        return f"{self.parent}.{self.name}"

    def text(self) -> str:
        return f"... on {self.on}" if self.on else self.name + self.args


Path = tuple[Step, ...]


@dataclass
class Reach:
    """What an audience can reach from one root field: paths of allowed fields, and the first refused field
    at the end of each allowed path (the frontier)."""

    allowed: list[Path] = field(default_factory=list)
    frontier: list[Path] = field(default_factory=list)


def root_steps(types: Types, operation_type: str, given: dict[str, str]) -> list[Step]:
    """Every field of a root type, with the arguments given for it or simple values for required ones."""
    steps = []
    for f in types[operation_type]["fields"]:
        composite = types[named(f["type"])["name"]]["kind"] in COMPOSITE
        steps.append(Step(operation_type, f["name"], arguments(types, f, given.get(f["name"])), composite))
    return steps


def reach(types: Types, root: Step, allows: Callable[[str, str], bool]) -> Reach:
    found = Reach()
    if not allows(root.parent, root.name):
        found.frontier.append((root,))
        return found
    child = named(next(f for f in types[root.parent]["fields"] if f["name"] == root.name)["type"])
    if types[child["name"]]["kind"] in COMPOSITE:
        _down(types, (root,), child["name"], {child["name"]}, allows, found)
    else:
        found.allowed.append((root,))
    return found


def _down(
    types: Types, path: Path, type_name: str, seen: set[str], allows: Callable[[str, str], bool], found: Reach
) -> None:
    definition = types[type_name]
    if definition["kind"] in ("INTERFACE", "UNION"):
        for possible in definition["possibleTypes"]:
            name = possible["name"]
            if name not in seen:
                _down(types, (*path, Step(type_name, name, on=name)), name, seen | {name}, allows, found)
    for f in definition.get("fields") or []:
        child = named(f["type"])
        composite = types[child["name"]]["kind"] in COMPOSITE
        step = Step(type_name, f["name"], arguments(types, f), composite)
        here = (*path, step)
        if not allows(type_name, f["name"]):
            found.frontier.append(here)
        elif composite and child["name"] not in seen and len(here) < MAX_DEPTH:
            _down(types, here, child["name"], seen | {child["name"]}, allows, found)
        else:
            found.allowed.append(here)


def document(operation: str, paths: list[Path]) -> str:
    """One operation selecting every path (a composite field at the end of a path selects `__typename`)."""
    tree: dict[Step, Any] = {}
    for path in paths:
        node = tree
        for step in path:
            node = node.setdefault(step, {})
    return operation + " " + _render(tree)


def _render(tree: dict[Step, Any]) -> str:
    parts = []
    for step, children in tree.items():
        if children:
            parts.append(step.text() + " " + _render(children))
        else:
            parts.append(step.text() + (" { __typename }" if step.composite else ""))
    return "{ " + " ".join(parts) + " }"


def values_at(data: Any, path: Path) -> Iterator[Any]:
    """Every value the response holds at the end of the path (lists flattened on the way)."""
    values = [data]
    for step in path:
        if step.on:
            continue  # an inline fragment adds no key; objects of other types simply lack the next one
        found: list[Any] = []
        for value in values:
            if isinstance(value, dict) and step.name in value:
                inner = value[step.name]
                found.extend(inner if isinstance(inner, list) else [inner])
        values = found
    yield from values


def carries_data(body: dict[str, Any], path: Path) -> bool:
    return any(value is not None for value in values_at(body.get("data"), path))
