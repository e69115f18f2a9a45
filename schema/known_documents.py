"""The direct path (issue 8 point 3): a query document this schema has already answered without an error runs
again straight through graphql-core's executor (and its plans, schema/planned.py), skipping strawberry's
per-request pipeline: the parse and validation hooks (their caches answer the same text the same way), the seven
extensions' context managers around each phase, and the result bookkeeping. That pipeline was ~20% of the CPU of
a ticket read (W2) and a search (W4) in `python -m bench.perf --profile W2`.

What each extension does per request still happens here, or the standard path runs instead:

- the token, depth and alias limits and validation depend on the document text only: a text is known only after
  the standard path parsed and validated it (same schema, same rules) and answered it with no error at all;
- the lone-surrogate guard (variables, operation name) and the guest field gate (per audience, with its cached
  verdict) are checked per request; a request either would refuse takes the standard path, which refuses it;
- error masking and logging apply to errors: a result with any error is dropped and the request answered by the
  standard path from the start. Only queries are known, and a query's resolvers only read, so running it again
  answers the same data and the same errors (a refusal costs twice; an answer costs less).

Mutations and subscriptions always take the standard path. tests/test_planned_execution.py compares the bytes of
both paths across the role matrix.
"""

from __future__ import annotations

from typing import Any

from graphql import DocumentNode, GraphQLSchema, OperationDefinitionNode, parse
from graphql import OperationType as GraphQLOperationType
from graphql.utilities import get_operation_ast
from strawberry.execution import optimized_is_awaitable
from strawberry.schema._graphql_core import execution_context_class_kwargs
from strawberry.types.execution import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.await_maybe import await_maybe

from resolvers.guests.fields import audience_of
from resolvers.kernel.validation import lone_surrogate
from schema.field_gate import FieldGate

_CACHE_SIZE = 256
# How often the direct path answered, and how often it handed a request back to the standard path (bench/perf.py).
counts = {"direct": 0, "standard": 0}


class KnownDocuments:
    """The query texts (with their operation name) this schema answered without an error, parsed once."""

    def __init__(self, gate: FieldGate) -> None:
        self.gate = gate
        self._documents: dict[tuple[str, str | None], DocumentNode] = {}

    def learn(self, query: str | None, operation_name: str | None, result: ExecutionResult) -> None:
        """After the standard path answered `query`: remember it when it is a query answered with no error."""
        if query is None or result.errors or (query, operation_name) in self._documents:
            return
        document = parse(query)  # the standard path parsed it just now: it parses
        operation = get_operation_ast(document, operation_name)
        if not isinstance(operation, OperationDefinitionNode) or operation.operation is not GraphQLOperationType.QUERY:
            return
        if len(self._documents) >= _CACHE_SIZE:
            del self._documents[next(iter(self._documents))]  # the oldest
        self._documents[(query, operation_name)] = document

    async def execute(
        self,
        schema: Any,
        query: str | None,
        variable_values: dict[str, Any] | None,
        context_value: Any,
        root_value: Any,
        operation_name: str | None,
        allowed: Any,
    ) -> ExecutionResult | None:
        """The answer of the direct path, or None when this request must take the standard path."""
        document = self._documents.get((query, operation_name)) if query is not None else None
        if document is None:
            return None
        if OperationType.QUERY not in allowed or self._refused(schema._schema, document, query, variable_values,
                                                               context_value, operation_name):  # fmt: skip
            counts["standard"] += 1
            return None
        result = await await_maybe(
            schema._get_execute_function()(
                schema._schema,
                document,
                root_value=root_value,
                variable_values=variable_values,
                operation_name=operation_name,
                context_value=context_value,
                is_awaitable=optimized_is_awaitable,
                operation_extensions=None,
                **execution_context_class_kwargs(schema.execution_context_class),
            )
        )
        if result.errors:
            counts["standard"] += 1
            return None
        counts["direct"] += 1
        return ExecutionResult(data=result.data, errors=None, extensions={})

    def _refused(
        self, graphql_schema: GraphQLSchema, document: DocumentNode, query: str | None,
        variables: dict[str, Any] | None, context: Any, operation_name: str | None,
    ) -> bool:  # fmt: skip
        """Whether RefuseLoneSurrogates or the FieldGateExtension would refuse this request."""
        if lone_surrogate(variables or {}, "") or lone_surrogate(operation_name, "operationName"):
            return True
        audience = audience_of(getattr(context, "actor", None))
        return audience is not None and (
            self.gate.check(graphql_schema, document, query, operation_name, audience) is not None
        )
