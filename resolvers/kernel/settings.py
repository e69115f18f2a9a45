"""Admin-editable settings: one declaration each (SETTINGS) gives the default, the rule a value must meet and
the description; the GraphQL `Settings` type and `UpdateSettingsInput` are built from it (schema/admin/settings.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from models.settings import Setting
from resolvers.kernel.actor import Actor, require_admin, require_staff
from resolvers.kernel.audit import changed, record
from resolvers.kernel.errors import Problems, Reason


@dataclass(frozen=True)
class SettingSpec:
    """One setting: a boolean, or a whole number within low..high."""

    name: str
    kind: type[bool] | type[int]
    default: bool | int
    purpose: str
    low: int | None = None
    high: int | None = None

    @property
    def field(self) -> str:
        return field_name(self.name)

    @property
    def description(self) -> str:
        """The purpose plus the default and bounds, so the manual never disagrees with the rule."""
        if self.kind is bool:
            return f"{self.purpose} Default {str(self.default).lower()}."
        return f"{self.purpose} Default {self.default}; {self.low}..{self.high}."

    def check(self, problems: Problems, value: Any) -> None:
        # bool is a subclass of int in Python: compare the exact type so true is not 1.
        if type(value) is not self.kind:
            wanted = "true or false" if self.kind is bool else "a whole number"
            problems.add(self.field, f"{self.field} must be {wanted}.", Reason.WRONG_TYPE)
        elif (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            problems.add(
                self.field,
                f"{self.field} is {value}; it must be between {self.low} and {self.high}.",
                Reason.OUT_OF_RANGE,
            )


# The only settings that exist, in the order the schema lists them.
SETTINGS = (
    SettingSpec(
        "reopen_window_days",
        int,
        7,
        "Days after resolution in which a requester's reply reopens the ticket; 0 disables it.",
        low=0,
        high=365,
    ),
    SettingSpec(
        "user_selectable_priority", bool, False, "Whether requesters may choose a priority when filing a ticket."
    ),
    SettingSpec(
        "max_attachment_bytes",
        int,
        25 * 1024 * 1024,
        "Largest accepted attachment, in bytes, per file.",
        low=1,
        high=1024 * 1024 * 1024,
    ),
    SettingSpec(
        "guest_submission_enabled",
        bool,
        False,
        "Whether people without an account may file tickets (guest submission).",
    ),
    SettingSpec("guest_link_days", int, 7, "Days a guest's emailed access link stays valid.", low=1, high=365),
    SettingSpec("sla_enabled", bool, False, "Whether SLA policies apply and SLA data is shown."),
    SettingSpec("self_registration_enabled", bool, True, "Whether people may create their own requester accounts."),
    SettingSpec(
        "webhook_private_addresses_allowed",
        bool,
        False,
        "Whether webhooks may call loopback, link-local, private or reserved addresses (off: no server-side "
        "request forgery into the internal network).",
    ),
)
DEFINITIONS = {spec.name: spec for spec in SETTINGS}


def defaults() -> dict[str, Any]:
    return {spec.name: spec.default for spec in SETTINGS}


async def get_settings() -> dict[str, Any]:
    """Every setting, stored value over default. One query."""
    values = defaults()
    for key, value in await Setting.filter(key__in=list(DEFINITIONS)).values_list("key", "value"):
        values[key] = value
    return values


async def get_setting(name: str) -> Any:
    row = await Setting.get_or_none(key=name).values_list("value", flat=True)
    return DEFINITIONS[name].default if row is None else row


def field_name(name: str) -> str:
    """The camelCase name clients use for a setting: reopen_window_days -> reopenWindowDays."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


async def read_settings(actor: Actor | None) -> dict[str, Any]:
    """Staff and admins read every setting; requesters do not."""
    require_staff(actor)
    return await get_settings()


async def update_settings(actor: Actor | None, changes: dict[str, Any]) -> dict[str, Any]:
    """Admins only. Each value must have its setting's type and lie within its bounds. All or nothing:
    one bad value changes no setting. One audit row holds the changed keys before and after."""
    actor = require_admin(actor)
    problems = Problems()
    for name, value in changes.items():
        spec = DEFINITIONS.get(name)
        if spec is None:
            problems.add(field_name(name), f"{field_name(name)} is not a setting.", Reason.NOT_A_SETTING)
        else:
            spec.check(problems, value)
    problems.raise_if_any()
    async with in_transaction():
        current = await get_settings()
        before, after = changed(current, changes)
        for key, value in after.items():
            await Setting.update_or_create(key=key, defaults={"value": value})
        if after:
            await record(actor, "settings.updated", "settings", "settings", before=before, after=after)
    return {**current, **after}
