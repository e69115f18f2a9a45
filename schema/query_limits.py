"""Limits on the shape of a GraphQL document: nesting depth, tokens and aliases (docs/operations.md).

strawberry's own limiters (QueryDepthLimiter, MaxTokensLimiter, MaxAliasesLimiter) answer without
`extensions.code`, and the depth limiter reports once per field past the limit, so a deep selection of two
fields printed the same message twice. These answer once per document (depth: once per operation), in words
that name the limit, with a code clients can switch on. The counting is the same as strawberry's: depth
counts the levels of fields with a selection below the root fields and skips introspection (`__schema`...),
which the token limit covers; tokens are graphql-core's lexical tokens (names, values, punctuation; comments and
commas are not tokens).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    TokenKind,
    ValidationContext,
    ValidationRule,
)
from graphql.error import GraphQLSyntaxError
from graphql.language import Lexer
from strawberry.extensions import AddValidationRules, SchemaExtension

MAX_DEPTH = 10
MAX_TOKENS = 2000
MAX_ALIASES = 30

QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"

Fragments = dict[str, FragmentDefinitionNode]


def _fragments(document: DocumentNode) -> Fragments:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _depth(selections: SelectionSetNode, fragments: Fragments, seen: frozenset[str]) -> int:
    """Levels of fields with a selection below this selection set; fragments are followed once per path."""
    deepest = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            skip = selection.name.value.startswith("__") or selection.selection_set is None
            depth = 0 if skip else 1 + _depth(selection.selection_set, fragments, seen)  # type: ignore[arg-type]
        elif isinstance(selection, InlineFragmentNode):
            depth = _depth(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            depth = 0 if fragment is None or name in seen else _depth(fragment.selection_set, fragments, seen | {name})
        else:
            depth = 0
        deepest = max(deepest, depth)
    return deepest


def _aliases(selections: SelectionSetNode | None, fragments: Fragments, seen: frozenset[str]) -> int:
    """Aliased fields in this selection set and below, fragments included (each once per path)."""
    if selections is None:
        return 0
    count = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            count += (selection.alias is not None) + _aliases(selection.selection_set, fragments, seen)
        elif isinstance(selection, InlineFragmentNode):
            count += _aliases(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                count += _aliases(fragment.selection_set, fragments, seen | {name})
    return count


class DepthLimit(ValidationRule):
    """One QUERY_TOO_DEEP error per operation nested deeper than MAX_DEPTH."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        fragments = _fragments(context.document)
        for operation in context.document.definitions:
            if not isinstance(operation, OperationDefinitionNode):
                continue
            depth = _depth(operation.selection_set, fragments, frozenset())
            if depth > MAX_DEPTH:
                name = f"Operation '{operation.name.value}'" if operation.name else "The operation"
                message = f"{name} is nested {depth} levels deep; the maximum is {MAX_DEPTH}."
                context.report_error(GraphQLError(message, operation, extensions={"code": QUERY_TOO_DEEP}))


class AliasLimit(ValidationRule):
    """One TOO_MANY_ALIASES error when the document's operations use more than MAX_ALIASES aliases."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        fragments = _fragments(context.document)
        count = sum(
            _aliases(d.selection_set, fragments, frozenset())
            for d in context.document.definitions
            if isinstance(d, OperationDefinitionNode)
        )
        if count > MAX_ALIASES:
            message = f"The document uses {count} aliases; the maximum is {MAX_ALIASES}."
            context.report_error(GraphQLError(message, extensions={"code": TOO_MANY_ALIASES}))


class ShapeLimits(AddValidationRules):
    def __init__(self) -> None:
        super().__init__([DepthLimit, AliasLimit])


@lru_cache(maxsize=256)
def _over_token_limit(query: str) -> bool:
    """Whether the document has more than MAX_TOKENS lexical tokens (graphql-core's `max_lexical_tokens` count).
    Cached like the parsed documents: clients send the same few documents again and again."""
    lexer = Lexer(Source(query))
    count = 0
    try:
        while lexer.advance().kind is not TokenKind.EOF:
            count += 1
            if count > MAX_TOKENS:
                return True
    except GraphQLSyntaxError:
        return False  # the parser reports it, with its position
    return False


class TokenLimit(SchemaExtension):
    """TOO_MANY_TOKENS before the document is parsed. Listed before ParserCache, whose parse runs in the same
    hook; an error raised here answers the request as it is (not masked: it says nothing about the server)."""

    def on_parse(self) -> Iterator[None]:
        query = self.execution_context.query
        if query and _over_token_limit(query):
            raise GraphQLError(
                f"The document has more than {MAX_TOKENS} tokens (names, values and punctuation); "
                f"the maximum is {MAX_TOKENS}.",
                extensions={"code": TOO_MANY_TOKENS},
            )
        yield
