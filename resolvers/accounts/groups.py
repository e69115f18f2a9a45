"""Groups of staff and their scope: which tickets land in their members' queues (SPEC 1).

Members and scope are given as whole lists: a list replaces what was there, so an admin's screen can
send exactly what it shows. Every bad entry is reported at once, and nothing changes unless all are good.
Each list has a maximum length (docs/operations.md), checked before any entry is looked at.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.transactions import in_transaction

from core.enums import Role, StatusKind
from models.accounts import Group, GroupMember, GroupScope, User
from models.cti import Category, TicketType
from models.tickets import Ticket
from resolvers.kernel.actor import Actor, require_admin, require_staff
from resolvers.kernel.audit import changed, record
from resolvers.kernel.errors import Problems, Reason, conflict, not_found
from resolvers.kernel.rows import Row
from resolvers.kernel.unique_names import ensure_unique_name, unique_index_guard
from resolvers.kernel.validation import check_list_length, clean_text, parse_id, required_id

MAX_NAME_LENGTH = 100
# Far above any real help desk's group, far below PostgreSQL's 32,767 parameters per statement.
MAX_MEMBERS = 500
MAX_SCOPE_ENTRIES = 200

RawId = str | int | None
# A scope entry as the client sent it: (categoryId, typeId or None).
RawScopeEntry = tuple[RawId, RawId]
ScopeEntry = tuple[int, int | None]
_WHAT = "group"  # for "already used by another group"


async def list_groups(actor: Actor | None) -> list[Row]:
    """Staff and admins see every group, by name; requesters do not."""
    require_staff(actor)
    return list(await Group.all().order_by("name", "id").values("id", "name"))


def _id_list(ids: Sequence[int]) -> str:
    return ", ".join(str(i) for i in ids)


async def _clean_members(problems: Problems, raw_ids: Sequence[RawId], group_id: int | None = None) -> list[int]:
    """Existing staff or admin accounts, without repeats. A disabled account cannot be added; one that was already
    a member of group `group_id` when it was disabled may stay (the admin's screen sends the whole list back)."""
    if not check_list_length(problems, "memberIds", raw_ids, MAX_MEMBERS):
        return []
    ids: set[int] = set()
    for raw in raw_ids:
        parsed = parse_id(problems, "memberIds", raw)
        if parsed is not None:
            ids.add(parsed)
    rows = await User.filter(id__in=list(ids)).values("id", "role", "disabled")
    roles = {row["id"]: Role(row["role"]) for row in rows}
    unknown = sorted(i for i in ids if i not in roles)
    if unknown:
        problems.add("memberIds", f"memberIds names users that do not exist: {_id_list(unknown)}.", Reason.UNKNOWN_ID)
    requesters = sorted(i for i, role in roles.items() if role is Role.USER)
    if requesters:
        problems.add(
            "memberIds",
            f"memberIds must name staff or admin accounts; these are requester accounts: {_id_list(requesters)}.",
            Reason.NOT_STAFF,
        )
    disabled = {row["id"] for row in rows if row["disabled"] and roles[row["id"]] is not Role.USER}
    if disabled and group_id is not None:
        disabled -= set(
            await GroupMember.filter(group_id=group_id, user_id__in=list(disabled)).values_list("user_id", flat=True)
        )
    if disabled:
        problems.add(
            "memberIds",
            f"memberIds names disabled accounts: {_id_list(sorted(disabled))}; enable them before adding them to a "
            "group.",
            Reason.ACCOUNT_DISABLED,
        )
    return sorted(ids)


async def _clean_scope(problems: Problems, entries: Sequence[RawScopeEntry]) -> list[ScopeEntry]:
    """Existing categories, and types that belong to the category of their entry; without repeats."""
    if not check_list_length(problems, "scope", entries, MAX_SCOPE_ENTRIES):
        return []
    parsed: list[tuple[int, int | None, int | None]] = []
    for index, (raw_category, raw_type) in enumerate(entries):
        category_id = required_id(problems, f"scope[{index}].categoryId", raw_category)
        parsed.append((index, category_id, parse_id(problems, f"scope[{index}].typeId", raw_type)))
    category_ids = {c for _, c, _ in parsed if c is not None}
    type_ids = {t for _, _, t in parsed if t is not None}
    categories = set(await Category.filter(id__in=list(category_ids)).values_list("id", flat=True))
    type_category = dict(await TicketType.filter(id__in=list(type_ids)).values_list("id", "category_id"))
    cleaned: set[ScopeEntry] = set()
    for index, category_id, type_id in parsed:
        if category_id is None:
            continue
        if category_id not in categories:
            field = f"scope[{index}].categoryId"
            problems.add(field, f"{field}: category {category_id} was not found.", Reason.UNKNOWN_ID)
            continue
        if type_id is not None and type_id not in type_category:
            field = f"scope[{index}].typeId"
            problems.add(field, f"{field}: type {type_id} was not found.", Reason.UNKNOWN_ID)
            continue
        if type_id is not None and type_category[type_id] != category_id:
            problems.add(
                f"scope[{index}].typeId",
                f"scope[{index}].typeId: type {type_id} does not belong to category {category_id}; "
                f"a scope entry's type must belong to its category.",
                Reason.NOT_IN_CATEGORY,
            )
            continue
        cleaned.add((category_id, type_id))
    return sorted(cleaned, key=_scope_order)


async def _snapshot(group: Group) -> dict[str, Any]:
    """The group as the audit log records it."""
    members = await GroupMember.filter(group_id=group.id).order_by("user_id").values_list("user_id", flat=True)
    scope = await GroupScope.filter(group_id=group.id).values_list("category_id", "type_id")
    return {"name": group.name, "member_ids": list(members), "scope": _scope_values(scope)}


def _scope_values(entries: Sequence[ScopeEntry]) -> list[dict[str, int | None]]:
    return [{"category_id": c, "type_id": t} for c, t in sorted(entries, key=_scope_order)]


def _scope_order(entry: ScopeEntry) -> tuple[int, int]:
    return entry[0], entry[1] or 0


async def _replace_members(group_id: int, member_ids: list[int]) -> None:
    await GroupMember.filter(group_id=group_id).delete()
    await GroupMember.bulk_create([GroupMember(group_id=group_id, user_id=u) for u in member_ids])


async def _replace_scope(group_id: int, scope: list[ScopeEntry]) -> None:
    await GroupScope.filter(group_id=group_id).delete()
    await GroupScope.bulk_create([GroupScope(group_id=group_id, category_id=c, type_id=t) for c, t in scope])


async def create_group(
    actor: Actor | None,
    *,
    name: str,
    member_ids: Sequence[RawId] = (),
    scope: Sequence[RawScopeEntry] = (),
) -> Row:
    """Admins only. Name 1..100 characters, unique ignoring case; members are staff or admins; each scope
    entry names an existing category and optionally one of its types."""
    actor = require_admin(actor)
    problems = Problems()
    clean_name = clean_text(problems, "name", name, max_length=MAX_NAME_LENGTH)
    members = await _clean_members(problems, member_ids)
    entries = await _clean_scope(problems, scope)
    problems.raise_if_any()
    with unique_index_guard(clean_name, _WHAT):
        async with in_transaction():
            await ensure_unique_name(Group.all(), clean_name, _WHAT)
            group = await Group.create(name=clean_name)
            await _replace_members(group.id, members)
            await _replace_scope(group.id, entries)
            await record(actor, "group.created", "group", group.id, after=await _snapshot(group))
    return {"id": group.id, "name": group.name}


async def update_group(
    actor: Actor | None,
    *,
    group_id: RawId,
    name: str | None = None,
    member_ids: Sequence[RawId] | None = None,
    scope: Sequence[RawScopeEntry] | None = None,
) -> Row:
    """Admins only. A given member or scope list replaces the old one entirely; omitted ones stay."""
    actor = require_admin(actor)
    problems = Problems()
    key = required_id(problems, "groupId", group_id)
    clean_name = clean_text(problems, "name", name, max_length=MAX_NAME_LENGTH) if name is not None else None
    members = await _clean_members(problems, member_ids, key) if member_ids is not None else None
    entries = await _clean_scope(problems, scope) if scope is not None else None
    problems.raise_if_any()
    with unique_index_guard(clean_name or "", _WHAT):
        async with in_transaction():
            group = await Group.get_or_none(id=key)
            if group is None:
                raise not_found("Group", "groupId", Reason.GROUP_NOT_FOUND)
            before = await _snapshot(group)
            if clean_name is not None and clean_name != group.name:
                await ensure_unique_name(Group.all(), clean_name, _WHAT, other_than=group.id)
                group.name = clean_name
                await group.save(update_fields=["name"])
            if members is not None and members != before["member_ids"]:
                await _replace_members(group.id, members)
            if entries is not None and _scope_values(entries) != before["scope"]:
                await _replace_scope(group.id, entries)
            old, new = changed(before, await _snapshot(group))
            if new:
                await record(actor, "group.updated", "group", group.id, before=old, after=new)
    return {"id": group.id, "name": group.name}


async def delete_group(actor: Actor | None, *, group_id: RawId) -> int:
    """Admins only. Refused while open tickets (any status but CLOSED) are assigned to the group, so no
    live work loses its owner; closed tickets simply stop naming the group."""
    actor = require_admin(actor)
    problems = Problems()
    key = required_id(problems, "groupId", group_id)
    problems.raise_if_any()
    async with in_transaction():
        group = await Group.get_or_none(id=key)
        if group is None:
            raise not_found("Group", "groupId", Reason.GROUP_NOT_FOUND)
        open_tickets = await Ticket.filter(assigned_group_id=group.id).exclude(status__kind=StatusKind.CLOSED).count()
        if open_tickets:
            tickets = "1 open ticket is" if open_tickets == 1 else f"{open_tickets} open tickets are"
            raise conflict(
                f'Group "{group.name}" cannot be deleted while {tickets} assigned to it; reassign them first.',
                Reason.IN_USE,
                "groupId",
            )
        before = await _snapshot(group)
        deleted_id: int = group.id
        await group.delete()
        await record(actor, "group.deleted", "group", deleted_id, before=before)
    return deleted_id
