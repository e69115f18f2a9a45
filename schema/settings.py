"""Admin-editable settings, one typed field each."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import strawberry

from resolvers import settings as setting_rules
from resolvers.settings import DEFINITIONS
from schema.context import Info
from schema.errors import UserError, mutate, query


def _about(name: str, text: str) -> str:
    """The description plus the default and bounds, straight from the definitions so they never drift."""
    default, kind, low, high = DEFINITIONS[name]
    if kind is bool:
        return f"{text} Default {str(default).lower()}."
    return f"{text} Default {default}; {low}..{high}."


_ABOUT = {
    "reopen_window_days": _about(
        "reopen_window_days", "Days after resolution in which a requester's reply reopens the ticket; 0 disables it."
    ),
    "user_selectable_priority": _about(
        "user_selectable_priority", "Whether requesters may choose a priority when filing a ticket."
    ),
    "max_attachment_bytes": _about("max_attachment_bytes", "Largest accepted attachment, in bytes, per file."),
    "guest_submission_enabled": _about(
        "guest_submission_enabled", "Whether people without an account may file tickets (guest submission)."
    ),
    "guest_link_days": _about("guest_link_days", "Days a guest's emailed access link stays valid."),
    "sla_enabled": _about("sla_enabled", "Whether SLA policies apply and SLA data is shown."),
    "self_registration_enabled": _about(
        "self_registration_enabled", "Whether people may create their own requester accounts."
    ),
}


@strawberry.type(description="Every admin-editable setting, with its current value.")
class Settings:
    reopen_window_days: int = strawberry.field(description=_ABOUT["reopen_window_days"])
    user_selectable_priority: bool = strawberry.field(description=_ABOUT["user_selectable_priority"])
    max_attachment_bytes: int = strawberry.field(description=_ABOUT["max_attachment_bytes"])
    guest_submission_enabled: bool = strawberry.field(description=_ABOUT["guest_submission_enabled"])
    guest_link_days: int = strawberry.field(description=_ABOUT["guest_link_days"])
    sla_enabled: bool = strawberry.field(description=_ABOUT["sla_enabled"])
    self_registration_enabled: bool = strawberry.field(description=_ABOUT["self_registration_enabled"])

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> Settings:
        return cls(**{name: values[name] for name in DEFINITIONS})


@strawberry.input(description="New values for some settings; omitted ones stay. All are checked before any is saved.")
class UpdateSettingsInput:
    reopen_window_days: int | None = strawberry.field(default=None, description=_ABOUT["reopen_window_days"])
    user_selectable_priority: bool | None = strawberry.field(
        default=None, description=_ABOUT["user_selectable_priority"]
    )
    max_attachment_bytes: int | None = strawberry.field(default=None, description=_ABOUT["max_attachment_bytes"])
    guest_submission_enabled: bool | None = strawberry.field(
        default=None, description=_ABOUT["guest_submission_enabled"]
    )
    guest_link_days: int | None = strawberry.field(default=None, description=_ABOUT["guest_link_days"])
    sla_enabled: bool | None = strawberry.field(default=None, description=_ABOUT["sla_enabled"])
    self_registration_enabled: bool | None = strawberry.field(
        default=None, description=_ABOUT["self_registration_enabled"]
    )


@strawberry.type(description="The result of updateSettings.")
class UpdateSettingsPayload:
    settings: Settings | None = strawberry.field(description="Every setting after the change; null when refused.")
    errors: list[UserError] = strawberry.field(description="Why the change was refused; empty on success.")


def _given(input: UpdateSettingsInput) -> dict[str, Any]:
    """The settings the client sent (null means "leave it")."""
    return {name: getattr(input, name) for name in DEFINITIONS if getattr(input, name) is not None}


@strawberry.type
class Query:
    @strawberry.field(description="Every setting with its current value. Staff and admins only.")
    async def settings(self, info: Info) -> Settings:
        return Settings.from_values(await query(info, setting_rules.read_settings))


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Change settings, all or nothing, with one audit entry. Admins only.")
    async def update_settings(
        self, info: Info, input: Annotated[UpdateSettingsInput, strawberry.argument(description="The new values.")]
    ) -> UpdateSettingsPayload:
        values, errors = await mutate(info, partial(setting_rules.update_settings, changes=_given(input)))
        return UpdateSettingsPayload(settings=Settings.from_values(values) if values else None, errors=errors)
