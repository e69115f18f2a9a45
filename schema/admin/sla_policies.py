"""SLA policies: the admin's list and createSlaPolicy / updateSlaPolicy / deleteSlaPolicy."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from core.enums import Priority as StoredPriority
from resolvers.admin import sla_policies as rules
from resolvers.kernel.validation import KEEP
from schema.admin.cti import Category
from schema.context import Info
from schema.enums import Priority, to_graphql
from schema.errors import INPUT, UserError, mutate, query
from schema.lookahead import later

_NAME = "Display name: trimmed, 1..100 characters, unique (ignoring case)."
_PRIORITY = "The priority it is for; null: any priority."
_CATEGORY = "The category it is for; null: any category."
_RESPONSE = "Minutes from filing to the first public staff reply, 1..525600; paused time does not count."
_RESOLUTION = "Minutes from filing to Resolved, 1..525600; paused time does not count."
_ERRORS = "Why the change was refused; empty on success."


@strawberry.type(
    description="Targets a ticket gets when it is filed: the most specific policy for its priority and category "
    "(both, priority, category, then the default with neither). Tickets keep the targets they were given."
)
class SlaPolicy:
    id: strawberry.ID = strawberry.field(description="Policy ID.")
    name: str = strawberry.field(description="Display name.")
    priority: Priority | None = strawberry.field(description=_PRIORITY)
    first_response_minutes: int = strawberry.field(description=_RESPONSE)
    resolution_minutes: int = strawberry.field(description=_RESOLUTION)
    _category_id: strawberry.Private[int | None]

    @strawberry.field(description=_CATEGORY)
    def category(self, info: Info) -> Category | None:
        if self._category_id is None:
            return None
        return later(self._category(info, self._category_id))

    @staticmethod
    async def _category(info: Info, category_id: int) -> Category | None:
        row = await info.context.loaders.category_by_id.load(category_id)
        return Category.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SlaPolicy:
        priority = row["priority"]
        return cls(
            id=strawberry.ID(str(row["id"])),
            name=row["name"],
            priority=to_graphql(Priority, priority) if priority is not None else None,  # type: ignore[arg-type]
            first_response_minutes=row["first_response_minutes"],
            resolution_minutes=row["resolution_minutes"],
            _category_id=row["category_id"],
        )


@strawberry.input(description="A new SLA policy.")
class CreateSlaPolicyInput:
    name: str = strawberry.field(description=_NAME)
    priority: Priority | None = strawberry.field(default=None, description=_PRIORITY)
    category_id: strawberry.ID | None = strawberry.field(default=None, description=_CATEGORY)
    first_response_minutes: int = strawberry.field(description=_RESPONSE)
    resolution_minutes: int = strawberry.field(description=_RESOLUTION)


@strawberry.input(description="Changes to an SLA policy; fields left out stay as they are.")
class UpdateSlaPolicyInput:
    policy_id: strawberry.ID = strawberry.field(description="The policy to change.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description=_NAME)
    priority: Priority | None = strawberry.field(default=strawberry.UNSET, description=_PRIORITY)
    category_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description=_CATEGORY)
    first_response_minutes: int | None = strawberry.field(default=strawberry.UNSET, description=_RESPONSE)
    resolution_minutes: int | None = strawberry.field(default=strawberry.UNSET, description=_RESOLUTION)


@strawberry.input(description="The SLA policy to delete.")
class DeleteSlaPolicyInput:
    policy_id: strawberry.ID = strawberry.field(description="The policy to delete.")


@strawberry.type
class _PolicyResult:
    policy: SlaPolicy | None = strawberry.field(description="The policy as saved; null when refused.")
    errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="The result of createSlaPolicy.")
class CreateSlaPolicyPayload(_PolicyResult):
    pass


@strawberry.type(description="The result of updateSlaPolicy.")
class UpdateSlaPolicyPayload(_PolicyResult):
    pass


@strawberry.type(description="The result of deleteSlaPolicy.")
class DeleteSlaPolicyPayload:
    deleted_id: strawberry.ID | None = strawberry.field(description="The ID that was deleted; null when refused.")
    errors: list[UserError] = strawberry.field(description=_ERRORS)


def _given(value: Any, convert: Any = None) -> Any:
    """UNSET -> KEEP; null stays null (clearing); otherwise the converted value."""
    if value is strawberry.UNSET:
        return KEEP
    if value is None or convert is None:
        return value
    return convert(value)


def _priority(value: Priority) -> StoredPriority:
    return StoredPriority[value.name]


def _policy_input(input: CreateSlaPolicyInput | UpdateSlaPolicyInput) -> rules.PolicyInput:
    # A null where a value is required (name, targets) is left for the rules to refuse as missing.
    return rules.PolicyInput(
        name=_given(input.name) if input.name is not None else "",
        priority=_given(input.priority, _priority),
        category_id=_given(input.category_id, str),
        first_response_minutes=_given(input.first_response_minutes),
        resolution_minutes=_given(input.resolution_minutes),
    )


def _policy(row: dict[str, Any] | None) -> SlaPolicy | None:
    return SlaPolicy.from_row(row) if row else None


@strawberry.type
class Query:
    @strawberry.field(description="Every SLA policy, the default first, then by specificity and name. Admins only.")
    async def sla_policies(self, info: Info) -> list[SlaPolicy]:
        return [SlaPolicy.from_row(r) for r in await query(info, rules.list_policies)]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add an SLA policy (at most one per priority and category pair). Admins only.")
    async def create_sla_policy(
        self, info: Info, input: Annotated[CreateSlaPolicyInput, INPUT]
    ) -> CreateSlaPolicyPayload:
        data = _policy_input(input)
        row, errors = await mutate(info, lambda actor: rules.create_policy(actor, data))
        return CreateSlaPolicyPayload(policy=_policy(row), errors=errors)

    @strawberry.mutation(description="Change an SLA policy; tickets filed under it keep their targets. Admins only.")
    async def update_sla_policy(
        self, info: Info, input: Annotated[UpdateSlaPolicyInput, INPUT]
    ) -> UpdateSlaPolicyPayload:
        data = _policy_input(input)
        row, errors = await mutate(info, lambda actor: rules.update_policy(actor, str(input.policy_id), data))
        return UpdateSlaPolicyPayload(policy=_policy(row), errors=errors)

    @strawberry.mutation(
        description="Delete an SLA policy: later tickets no longer get it; tickets filed under it keep their "
        "deadlines. Admins only."
    )
    async def delete_sla_policy(
        self, info: Info, input: Annotated[DeleteSlaPolicyInput, INPUT]
    ) -> DeleteSlaPolicyPayload:
        deleted, errors = await mutate(info, lambda actor: rules.delete_policy(actor, str(input.policy_id)))
        return DeleteSlaPolicyPayload(deleted_id=strawberry.ID(str(deleted)) if deleted else None, errors=errors)
