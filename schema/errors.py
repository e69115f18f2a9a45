"""Payload errors: how a DomainError reaches the client."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from enum import Enum
from typing import TypeVar, cast

import strawberry
from graphql import GraphQLError, Node

from resolvers.kernel.actor import Actor
from resolvers.kernel.errors import DomainError, Reason
from resolvers.kernel.errors import ErrorCode as DomainErrorCode
from resolvers.notify import outbox
from schema.context import Info

T = TypeVar("T")


@strawberry.enum(description="Why a mutation was refused.")
class ErrorCode(Enum):
    VALIDATION = strawberry.enum_value("VALIDATION", description="An input broke a rule; `field` names it.")
    FORBIDDEN = strawberry.enum_value("FORBIDDEN", description="You may not do this.")
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND", description="It does not exist, or you may not see it (the two look the same)."
    )
    CONFLICT = strawberry.enum_value("CONFLICT", description="The current state does not allow it.")
    UNAUTHENTICATED = strawberry.enum_value("UNAUTHENTICATED", description="Sign in first.")
    RATE_LIMITED = strawberry.enum_value("RATE_LIMITED", description="Too many attempts; try again later.")


def _reason_values() -> type[Enum]:
    """The domain's Reason as a GraphQL-ready enum: one source for names and descriptions
    (resolvers/kernel/errors.py)."""
    values = {
        r.name: strawberry.enum_value(r.value, description=f"{r.description} Code: {r.code.value}.") for r in Reason
    }
    return cast(type[Enum], Enum("ErrorReason", values))


ErrorReason = strawberry.enum(
    _reason_values(),
    description="The specific rule that refused a request: one value per refusal, each of one broad `code` "
    "(named after it). Clients switch on this, not on the message; docs/errors.md lists them all.",
)


# The one `input:` argument every mutation takes (DESIGN); its fields carry the details.
INPUT = strawberry.argument(description="What to do; the input type's fields say what each part means.")


@strawberry.type(description="An expected failure of a mutation: a reason for programs, a message for people.")
class UserError:
    code: ErrorCode = strawberry.field(description="The broad kind of failure; it follows from `reason`.")
    reason: ErrorReason = strawberry.field(  # type: ignore[valid-type]
        description="The specific rule that refused it: switch on this, not on the message."
    )
    field: str | None = strawberry.field(description="The input field at fault (camelCase), if one is.")
    message: str = strawberry.field(description="What went wrong and what the rule is, for people to read.")


def user_errors(error: DomainError) -> list[UserError]:
    return [
        UserError(code=ErrorCode[e.code.value], reason=ErrorReason[e.reason.name], field=e.field, message=e.message)
        for e in error.all
    ]


def top_level_error(error: DomainError, nodes: Sequence[Node] | None = None) -> GraphQLError:
    """A refusal answered as a top-level GraphQL error (UNAUTHENTICATED, a refused query, the surrogate guard, the
    guest gate): the message, and in `extensions` the broad code, the specific reason and the field (null when
    none), the same three a payload's UserError carries."""
    extensions = {"code": error.code.value, "reason": error.reason.value, "field": error.field}
    return GraphQLError(error.message, nodes=nodes, extensions=extensions)


async def mutate(info: Info, work: Callable[[Actor | None], Awaitable[T]]) -> tuple[T | None, list[UserError]]:
    """Run a domain call for the request's actor; refusals become payload errors.

    A missing or invalid token is the one refusal that is a top-level error (DESIGN: UNAUTHENTICATED).
    """
    actor = info.context.actor
    try:
        # Committed: what the change queued (emails, webhooks, events) starts on its way right away.
        result = await outbox.announcing(lambda: work(actor))
    except DomainError as error:
        if error.code is DomainErrorCode.UNAUTHENTICATED:
            raise top_level_error(error) from None
        return None, user_errors(error)
    return result, []


async def query(info: Info, work: Callable[[Actor | None], Awaitable[T]]) -> T:
    """Run a domain read; UNAUTHENTICATED becomes the top-level error, other refusals a GraphQL error."""
    try:
        return await work(info.context.actor)
    except DomainError as error:
        raise top_level_error(error) from None
