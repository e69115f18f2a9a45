"""Reading the JSON of a /graphql request: the POST body, and the `variables` / `extensions` parameters of a GET.

strawberry's own reading let three kinds of body reach a 500 (issue 6): JSON that is not an object (`42`, `null`,
`"x"`: it called `.get` on them), bytes that are not UTF-8 (json.loads raised UnicodeDecodeError, which it does
not catch) and nesting deep enough for json.loads to raise RecursionError. Here each is a ValueError with a
message for people, which the view answers with 400 and the JSON error body of every refused request
(server/limits.py). Nesting is bounded well below the interpreter's recursion limit, so nothing that walks the
parsed value later (graphql-core coercing variables) can hit it either.
"""

from __future__ import annotations

import json
from typing import Any

# The deepest real request is about 6 levels ({"variables": {"input": {"scope": [{...}]}}}).
MAX_JSON_DEPTH = 32
_KINDS = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", type(None): "null"}


class BadJson(ValueError):
    """The request's JSON cannot be used; the message says why."""


def nesting_exceeds(value: Any, limit: int) -> bool:
    """Whether lists and objects nest more than `limit` levels deep (the outermost one is level 1). One level at a
    time, with exact types (json.loads makes no subclasses) in comprehensions: a 1 MiB body of small objects costs a
    few milliseconds, not a Python loop step per value."""
    level = [value] if type(value) is dict or type(value) is list else []
    for _ in range(limit):
        if not level:
            return False
        level = [
            child
            for item in level
            for child in (item.values() if type(item) is dict else item)
            if type(child) is dict or type(child) is list
        ]
    return bool(level)


def read_json(data: bytes | str, *, what: str = "The request body") -> Any:
    """The JSON value of `data`: strict UTF-8 (a leading byte order mark is ignored), standard JSON only, nested at
    most MAX_JSON_DEPTH levels. Raises BadJson naming the rule broken."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise BadJson(f"{what} is not valid UTF-8 (at byte {error.start}); send JSON encoded as UTF-8.") from None
    else:
        text = data
    too_deep = BadJson(f"{what} nests more than {MAX_JSON_DEPTH} levels deep; the maximum is {MAX_JSON_DEPTH}.")

    def refuse_constant(name: str) -> Any:
        # json.loads accepts NaN, Infinity and -Infinity, which JSON does not have.
        raise BadJson(f"{what} is not JSON: {name} is not a JSON value.")

    try:
        value = json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as error:
        raise BadJson(f"{what} is not JSON: {error.msg} (line {error.lineno}, column {error.colno}).") from None
    except RecursionError:
        raise too_deep from None
    if nesting_exceeds(value, MAX_JSON_DEPTH):
        raise too_deep
    return value


def read_json_object(data: bytes | str) -> dict[str, Any]:
    """A request body: read_json, and an object (batches of operations are not accepted)."""
    value = read_json(data)
    if not isinstance(value, dict):
        kind = _KINDS.get(type(value), "that")
        raise BadJson(f'The request body must be a JSON object like {{"query": "..."}}, not {kind}.')
    return value
