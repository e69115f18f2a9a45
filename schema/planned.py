"""Planned execution (issue 8 point 3): a root field's result shaped into the response by a plan made once per
validated document, with graphql-core's standard execution as the fallback (docs/performance.md).

Standard execution resolves and completes every field of every object through graphql-core and strawberry: a
resolve-info object, argument conversion and several calls per field, ~1,500 of them for a queue page. Once the
root field's resolver has read its rows (looking ahead, schema/lookahead.py), the rest is synchronous work over
plain objects, so a plan can do it directly: per object type, the fields to produce in response order, each with
how to read it (an attribute, or the strawberry resolver function called as it is, with an Info holding only the
context) and how to complete it (the type's own `coerce_output_value` for leaves, lists, objects).

A plan covers only what it can do exactly as standard execution would. It is not made for a selection with any
directive (`@skip`, `@include`, `@defer`...: their outcome depends on variables), abstract types, async resolvers,
field extensions or permission classes, non-scalar arguments, or fragment variables. While running, it gives up
on anything unusual: a resolver that raises or returns an awaitable (a value that was not read ahead), a null in
a non-null position, a value that does not serialize. Then graphql-core completes the same result from the start
instead: field resolvers over read-ahead rows are pure functions, so running them again gives the same values and
the same errors, which standard execution locates and masks as always. tests/test_planned_execution.py runs
documents both ways across the role matrix and compares data and errors.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLID,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLString,
    get_named_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.values import get_argument_values
from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

_CACHE_SIZE = 512
# How often a plan ran to the end, and how often it handed a result back to standard execution (bench/perf.py).
counts = {"planned": 0, "fallback": 0}


class _Bail(Exception):
    """The plan does not cover this value: standard execution completes the result."""


_BAIL = _Bail()
Complete = Callable[[Any, "_Run"], Any]


class _Info:
    """What a planned resolver gets as `info`: the request's context and nothing else (anything more fails, and
    the field is completed by standard execution)."""

    __slots__ = ("context",)

    def __init__(self, context: Any) -> None:
        self.context = context


class _Run:
    """One use of a plan: the executor (variables) and the arguments of each field, computed once."""

    __slots__ = ("arguments", "executor", "info")

    def __init__(self, executor: Any) -> None:
        self.executor = executor
        self.info = _Info(executor.context_value)
        self.arguments: dict[int, dict[str, Any]] = {}


class _Field:
    __slots__ = ("complete", "field_def", "func", "key", "names", "node", "python_name", "wants_info")

    def __init__(self, key: str, node: FieldNode, field_def: GraphQLField | None, definition: Any) -> None:
        self.key, self.node, self.field_def = key, node, field_def
        self.python_name: str | None = None
        self.func: Callable[..., Any] | None = None
        self.wants_info = False
        self.names: dict[str, str] = {}  # GraphQL argument name -> Python parameter name
        self.complete: Complete = _identity
        if definition is not None and definition.is_basic_field:
            self.python_name = definition.python_name
        elif definition is not None:
            resolver = definition.base_resolver
            self.func = resolver.wrapped_func
            self.wants_info = resolver.info_parameter is not None

    def value(self, source: Any, run: _Run) -> Any:
        if self.python_name is not None:
            return getattr(source, self.python_name)
        assert self.func is not None
        kwargs = run.arguments.get(id(self))
        if kwargs is None:
            kwargs = self._arguments(run)
        result = self.func(source, **kwargs)
        awaitable = _AWAITABLE.get(type(result))
        if awaitable is None:
            awaitable = _awaitable_type(result)
        if awaitable:
            if inspect.iscoroutine(result):
                result.close()  # never started: standard execution calls the resolver again
            raise _BAIL
        return result

    def _arguments(self, run: _Run) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"info": run.info} if self.wants_info else {}
        if self.names:
            assert self.field_def is not None
            executor = run.executor
            values = get_argument_values(self.field_def, self.node, executor.variable_values, None,
                                         executor.hide_suggestions)  # fmt: skip
            kwargs.update((self.names[name], value) for name, value in values.items())
        run.arguments[id(self)] = kwargs
        return kwargs


# Whether values of a type are awaitable, learnt per type (inspect.isawaitable on every field cost more than the
# rest of the field). Generators are left out: a generator-based coroutine is awaitable per object, not per type.
_AWAITABLE: dict[type, bool] = {}


def _awaitable_type(value: Any) -> bool:
    awaitable = inspect.isawaitable(value)
    if not inspect.isgenerator(value):
        _AWAITABLE[type(value)] = awaitable
    return awaitable


def _identity(value: Any, run: _Run) -> Any:
    return value


class _Object:
    __slots__ = ("fields", "is_type_of")

    def __init__(self, object_type: GraphQLObjectType) -> None:
        self.is_type_of = object_type.is_type_of
        self.fields: list[_Field] = []

    def __call__(self, source: Any, run: _Run) -> Any:
        if source is None:
            return None
        if self.is_type_of is not None and not self.is_type_of(source, None):  # type: ignore[arg-type]
            raise _BAIL
        result: dict[str, Any] = {}
        for field in self.fields:
            result[field.key] = field.complete(field.value(source, run), run)
        return result


def _has_directives(selection_set: SelectionSetNode | None, fragments: dict[str, Any], seen: set[str]) -> bool:
    for selection in selection_set.selections if selection_set else ():
        if selection.directives:
            return True
        if isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name not in seen:
                seen.add(name)
                details = fragments.get(name)
                if details is None or _has_directives(details.definition.selection_set, fragments, seen):
                    return True
        elif isinstance(selection, InlineFragmentNode | FieldNode) and _has_directives(
            selection.selection_set, fragments, seen
        ):
            return True
    return False


class _Unplannable(Exception):
    pass


def _completer(executor: Any, return_type: GraphQLOutputType, details: Any) -> Complete:
    if is_non_null_type(return_type):
        assert isinstance(return_type, GraphQLNonNull)
        inner = _completer(executor, return_type.of_type, details)

        def non_null(value: Any, run: _Run) -> Any:
            if value is None:
                raise _BAIL
            completed = inner(value, run)
            if completed is None:
                raise _BAIL
            return completed

        return non_null
    if is_list_type(return_type):
        assert isinstance(return_type, GraphQLList)
        item = _completer(executor, return_type.of_type, details)

        def each(value: Any, run: _Run) -> Any:
            if value is None:
                return None
            if not isinstance(value, list | tuple):
                raise _BAIL
            return [item(v, run) for v in value]

        return each
    if is_leaf_type(return_type):
        assert isinstance(return_type, GraphQLLeafType)
        coerce = return_type.coerce_output_value
        # String and ID answer a str with itself (their coerce_output_value does exactly that first).
        plain = str if return_type is GraphQLString or return_type is GraphQLID else None

        def leaf(value: Any, run: _Run) -> Any:
            if value is None:
                return None
            if type(value) is plain:
                return value
            try:
                coerced = coerce(value)
            except Exception:
                raise _BAIL from None
            if coerced is None or coerced is Undefined:
                raise _BAIL
            return coerced

        return leaf
    if is_object_type(return_type):
        assert isinstance(return_type, GraphQLObjectType)
        return _object_plan(executor, return_type, details)
    raise _Unplannable  # interfaces and unions


def _object_plan(executor: Any, object_type: GraphQLObjectType, details: Any) -> _Object:
    grouped, new_defer_usages, *_ = executor.collect_subfields(object_type, details)
    if new_defer_usages:
        raise _Unplannable
    plan = _Object(object_type)
    for key, field_details in grouped.items():
        node = field_details[0].node
        if any(d.fragment_variable_values is not None for d in field_details):
            raise _Unplannable
        name = node.name.value
        if name == "__typename":
            plan.fields.append(_TypeName(key, object_type.name))
            continue
        field_def = executor.schema.get_field(object_type, name)
        if field_def is None:
            continue  # execute_field leaves such a key out
        definition = field_def.extensions.get("strawberry-definition")
        if not isinstance(definition, StrawberryField) or definition.extensions or definition.permission_classes:
            raise _Unplannable
        field = _Field(key, node, field_def, definition)
        if not definition.is_basic_field:
            resolver = definition.base_resolver
            if resolver is None or definition.is_async or resolver.root_parameter or resolver.parent_parameter:
                raise _Unplannable
            converter = executor.schema._strawberry_schema.config.name_converter
            for argument in definition.arguments:
                graphql_name = converter.get_graphql_name(argument)
                argument_def = field_def.args.get(graphql_name)
                if argument_def is None or not isinstance(get_named_type(argument_def.type), GraphQLScalarType):
                    raise _Unplannable
                if is_list_type(argument_def.type) or is_list_type(getattr(argument_def.type, "of_type", None)):
                    raise _Unplannable
                field.names[graphql_name] = argument.python_name
        field.complete = _completer(executor, field_def.type, field_details)
        plan.fields.append(field)
    return plan


class _TypeName(_Field):
    """`__typename`: the object type's name, whatever the source."""

    __slots__ = ("name",)

    def __init__(self, key: str, name: str) -> None:
        self.key, self.name, self.complete = key, name, _identity
        self.python_name, self.func = None, None

    def value(self, source: Any, run: _Run) -> Any:
        return self.name


