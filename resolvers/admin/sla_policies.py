"""SLA policies (SPEC 9): admins keep the targets that tickets get when they are filed.

A policy names an optional priority and an optional category; the pair decides which tickets it is for, so there
is at most one policy per pair, the default (neither) included (`match_key`, unique in the database too). Targets
are whole minutes. A ticket keeps the targets it was given (resolvers/tickets/sla.py): editing or deleting a
policy changes what later tickets get, never a promise already made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.enums import Priority
from models.cti import Category
from models.sla import SlaPolicy
from resolvers.kernel.actor import Actor, require_admin
from resolvers.kernel.audit import changed, record
from resolvers.kernel.errors import DomainError, Problems, Reason, conflict
from resolvers.kernel.rows import Row, as_row
from resolvers.kernel.unique_names import ensure_unique_name, name_taken
from resolvers.kernel.validation import KEEP, _Keep, clean_text, existing, parse_id

NAME_MAX = 100
# A year: any longer target is a typo, and minutes past it would not fit the arithmetic people expect.
MAX_MINUTES = 525_600
COLUMNS = ("id", "name", "priority", "category_id", "first_response_minutes", "resolution_minutes", "created_at")
_WHAT = "SLA policy"


@dataclass
class PolicyInput:
    """createSlaPolicy takes every field; updateSlaPolicy leaves KEEP fields as they are."""

    name: str | _Keep = KEEP
    priority: Priority | _Keep | None = KEEP
    category_id: str | _Keep | None = KEEP
    # None (null in an update) is refused: a policy always has both targets.
    first_response_minutes: int | _Keep | None = KEEP
    resolution_minutes: int | _Keep | None = KEEP


def match_key(priority: Priority | int | None, category_id: int | None) -> str:
    return f"{int(priority) if priority is not None else '-'}:{category_id if category_id is not None else '-'}"


def _covers(priority: Priority | int | None, category_id: int | None, category: str | None) -> str:
    if priority is None and category_id is None:
        return "the default policy (no priority, no category)"
    parts = [f"priority {Priority(priority).name}" if priority is not None else "", category or ""]
    return " and ".join(p for p in parts if p)


def _audit_values(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "name": policy.name,
        "priority": Priority(policy.priority).name if policy.priority is not None else None,
        "category_id": policy.category_id,
        "first_response_minutes": policy.first_response_minutes,
        "resolution_minutes": policy.resolution_minutes,
    }


async def list_policies(actor: Actor | None) -> list[Row]:
    """Admins only (the targets are configuration, like statuses' admin side), most general first."""
    require_admin(actor)
    rows = await SlaPolicy.all().values(*COLUMNS)
    return sorted(rows, key=lambda r: (r["priority"] is not None, r["category_id"] is not None, r["name"].lower()))


def _minutes(problems: Problems, field: str, value: int | _Keep | None) -> None:
    if value is None:
        problems.add(field, f"{field} is required: a policy always has both targets.", Reason.REQUIRED)
    elif not isinstance(value, _Keep) and not 1 <= value <= MAX_MINUTES:
        problems.add(field, f"{field} is {value}; it must be between 1 and {MAX_MINUTES} minutes.", Reason.OUT_OF_RANGE)


async def _apply(problems: Problems, policy: SlaPolicy, data: PolicyInput) -> None:
    """Check every given field (all problems at once) and set it on the instance."""
    if not isinstance(data.name, _Keep):
        policy.name = clean_text(problems, "name", data.name, max_length=NAME_MAX)
    if not isinstance(data.priority, _Keep):
        policy.priority = data.priority  # type: ignore[assignment]
    if not isinstance(data.category_id, _Keep):
        category_id = parse_id(problems, "categoryId", data.category_id)
        if category_id is not None and not await Category.exists(id=category_id):
            problems.add("categoryId", f"Category {category_id} does not exist.", Reason.UNKNOWN_ID)
        policy.category_id = category_id
    _minutes(problems, "firstResponseMinutes", data.first_response_minutes)
    _minutes(problems, "resolutionMinutes", data.resolution_minutes)
    problems.raise_if_any()
    if isinstance(data.first_response_minutes, int):
        policy.first_response_minutes = data.first_response_minutes
    if isinstance(data.resolution_minutes, int):
        policy.resolution_minutes = data.resolution_minutes


async def _check_unique(policy: SlaPolicy) -> None:
    """NAME_TAKEN (ignoring case) and SLA_POLICY_EXISTS for another policy of the same pair."""
    others = SlaPolicy.all() if policy.id is None else SlaPolicy.exclude(id=policy.id)
    await ensure_unique_name(others, policy.name, _WHAT)
    policy.match_key = match_key(policy.priority, policy.category_id)
    if await others.filter(match_key=policy.match_key).exists():
        raise await _pair_taken(policy)


async def _pair_taken(policy: SlaPolicy) -> DomainError:
    names: list[Any] = await Category.filter(id=policy.category_id).values_list("name", flat=True)
    covers = _covers(policy.priority, policy.category_id, f'category "{names[0]}"' if names else None)
    field = "categoryId" if policy.category_id is not None else "priority"
    return conflict(
        f"Another SLA policy already covers {covers}; change that one instead.", Reason.SLA_POLICY_EXISTS, field
    )


async def _clash(policy: SlaPolicy) -> DomainError:
    """After a unique index refused a save (a concurrent writer slipped between the check and the write; the
    transaction has rolled back): the same refusal the checks give."""
    if await SlaPolicy.exclude(id=policy.id or 0).filter(name=policy.name).exists():
        return name_taken(policy.name, _WHAT)
    return await _pair_taken(policy)


async def create_policy(actor: Actor | None, data: PolicyInput) -> Row:
    """Admins only. Name 1..100 characters, unique ignoring case; targets 1..525600 minutes; one per pair."""
    actor = require_admin(actor)
    problems = Problems()
    for field, value in (("name", data.name), ("firstResponseMinutes", data.first_response_minutes),
                         ("resolutionMinutes", data.resolution_minutes)):  # fmt: skip
        if isinstance(value, _Keep):
            problems.add(field, f"{field} is required.", Reason.REQUIRED)
    policy = SlaPolicy(priority=None, category_id=None)
    await _apply(problems, policy, data)
    try:
        async with in_transaction():
            await _check_unique(policy)
            await policy.save()
            await record(actor, "sla_policy.created", "sla_policy", policy.id, after=_audit_values(policy))
    except IntegrityError:
        policy.id = None  # type: ignore[assignment]
        raise await _clash(policy) from None
    return as_row(policy, COLUMNS)


async def _policy(raw_id: str | None) -> SlaPolicy:
    return await existing(SlaPolicy, "policyId", raw_id, "SLA policy", Reason.SLA_POLICY_NOT_FOUND)


async def update_policy(actor: Actor | None, raw_id: str | None, data: PolicyInput) -> Row:
    """Admins only; the same rules as create. Tickets filed earlier keep the targets they were given."""
    actor = require_admin(actor)
    policy = await _policy(raw_id)
    try:
        async with in_transaction():
            before = _audit_values(policy)
            await _apply(Problems(), policy, data)
            await _check_unique(policy)
            old, new = changed(before, _audit_values(policy))
            if new:
                await policy.save(update_fields=[*new, "match_key"])
                await record(actor, "sla_policy.updated", "sla_policy", policy.id, before=old, after=new)
    except IntegrityError:
        raise await _clash(policy) from None
    return as_row(policy, COLUMNS)


async def delete_policy(actor: Actor | None, raw_id: str | None) -> int:
    """Admins only. Later tickets no longer get it; tickets filed under it keep their deadlines and clocks (their
    `sla.policy` becomes null)."""
    actor = require_admin(actor)
    async with in_transaction():
        policy = await _policy(raw_id)
        deleted_id: int = policy.id
        await policy.delete()
        await record(actor, "sla_policy.deleted", "sla_policy", deleted_id, before=_audit_values(policy))
    return deleted_id
