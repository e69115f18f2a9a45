"""The desk the assignment and bulk-change tests act on: every role of the matrix, two groups with different
scopes, and the mutation documents."""

from __future__ import annotations

from dataclasses import dataclass

from core.enums import Role
from models.accounts import Group
from models.audit import AuditEntry
from models.cti import Category
from models.outbox import OutboxMessage
from models.tickets import Ticket
from resolvers.kernel.errors import Reason
from tests.helpers import (
    Guest,
    Person,
    make_category,
    make_group,
    make_guest,
    make_person,
    make_ticket,
    mutation_document,
)

ASSIGN = mutation_document("assignTicket", "ticket { number assignee { id } assignedGroup { id } }")
ASSIGN_TO_ME = mutation_document("assignToMe", "ticket { number assignee { id } assignedGroup { id } }")
BULK = mutation_document(
    "bulkUpdateTickets",
    "dryRun results { number outcome ticket { number priority status { name } assignee { id } assignedGroup { id } }"
    " errors { code reason field message } }",
)

# Every role of the matrix (DESIGN): the assignee out of scope works the ticket only because it is theirs.
ROLES = [
    "admin", "staff_in_scope", "staff_out_of_scope", "assignee_out_of_scope", "owner", "other_user", "guest",
    "anonymous",
]  # fmt: skip
# What a caller without the right gets, whatever the mutation.
NOT_STAFF_OUTCOMES = {
    "owner": Reason.STAFF_ONLY,
    "other_user": Reason.STAFF_ONLY,
    "guest": Reason.FIELD_NOT_ALLOWED,  # the gate: guests may not call these at all
    "anonymous": Reason.SIGN_IN_REQUIRED,
}


@dataclass
class Desk:
    hardware: Category
    software: Category
    # Scope Hardware: staff_in_scope and sam. Scope Software: staff_out_of_scope and assignee_out_of_scope.
    hardware_team: Group
    software_team: Group
    sam: Person  # staff in the hardware team whom tickets get assigned to
    people: dict[str, Person | Guest | None]
    ticket: Ticket  # Hardware, filed by the owner, assigned to assignee_out_of_scope (no group)

    def person(self, who: str) -> Person:
        found = self.people[who]
        assert isinstance(found, Person)
        return found

    def token(self, who: str) -> str | None:
        found = self.people[who]
        return found.token if found else None

    def ticket_of(self, who: str) -> Ticket:
        """The ticket `who` acts on: a guest acts on their own guest ticket (and is refused even there)."""
        found = self.people[who]
        return found.ticket if isinstance(found, Guest) else self.ticket


async def desk() -> Desk:
    hardware, software = await make_category("Hardware"), await make_category("Software")
    people: dict[str, Person | Guest | None] = {
        "admin": await make_person(Role.ADMIN),
        "staff_in_scope": await make_person(Role.STAFF),
        "staff_out_of_scope": await make_person(Role.STAFF),
        "assignee_out_of_scope": await make_person(Role.STAFF),
        "owner": await make_person(Role.USER),
        "other_user": await make_person(Role.USER),
        "anonymous": None,
    }
    sam = await make_person(Role.STAFF, name="Sam", email="sam@example.com")
    in_scope, out_of_scope = people["staff_in_scope"], people["staff_out_of_scope"]
    hardware_team = await make_group("Hardware team", members=[in_scope, sam], scope=[(hardware, None)])  # type: ignore[list-item]
    software_team = await make_group(
        "Software team",
        members=[out_of_scope, people["assignee_out_of_scope"]],
        scope=[(software, None)],  # type: ignore[list-item]
    )
    ticket = await make_ticket(hardware, requester=people["owner"], assignee=people["assignee_out_of_scope"])  # type: ignore[arg-type]
    people["guest"] = await make_guest(await make_ticket(hardware))
    return Desk(hardware, software, hardware_team, software_team, sam, people, ticket)


async def traces(ticket: Ticket) -> tuple[int, int]:
    """(audit rows, outbox rows) of a ticket: a refusal must leave neither."""
    return await AuditEntry.filter(ticket_id=ticket.id).count(), await OutboxMessage.filter(ticket_id=ticket.id).count()