_plans: dict[tuple[Any, ...], tuple[Any, Complete | None]] = {}


def plan_for(executor: Any, return_type: GraphQLOutputType, details: Any) -> Complete | None:
    """The plan completing this root field's result, made on first use and kept per document (its nodes); None
    when the selection is not one a plan covers."""
    nodes = tuple(d.node for d in details)
    key = (return_type, *(id(n) for n in nodes))
    cached = _plans.get(key)
    if cached is not None:
        return cached[1]
    plan: Complete | None
    try:
        fragments = executor.fragments
        if any(d.fragment_variable_values is not None for d in details) or any(
            _has_directives(n.selection_set, fragments, set()) for n in nodes
        ):
            raise _Unplannable
        plan = _completer(executor, return_type, details)
    except _Unplannable:
        plan = None
    if len(_plans) >= _CACHE_SIZE:
        del _plans[next(iter(_plans))]
    _plans[key] = (nodes, plan)  # the nodes stay alive with the entry, so their ids are not reused
    return plan


class PlannedExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, completing each root field's result with its plan when there is one."""

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        # A field middleware (an extension with a `resolve` hook) must see every field: no plan then.
        middleware = self.middleware_manager
        if path.prev is None and not (middleware and middleware.middlewares) and not isinstance(result, Exception):
            plan = plan_for(self, return_type, field_details_list)
            if plan is not None:
                try:
                    completed = plan(result, _Run(self))
                except Exception:  # _Bail, or a resolver's error: standard execution reports it where it belongs
                    counts["fallback"] += 1
                else:
                    counts["planned"] += 1
                    return completed
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)
