"""Lone surrogates are refused once, for every operation, before anything runs (issue 6).

JSON may escape an unpaired UTF-16 surrogate ("\\ud800"); Python's json keeps it in the str, and it then broke
whatever tried to encode the text (the database driver, an email, a log line): a 500 from 10 of 13 string inputs.
graphql-core already refuses one in the document itself (a syntax error), so this checks what it does not see:
the variables (every string and key, at any depth, used or not) and the operation name. The answer is a top-level
error like any other bad variable value, with `extensions.code = "VALIDATION"`, `extensions.reason =
"INVALID_UNICODE"` and the variable path in `extensions.field`; no resolver runs. NUL characters are valid
Unicode and stay a per-field rule with a payload error (resolvers/kernel/validation.py `has_nul`). Why here and not in
the HTTP view: websockets and in-process execution pass through the schema too.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from resolvers.kernel.validation import lone_surrogate
from schema.errors import top_level_error


class RefuseLoneSurrogates(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        problem = lone_surrogate(context.variables or {}, "") or lone_surrogate(
            context.operation_name, "operationName"
        )
        if problem is not None:
            # A GraphQLError raised here becomes the operation's only error (strawberry wraps anything else).
            raise top_level_error(problem)
        yield
