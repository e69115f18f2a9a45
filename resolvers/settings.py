"""Admin-editable settings with their defaults and the rules each value must meet."""

from __future__ import annotations

from typing import Any

from models.settings import Setting

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
