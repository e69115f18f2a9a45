"""Admin-editable settings with their defaults and the rules each value must meet."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from models.settings import Setting
from resolvers.actor import Actor, require_admin, require_staff
from resolvers.audit import changed, record
from resolvers.errors import Problems

# name -> (default, type, minimum, maximum); the only settings that exist.
DEFINITIONS: dict[str, tuple[Any, type, int | None, int | None]] = {
    "reopen_window_days": (7, int, 0, 365),
    "user_selectable_priority": (False, bool, None, None),
    "max_attachment_bytes": (25 * 1024 * 1024, int, 1, 1024 * 1024 * 1024),
    "guest_submission_enabled": (False, bool, None, None),
    "guest_link_days": (7, int, 1, 365),
    "sla_enabled": (False, bool, None, None),
    "self_registration_enabled": (True, bool, None, None),
}


def defaults() -> dict[str, Any]:
    return {name: spec[0] for name, spec in DEFINITIONS.items()}


async def get_settings() -> dict[str, Any]:
    """Every setting, stored value over default. One query."""
    values = defaults()
    for key, value in await Setting.filter(key__in=list(DEFINITIONS)).values_list("key", "value"):
        values[key] = value
    return values


async def get_setting(name: str) -> Any:
    row = await Setting.get_or_none(key=name).values_list("value", flat=True)
    return DEFINITIONS[name][0] if row is None else row


def field_name(name: str) -> str:
    """The camelCase name clients use for a setting: reopen_window_days -> reopenWindowDays."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


async def read_settings(actor: Actor | None) -> dict[str, Any]:
    """Staff and admins read every setting; requesters do not."""
    require_staff(actor)
    return await get_settings()


def _check(problems: Problems, name: str, value: Any) -> None:
    field = field_name(name)
    spec = DEFINITIONS.get(name)
    if spec is None:
        problems.add(field, f"{field} is not a setting.")
        return
    _, kind, low, high = spec
    number: int = value  # only compared once the type check below has passed
    # bool is a subclass of int in Python: compare the exact type so true is not 1.
    if type(value) is not kind:
        problems.add(field, f"{field} must be {'true or false' if kind is bool else 'a whole number'}.")
    elif (low is not None and number < low) or (high is not None and number > high):
        problems.add(field, f"{field} is {number}; it must be between {low} and {high}.")


async def update_settings(actor: Actor | None, changes: dict[str, Any]) -> dict[str, Any]:
    """Admins only. Each value must have its setting's type and lie within its bounds. All or nothing:
    one bad value changes no setting. One audit row holds the changed keys before and after."""
    actor = require_admin(actor)
    problems = Problems()
    for name, value in changes.items():
        _check(problems, name, value)
    problems.raise_if_any()
    async with in_transaction():
        current = await get_settings()
        before, after = changed(current, changes)
        for key, value in after.items():
            await Setting.update_or_create(key=key, defaults={"value": value})
        if after:
            await record(actor, "settings.updated", "settings", "settings", before=before, after=after)
    return {**current, **after}
