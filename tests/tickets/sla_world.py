"""Arrangements shared by the SLA tests: the setting, policies, a desk with staff in and out of scope, and
tickets filed through GraphQL at moments of the controllable clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from core import clock
from core.enums import Priority, Role, StatusKind
from models.cti import Category
from models.settings import Setting
from models.sla import SlaPolicy
from models.statuses import Status
from models.tickets import Ticket
from resolvers.admin.sla_policies import match_key
from tests.helpers import ERRORS, Person, gql_data, make_category, make_group, make_person

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SLA = "sla { policy { name } responseDueAt resolutionDueAt firstResponseAt state pausedSince }"
CREATE = f"""mutation($i: CreateTicketInput!) {{ createTicket(input: $i) {{ ticket {{ number }} {ERRORS} }} }}"""
CHANGE = f"""mutation($i: ChangeStatusInput!) {{ changeStatus(input: $i) {{ ticket {{ number }} {ERRORS} }} }}"""
ONE = f"query($n: Int!) {{ ticket(number: $n) {{ number {SLA} }} }}"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def iso(moment: datetime) -> str:
    return moment.isoformat()


async def set_sla(enabled: bool) -> None:
    await Setting.update_or_create(key="sla_enabled", defaults={"value": enabled})


async def policy(
    name: str, response: int, resolution: int, *, priority: Priority | None = None, category: Category | None = None
) -> SlaPolicy:
    return await SlaPolicy.create(
        name=name,
        priority=priority,
        category=category,
        first_response_minutes=response,
        resolution_minutes=resolution,
        match_key=match_key(priority, category.id if category else None),
    )


@dataclass
class Desk:
    category: Category
    admin: Person
    staff: Person  # in the category's scope
    outsider: Person  # staff in no group
    owner: Person
    other: Person
    pending: Status  # the seeded status that pauses the SLA
    working: Status  # a status where the clocks run

    async def file(self, client: httpx.AsyncClient, moment: datetime, **input: Any) -> int:
        """A ticket filed by staff for the owner at `moment` (the clock stays there)."""
        clock.set_now(moment)
        fields = {"subject": "Printer jams", "description": "Again.", "categoryId": str(self.category.id)}
        fields["requesterId"] = str(self.owner.id)
        data = await gql_data(client, CREATE, {"i": {**fields, **input}}, self.staff.token)
        assert data["createTicket"]["errors"] == [], data
        number: int = data["createTicket"]["ticket"]["number"]
        return number

    async def move(self, client: httpx.AsyncClient, number: int, status: Status, moment: datetime) -> None:
        clock.set_now(moment)
        data = await gql_data(client, CHANGE, {"i": {"number": number, "statusId": str(status.id)}}, self.staff.token)
        assert data["changeStatus"]["errors"] == [], data

    async def ticket_of(self, number: int) -> Ticket:
        return await Ticket.get(number=number)

    async def sla(self, client: httpx.AsyncClient, number: int, moment: datetime, token: str | None = None) -> Any:
        clock.set_now(moment)
        data = await gql_data(client, ONE, {"n": number}, token or self.staff.token)
        return data["ticket"]["sla"]


async def desk() -> Desk:
    category = await make_category("Hardware")
    staff, outsider = await make_person(Role.STAFF), await make_person(Role.STAFF)
    await make_group("Desk", members=[staff], scope=[(category, None)])
    pending = await Status.get(pauses_sla=True)
    working = await Status.filter(kind=StatusKind.CUSTOM, pauses_sla=False).order_by("sort_order").first()
    assert working is not None
    return Desk(
        category=category,
        admin=await make_person(Role.ADMIN),
        staff=staff,
        outsider=outsider,
        owner=await make_person(Role.USER),
        other=await make_person(Role.USER),
        pending=pending,
        working=working,
    )
