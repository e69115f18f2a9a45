"""The schema: every area contributes its Query / Mutation fields, merged here."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from schema.field_gate import FieldGate, FieldGateExtension
from schema.input_conversion import convert_inputs_by_table
from schema.known_documents import KnownDocuments
from schema.masking import MaskUnexpectedErrors, log_error
from schema.notify.sockets import SocketOperations
from schema.planned import PlannedExecutionContext
from schema.query_limits import ShapeLimits, TokenLimit
from schema.unicode_guard import RefuseLoneSurrogates

# Area modules under schema/ that define `Query` and/or `Mutation` classes. Add yours here.
AREAS = (
    "accounts.auth",
    "accounts.users",
    "tickets.queries",
    "tickets.filing",
    "tickets.counts",
    "tickets.lifecycle",
    "tickets.replies",
    "tickets.views",
    "tickets.links",
    "tickets.assignment",
    "tickets.bulk_changes",
    "admin.cti_admin",
    "admin.statuses_admin",
    "admin.sla_policies",
    "accounts.groups",
    "admin.settings",
    "admin.outbox_view",
    "admin.outgoing_messages",
    "admin.audit_log",
    "admin.email_templates",
    "admin.webhooks",
    "guests.submission",
    "notify.events",
)


def _collect(kind: str) -> tuple[type, ...]:
    found: list[type] = []
    for area in AREAS:
        module = importlib.import_module(f"schema.{area}")
        cls = getattr(module, kind, None)
        if cls is not None:
            found.append(cls)
    return tuple(found)


def _merge(name: str, types: tuple[type, ...], description: str) -> Any:
    """One root type from every area's part (what strawberry's merge_types does, plus a description)."""
    merged: Any = merge_types(name, types)
    merged.__strawberry_definition__.description = description
    return merged


class HelpdeskSchema(strawberry.Schema):
    def __init__(self, *args: Any, known: KnownDocuments | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A field middleware (an extension's `resolve` hook) must see every field: the direct path skips none.
        self._known = None if self._get_middleware_manager(self.get_extensions()).middlewares else known

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """A query answered before without an error takes the direct path (schema/known_documents.py).

        Subscriptions never run here: they need a websocket (strawberry would start one over POST and fail in
        the middle); asked for here, they are refused before anything runs (a 400 over HTTP)."""
        known = self._known
        allowed = DEFAULT_ALLOWED_OPERATION_TYPES if allowed_operation_types is None else allowed_operation_types
        allowed = set(allowed) - {OperationType.SUBSCRIPTION}
        if known is not None and not operation_extensions:
            args = (query, variable_values, context_value, root_value, operation_name, allowed)
            direct = await known.execute(self, *args)
            if direct is not None:
                return direct
        result = await super().execute(
            query, variable_values, context_value, root_value, operation_name, allowed, operation_extensions
        )
        if known is not None and not operation_extensions:
            known.learn(query, operation_name, result)
        return result

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # strawberry logs every error with its traceback and the document; expected ones get one line instead.
        for error in errors:
            log_error(error, execution_context)


def build_schema(*, planned: bool = True) -> strawberry.Schema:
    """The schema. `planned=False` executes every document the standard way only (schema/planned.py; the tests
    compare the two)."""
    query = _merge("Query", _collect("Query"), "Everything you can read; what you see depends on who you are.")
    mutation = _merge("Mutation", _collect("Mutation"), "Everything you can change; refusals come back as `errors`.")
    subscription = _merge(
        "Subscription", _collect("Subscription"), "Live events over a websocket on /graphql (docs/subscriptions.md)."
    )
    # Guests and anonymous callers may ask only for the fields allowed for them (resolvers/guests/fields.py).
    gate = FieldGate()
    schema = HelpdeskSchema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        execution_context_class=PlannedExecutionContext if planned else None,
        known=KnownDocuments(gate) if planned else None,
        extensions=[
            RefuseLoneSurrogates,
            # Subscriptions only over a websocket (schema/notify/sockets.py).
            SocketOperations,
            # Depth, token and alias limits, each with its code (schema/query_limits.py, docs/operations.md).
            # TokenLimit must come before ParserCache: both work in the parse hook, and it must not parse first.
            TokenLimit,
            ShapeLimits,
            MaskUnexpectedErrors,
            lambda: FieldGateExtension(gate),
            # Clients send the same few documents again and again; parsing and validating each one anew cost
            # 5-7 ms per request in bench/queue.py.
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
        ],
    )
    convert_inputs_by_table(schema)
    return schema
