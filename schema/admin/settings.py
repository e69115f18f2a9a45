"""Admin-editable settings, one typed field each, built from the one declaration in resolvers/kernel/settings.py
(SETTINGS): a new setting there is a new field here, with its description, and nothing else to write."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import strawberry

from resolvers.kernel import settings as setting_rules
from resolvers.kernel.settings import SETTINGS
from schema.context import Info
from schema.errors import UserError, mutate, query


def _with_setting_fields(cls: type, *, optional: bool) -> type:
    """Give `cls` one field per setting (in SETTINGS order) before strawberry reads its annotations; in an input
    every field is optional, null meaning "leave it"."""
    cls.__annotations__ = {spec.name: spec.kind | None if optional else spec.kind for spec in SETTINGS}
    for spec in SETTINGS:
        if optional:
            setattr(cls, spec.name, strawberry.field(default=None, description=spec.description))
        else:
            setattr(cls, spec.name, strawberry.field(description=spec.description))
    return cls


class Settings:
    """Every admin-editable setting, with its current value."""

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> Settings:
        return cls(**{spec.name: values[spec.name] for spec in SETTINGS})


class UpdateSettingsInput:
    """New values for some settings; omitted ones stay. All are checked before any is saved."""


strawberry.type(_with_setting_fields(Settings, optional=False), description=Settings.__doc__)
strawberry.input(_with_setting_fields(UpdateSettingsInput, optional=True), description=UpdateSettingsInput.__doc__)


@strawberry.type(description="The result of updateSettings.")
class UpdateSettingsPayload:
    settings: Settings | None = strawberry.field(description="Every setting after the change; null when refused.")
    errors: list[UserError] = strawberry.field(description="Why the change was refused; empty on success.")


def _given(input: UpdateSettingsInput) -> dict[str, Any]:
    """The settings the client sent (null means "leave it")."""
    return {spec.name: getattr(input, spec.name) for spec in SETTINGS if getattr(input, spec.name) is not None}


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
