"""The gate for people without an account: an operation that asks for a field outside their allow-list is
refused whole, before it runs (the lists and their reasons: resolvers/guests/fields.py).

Why per operation and not per field: a check inside every field resolver (or a strawberry `resolve` hook)
costs a call per field of every response, staff queues included (issue 8 measured ~1,500 field completions
for one queue page), and can be forgotten on a new field. Here the operation's selection is walked once,
fragments and inline fragments included, against the GraphQL types graphql-core validated it with, and the
verdict is cached per (document, operation name, audience). People with an account never reach the walk.

The verdict ignores `@skip` / `@include` and variables: a field outside the list is refused even when a variable
would have skipped it, which keeps the verdict a function of the document alone (so it can be cached).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from resolvers.guests.fields import Audience, allows, audience_of, field_refusal, is_own_account_root
from schema.errors import top_level_error

_INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
_CACHE_SIZE = 1024

_Parent = GraphQLObjectType | GraphQLInterfaceType


class Refusal(Exception):
    """The first field of an operation that its audience may not ask for."""

    def __init__(self, parent: _Parent, node: FieldNode, *, root: bool) -> None:
        super().__init__(f"{parent.name}.{node.name.value}")
        self.parent = parent
        self.node = node
        self.root = root


def first_refusal(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, audience: Audience
) -> Refusal | None:
    """The first field (depth first, in document order) of the operation outside the audience's allow-list."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None  # no such operation: execution reports it and runs nothing
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None  # validation already refused an operation type the schema lacks
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    walk = _Walk(schema, fragments, audience, root)
    try:
        walk.selections(root, operation.selection_set)
    except Refusal as refusal:
        refusal.__traceback__ = None  # kept in the cache: keep the walk's frames out of it
        return refusal
    return None


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        audience: Audience,
        root: GraphQLObjectType,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.audience = audience
        self.root = root
        # A fragment's fields are looked up on its own type condition, so one visit decides it wherever it is spread.
        self.seen_fragments: set[str] = set()

    def selections(self, parent: _Parent, selection_set: SelectionSetNode) -> None:
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                self.field(parent, node)
            elif isinstance(node, InlineFragmentNode):
                self.selections(self._condition(parent, node), node.selection_set)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                if name in self.seen_fragments or name not in self.fragments:
                    continue
                self.seen_fragments.add(name)
                fragment = self.fragments[name]
                self.selections(self._condition(parent, fragment), fragment.selection_set)

    def field(self, parent: _Parent, node: FieldNode) -> None:
        name = node.name.value
        at_root = parent is self.root
        if name == "__typename" or (at_root and name in _INTROSPECTION_ROOTS):
            return
        if not allows(self.audience, parent.name, name):
            raise Refusal(parent, node, root=at_root)
        if node.selection_set is None or (at_root and is_own_account_root(parent.name, name)):
            return
        child = get_named_type(parent.fields[name].type)
        # Unions have no fields of their own: their members come in through fragments with a type condition.
        self.selections(child, node.selection_set)

    def _condition(self, parent: _Parent, node: InlineFragmentNode | FragmentDefinitionNode) -> _Parent:
        if node.type_condition is None:
            return parent
        found = self.schema.get_type(node.type_condition.name.value)
        assert isinstance(found, GraphQLObjectType | GraphQLInterfaceType)  # validated: fragments on composites
        return found


def refusal_error(refusal: Refusal, audience: Audience) -> GraphQLError:
    """The top-level error for the refused field, as resolvers/guests/fields.py words it: FORBIDDEN
    (FIELD_NOT_ALLOWED), or UNAUTHENTICATED (SIGN_IN_REQUIRED) for an anonymous caller at a root field."""
    return top_level_error(
        field_refusal(audience, refusal.parent.name, refusal.node.name.value, root=refusal.root), [refusal.node]
    )


class FieldGate:
    """The verdicts of one schema, cached per (query text, operation name, audience). A refusal is cached as the
    field it names; each refused request gets a fresh error (errors are exceptions: they carry a traceback)."""

    def __init__(self) -> None:
        self._verdicts: dict[tuple[str, str | None, Audience], Refusal | None] = {}

    def check(
        self, schema: GraphQLSchema, document: DocumentNode, query: str | None, operation_name: str | None,
        audience: Audience,
    ) -> GraphQLError | None:  # fmt: skip
        if query is None:  # a document given without its text: nothing to key the cache by
            refusal = first_refusal(schema, document, operation_name, audience)
        else:
            key = (query, operation_name, audience)
            if key not in self._verdicts:
                if len(self._verdicts) >= _CACHE_SIZE:
                    del self._verdicts[next(iter(self._verdicts))]  # the oldest verdict
                self._verdicts[key] = first_refusal(schema, document, operation_name, audience)
            refusal = self._verdicts[key]
        return refusal_error(refusal, audience) if refusal else None


class FieldGateExtension(SchemaExtension):
    """Refuses, before execution, an operation of a guest or anonymous caller that asks for a field outside
    their allow-list. Raising here (rather than setting a result) also stops subscriptions, which strawberry
    starts without looking at a result set by an extension."""

    def __init__(self, gate: FieldGate) -> None:
        self.gate = gate

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        # No context (the schema executed outside a request) means nobody signed in: gated like anonymous.
        audience = audience_of(getattr(context.context, "actor", None))
        if audience is not None and context.graphql_document is not None:
            error = self.gate.check(
                context.schema._schema, context.graphql_document, context.query, context.operation_name, audience
            )
            if error is not None:
                raise error
        yield
