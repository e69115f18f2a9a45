"""A seeded queue whose right answers a test can compute on its own: every ticket's attributes are kept in plain
Python (`Seeded`) beside the rows, so a filter's, a sort's or a count's expected answer is a comprehension over
them, never a hard-coded list. Used by the queue filter, search and count tests."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from core.enums import Priority, Role, StatusKind
from models.accounts import Group
from models.cti import Category, Item, TicketType
from models.statuses import Status
from models.tickets import Ticket
from tests.helpers import Person, make_category, make_group, make_item, make_person, make_ticket, make_type

BASE = datetime(2026, 6, 1, 20, 0, tzinfo=UTC)
SUBJECTS = [
    "Printer jams on tray 2",
    "printer offline",
    "VPN drops every hour",
    "Screen flickers",
    "ÉCRAN noir",
    "écran cassé",
    "Mail quota 100% full",
    "mail_box rule broken",
    "Laptop battery swells",
    "PC will not boot",
]


@dataclass
class Seeded:
    """What the test knows about one ticket, independently of the API."""

    number: int
    subject: str
    status_id: int
    kind: StatusKind
    priority: Priority
    category_id: int
    type_id: int | None
    item_id: int | None
    requester_id: int | None
    assignee_id: int | None
    group_id: int | None
    reopened: bool
    created_at: datetime
    updated_at: datetime


@dataclass
class World:
    admin: Person
    staff_in: Person  # member of `desk`, scoped to the hardware category
    staff_out: Person  # member of `net`, scoped to the network category only
    owner: Person
    other: Person  # a requester with tickets of their own
    stranger: Person  # a requester without tickets
    hardware: Category
    software: Category
    network: Category
    archived: Category
    laptop: TicketType
    battery: Item
    desk: Group
    net: Group
    statuses: dict[StatusKind | str, Status]
    tickets: list[Seeded] = field(default_factory=list)

    def queue_of(self, person: Person) -> list[Seeded]:
        """The tickets in `person`'s queue, by SPEC 1's rule, written out again here."""
        if person is self.admin:
            return list(self.tickets)
        if person is self.staff_in:
            return [
                t
                for t in self.tickets
                if t.category_id == self.hardware.id or t.assignee_id == person.id or t.group_id == self.desk.id
            ]
        if person is self.staff_out:
            return [
                t
                for t in self.tickets
                if t.category_id == self.network.id or t.assignee_id == person.id or t.group_id == self.net.id
            ]
        return [t for t in self.tickets if t.requester_id == person.id]


async def seed_world(count: int = 64, seed: int = 9) -> World:
    """`count` tickets with every status, priority, assignee choice, group, classification and reopened flag, their
    times spread over about ten days (with ties), chosen by a seeded random generator."""
    rng = random.Random(seed)
    admin, staff_in, staff_out = [await make_person(r) for r in (Role.ADMIN, Role.STAFF, Role.STAFF)]
    owner, other, stranger = [await make_person(Role.USER) for _ in range(3)]
    hardware, software, network = (
        await make_category("Hardware"),
        await make_category("Software"),
        await make_category("Network"),
    )
    archived = await make_category("Old things", archived=True)
    laptop, desktop = await make_type(hardware, "Laptop"), await make_type(hardware, "Desktop")
    battery, screen = await make_item(laptop, "Battery"), await make_item(laptop, "Screen")
    desk = await make_group("Desk", members=[staff_in], scope=[(hardware, None)])
    net = await make_group("Net", members=[staff_out], scope=[(network, None)])
    statuses: dict[StatusKind | str, Status] = {}
    for status in await Status.all():
        statuses[status.kind if status.kind is not StatusKind.CUSTOM else status.name] = status
    world = World(
        admin,
        staff_in,
        staff_out,
        owner,
        other,
        stranger,
        hardware,
        software,
        network,
        archived,
        laptop,
        battery,
        desk,
        net,
        statuses,
    )
    classifications = [
        (hardware, laptop, battery),
        (hardware, laptop, screen),
        (hardware, laptop, None),
        (hardware, desktop, None),
        (hardware, None, None),
        (software, None, None),
        (network, None, None),
    ]
    for i in range(count):
        category, ticket_type, item = rng.choice(classifications)
        status = rng.choice(list(statuses.values()))
        requester = rng.choice([owner, other, None])
        assignee = rng.choice([None, None, staff_in, staff_out, admin])
        group = rng.choice([None, desk, net])
        # Hours, so several tickets share a created_at or updated_at (ties order by id).
        created = BASE + timedelta(hours=rng.randrange(0, 240))
        updated = created + timedelta(hours=rng.randrange(0, 48))
        ticket = await make_ticket(
            category,
            ticket_type=ticket_type,
            item=item,
            status=status,
            requester=requester,
            assignee=assignee,
            group=group,
            subject=f"{rng.choice(SUBJECTS)} #{i}",
            priority=rng.choice(list(Priority)),
        )
        reopened = rng.random() < 0.3
        await Ticket.filter(id=ticket.id).update(created_at=created, updated_at=updated, reopened=reopened)
        world.tickets.append(
            Seeded(
                number=ticket.number,
                subject=ticket.subject,
                status_id=status.id,
                kind=status.kind,
                priority=ticket.priority,
                category_id=category.id,
                type_id=ticket_type.id if ticket_type else None,
                item_id=item.id if item else None,
                requester_id=requester.id if requester else None,
                assignee_id=assignee.id if assignee else None,
                group_id=group.id if group else None,
                reopened=reopened,
                created_at=created,
                updated_at=updated,
            )
        )
    return world


def ascii_folded(text: str) -> str:
    """The search's case rule (resolvers/tickets/search.py), written out again: ASCII letters only."""
    return "".join(c.lower() if c.isascii() else c for c in text)


# The order of each sort, as Python sort keys over Seeded.
SORT_KEYS = {
    "UPDATED_DESC": (lambda t: (t.updated_at, t.number), True),
    "CREATED_DESC": (lambda t: (t.created_at, t.number), True),
    "CREATED_ASC": (lambda t: (t.created_at, t.number), False),
    "PRIORITY": (lambda t: (-int(t.priority), t.updated_at, t.number), True),
}


def in_order(tickets: list[Seeded], sort: str) -> list[int]:
    key, reverse = SORT_KEYS[sort]
    return [t.number for t in sorted(tickets, key=key, reverse=reverse)]  # type: ignore[arg-type]
