"""The whole schema, walked as a guest and as the anonymous caller: no field outside their allow-list carries data.

From the introspection result, every field reachable from each root field the audience may call is selected
(to MAX_DEPTH, cycles cut, required arguments given simple values or real ones below). All allowed paths go in
one operation, which must be answered without errors; every field just outside the allow-list (the frontier:
`Ticket.assignee`, `User.role`, a root field such as `tickets`...) gets an operation of its own, so one refusal
does not hide the rest, and must come back without data. The world has data in those fields: an admin asking the
same frontier questions gets answers (checked below), so an empty answer to a guest means something.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from graphql import get_introspection_query

from core import clock
from core.enums import Role
from models.audit import AuditEntry
from models.replies import Reply
from models.settings import Setting
from models.tickets import Ticket
from resolvers.guests.fields import Audience, allows, is_own_account_root
from resolvers.kernel.rate_limit import reset_local_counters
from tests.helpers import Guest, Person, gql, make_category, make_group, make_guest, make_item, make_person, make_ticket
from tests.helpers import make_type as make_ticket_type
from tests.schema_walk import Path, Step, Types, carries_data, document, reach, root_steps, types_of

# What an admin must see on the guest's ticket through the frontier paths, or the walk proves nothing.
ADMIN_SEES = {
    "Ticket.assignee", "Ticket.assignedGroup", "Ticket.history", "Status.pausesSla",
    "User.role", "User.disabled", "User.createdAt", "User.email", "User.lastLoginAt", "User.groups",
}  # fmt: skip


@dataclass
class World:
    admin: Person
    guest: Guest
    ticket: Ticket
    category_id: int
    type_id: int
    item_id: int
    guest_replies: tuple[int, int]


async def world() -> World:
    """A guest ticket with something in every field: classification, an assignee in a group, a public and an
    internal reply, the guest's own replies, history; guest submission on."""
    await Setting.create(key="guest_submission_enabled", value=True)
    category = await make_category("Hardware")
    printer = await make_ticket_type(category, "Printer")
    toner = await make_item(printer, "Toner")
    staff = await make_person(Role.STAFF, name="Sam Staff")
    staff.user.last_login_at = clock.now() - timedelta(hours=1)
    await staff.user.save(update_fields=["last_login_at"])
    group = await make_group("Desk", members=[staff], scope=[(category, None)])
    ticket = await make_ticket(category, ticket_type=printer, item=toner, assignee=staff, group=group)
    await Ticket.filter(id=ticket.id).update(resolution_notes="Replaced the fuser")
    guest = await make_guest(ticket, email="visitor@example.net")
    await Reply.create(ticket_id=ticket.id, author_id=staff.id, body="We are on it")
    await Reply.create(ticket_id=ticket.id, author_id=staff.id, body="Secret", internal=True)
    mine = [await Reply.create(ticket_id=ticket.id, guest_email=guest.email, body=b) for b in ("Thanks", "Oops")]
    await AuditEntry.create(actor_id=staff.id, action="ticket.updated", entity_type="ticket",
                            entity_id=str(ticket.id), ticket_id=ticket.id, after={"priority": "HIGH"})  # fmt: skip
    return World(
        admin=await make_person(Role.ADMIN),
        guest=guest,
        ticket=ticket,
        category_id=category.id,
        type_id=printer.id,
        item_id=toner.id,
        guest_replies=(mine[0].id, mine[1].id),
    )


def given_arguments(w: World) -> dict[str, str]:
    """Real arguments for the root fields people without an account may call, so their answers have data."""
    submission = (
        f'{{email: "someone@example.net", subject: "Walk", description: "Every field", '
        f'categoryId: "{w.category_id}", typeId: "{w.type_id}", itemId: "{w.item_id}"}}'
    )
    edited, deleted = w.guest_replies
    return {
        "ticket": f"(number: {w.ticket.number})",
        "addReply": f'(input: {{number: {w.ticket.number}, body: "More"}})',
        "editReply": f'(input: {{replyId: "{edited}", body: "Thanks!"}})',
        "deleteReply": f'(input: {{replyId: "{deleted}"}})',
        "submitGuestTicket": f"(input: {submission})",
        "requestGuestLink": f'(input: {{email: "{w.guest.email}", trackingRef: "{w.ticket.tracking_ref}"}})',
    }


async def ask(client: httpx.AsyncClient, query: str, token: str | None) -> dict[str, Any]:
    reset_local_counters()  # the walk files and replies more often than a person's rate limit allows
    return await gql(client, query, token=token)


async def walk(client: httpx.AsyncClient, w: World, audience: Audience, token: str | None) -> dict[str, list[Path]]:
    """Walks every root field; returns the frontier paths per root field (for the admin's comparison)."""
    types: Types = types_of((await gql(client, get_introspection_query(descriptions=False), token=token))["data"])
    leaks: list[str] = []
    frontiers: dict[str, list[Path]] = {}
    for operation_type, keyword in (("Query", "query"), ("Mutation", "mutation")):
        for root in root_steps(types, operation_type, given_arguments(w)):
            if is_own_account_root(operation_type, root.name) and root.name != "me":
                # login, register, setupFirstAdmin answer as the account that signs in (tests/accounts/test_auth.py)
                continue
            found = reach(types, root, lambda t, f: allows(audience, t, f))
            if found.allowed:
                body = await ask(client, document(keyword, found.allowed), token)
                assert "errors" not in body, (root.name, body["errors"])
            for path in found.frontier:
                body = await ask(client, document(keyword, [path]), token)
                if carries_data(body, path):
                    leaks.append(" > ".join(step.text() for step in path))
            frontiers[root.name] = found.frontier
    assert leaks == [], f"{audience.value} got data outside the allow-list (resolvers/guests/fields.py): {leaks}"
    return frontiers


async def test_a_guest_gets_no_data_outside_the_allow_list(client: httpx.AsyncClient) -> None:
    w = await world()
    frontiers = await walk(client, w, Audience.GUEST, w.guest.token)

    # The same frontier questions about the guest's ticket, asked by an admin, have answers.
    answered = set()
    for path in frontiers["ticket"]:
        if carries_data(await ask(client, document("query", [path]), w.admin.token), path):
            answered.add(path[-1].pair)
    assert answered >= ADMIN_SEES, ADMIN_SEES - answered


async def test_the_anonymous_caller_gets_no_data_outside_the_allow_list(client: httpx.AsyncClient) -> None:
    w = await world()
    frontiers = await walk(client, w, Audience.ANONYMOUS, None)

    # The submitted ticket's history, at least, is there for an admin: the walk under submitGuestTicket had data.
    history = next(p for p in frontiers["submitGuestTicket"] if p[-1].pair == "Ticket.history")
    number = (await Ticket.filter(subject="Walk").order_by("-id").first().values("number"))["number"]
    asked = (Step("Query", "ticket", f"(number: {number})", composite=True), *history[2:])
    assert carries_data(await ask(client, document("query", [asked]), w.admin.token), asked)
