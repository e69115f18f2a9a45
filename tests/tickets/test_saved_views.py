"""Saved views (SPEC 8): who may keep, share, change and use them, that a view applies exactly its filter and
sort within the viewer's scope, and that a view naming something deleted still loads and says what is left out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from core.enums import Role, StatusKind
from models.accounts import User
from models.statuses import Status
from models.tickets import Ticket
from models.views import SavedView
from resolvers.kernel.errors import Reason
from tests.conftest import StatementLog
from tests.helpers import (
    assert_query_refused,
    assert_refused,
    gql,
    gql_data,
    make_category,
    make_group,
    make_guest,
    make_item,
    make_person,
    make_type,
    refusals,
    status_of,
)
from tests.tickets.saved_views_desk import (
    DELETE,
    LIST,
    QUEUE_OF_VIEW,
    SAVE,
    desk,
    queue,
    save,
    saved,
    views_of,
)

# --- who may keep, share, change and delete views ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "staff"])
async def test_staff_and_admins_keep_private_views_that_only_they_see(client: httpx.AsyncClient, who: str) -> None:
    d = await desk()
    person = getattr(d, who)
    view = await saved(client, person, name="  Urgent hardware ", filter={"priorities": ["CRITICAL", "HIGH"]},
                       sort="PRIORITY")  # fmt: skip
    assert (view["name"], view["shared"], view["mine"], view["sort"]) == ("Urgent hardware", False, True, "PRIORITY")
    assert view["filter"] == {"priorities": ["CRITICAL", "HIGH"]}
    assert view["owner"] == {"id": str(person.id), "name": person.user.name}
    assert [v["id"] for v in await views_of(client, person)] == [view["id"]]
    for other in (d.other_staff, d.other_admin, d.outsider):
        assert await views_of(client, other) == []
        # Another's private view looks like no view at all, to staff and admins alike.
        assert_refused(await save(client, other, id=view["id"], name="Mine now"), Reason.VIEW_NOT_FOUND, "id")
        body = await gql(client, DELETE, {"id": view["id"]}, other.token)
        assert_refused(body["data"]["deleteView"], Reason.VIEW_NOT_FOUND, "id")
        body = await gql(client, QUEUE_OF_VIEW, {"view": view["id"]}, other.token)
        assert_query_refused(body, Reason.VIEW_NOT_FOUND, "view")
    assert (await SavedView.get(id=view["id"])).name == "Urgent hardware"
    body = await gql(client, QUEUE_OF_VIEW, {"view": "first"}, person.token)
    assert_query_refused(body, Reason.INVALID_ID, "view")


async def test_requesters_guests_and_anonymous_callers_cannot_use_views(client: httpx.AsyncClient) -> None:
    d = await desk()
    view = await saved(client, d.admin, name="Shared", shared=True)
    guest = await make_guest(d.tickets[0])
    for person in (d.owner, d.stranger):
        assert_refused(await save(client, person), Reason.STAFF_ONLY)
        body = await gql(client, DELETE, {"id": view["id"]}, person.token)
        assert_refused(body["data"]["deleteView"], Reason.STAFF_ONLY)
        assert_query_refused(await gql(client, LIST, token=person.token), Reason.STAFF_ONLY)
        body = await gql(client, QUEUE_OF_VIEW, {"view": view["id"]}, person.token)
        assert_query_refused(body, Reason.STAFF_ONLY)
    for document, variables, root in (
        (SAVE, {"input": {"name": "x"}}, "Mutation.saveView"),
        (DELETE, {"id": view["id"]}, "Mutation.deleteView"),
        (LIST, None, "Query.savedViews"),
        (QUEUE_OF_VIEW, {"view": view["id"]}, "Query.tickets"),
    ):
        assert_query_refused(await gql(client, document, variables, guest.token), Reason.FIELD_NOT_ALLOWED, root)
        assert_query_refused(await gql(client, document, variables), Reason.SIGN_IN_REQUIRED, root)
    assert await SavedView.all().values_list("name", flat=True) == ["Shared"]


async def test_admins_publish_shared_views_every_staff_member_sees_and_only_admins_change(
    client: httpx.AsyncClient,
) -> None:
    d = await desk()
    assert_refused(await save(client, d.staff, name="Team", shared=True), Reason.ADMIN_ONLY, "shared")
    mine = await saved(client, d.staff, name="Mine")
    assert_refused(await save(client, d.staff, id=mine["id"], name="Mine", shared=True), Reason.ADMIN_ONLY, "shared")
    shared = await saved(client, d.admin, name="Team", shared=True, filter={"reopened": False})
    for person in (d.staff, d.other_staff, d.outsider, d.other_admin):
        listed = {v["name"]: (v["shared"], v["mine"]) for v in await views_of(client, person)}
        assert listed["Team"] == (True, False), person
    # Own views come first ("My Views"), then the shared ones.
    assert [(v["name"], v["mine"]) for v in await views_of(client, d.staff)] == [("Mine", True), ("Team", False)]
    # Staff read a shared view, never change or delete it.
    assert_refused(await save(client, d.staff, id=shared["id"], name="Ours"), Reason.ADMIN_ONLY, "id")
    body = await gql(client, DELETE, {"id": shared["id"]}, d.staff.token)
    assert_refused(body["data"]["deleteView"], Reason.ADMIN_ONLY, "id")
    # Any admin changes it; sharing stays as it was when the change leaves it out.
    renamed = await saved(client, d.other_admin, id=shared["id"], name="Team queue", sort="CREATED_ASC")
    assert (renamed["shared"], renamed["mine"], renamed["owner"]["id"]) == (True, False, str(d.admin.id))
    assert (renamed["filter"], renamed["sort"]) == ({}, "CREATED_ASC")  # filter and sort are replaced
    body = await gql(client, DELETE, {"id": shared["id"]}, d.other_admin.token)
    assert body["data"]["deleteView"] == {"deletedId": shared["id"], "errors": []}
    assert [v["name"] for v in await views_of(client, d.staff)] == ["Mine"]
    assert await SavedView.all().values_list("name", flat=True) == ["Mine"]


async def test_owners_change_and_delete_their_own_views(client: httpx.AsyncClient) -> None:
    d = await desk()
    view = await saved(client, d.staff, name="Mine", filter={"priorities": ["LOW"]})
    changed = await saved(client, d.staff, id=view["id"], name="Mine, renamed", filter={"reopened": True})
    assert (changed["id"], changed["name"], changed["filter"], changed["shared"]) == (
        view["id"], "Mine, renamed", {"reopened": True}, False,
    )  # fmt: skip
    stored = await SavedView.get(id=view["id"])
    assert (stored.name, stored.filters, stored.sort) == ("Mine, renamed", {"reopened": True}, "UPDATED_DESC")
    body = await gql(client, DELETE, {"id": view["id"]}, d.staff.token)
    assert body["data"]["deleteView"] == {"deletedId": view["id"], "errors": []}
    assert not await SavedView.exists()
    body = await gql(client, DELETE, {"id": view["id"]}, d.staff.token)
    assert_refused(body["data"]["deleteView"], Reason.VIEW_NOT_FOUND, "id")
    body = await gql(client, DELETE, {"id": "x"}, d.staff.token)
    assert_refused(body["data"]["deleteView"], Reason.INVALID_ID, "id")


# --- every bad input, and nothing saved --------------------------------------------------------------------------


async def test_names_are_unique_per_owner_and_among_shared_views_ignoring_case(client: httpx.AsyncClient) -> None:
    d = await desk()
    first = await saved(client, d.staff, name="Urgent")
    assert_refused(await save(client, d.staff, name="URGENT"), Reason.NAME_TAKEN, "name")
    other = await saved(client, d.staff, name="Other")
    assert_refused(await save(client, d.staff, id=other["id"], name="urgent"), Reason.NAME_TAKEN, "name")
    # Keeping its own name is no clash; another staff member may use the same name.
    await saved(client, d.staff, id=first["id"], name="Urgent", filter={"reopened": True})
    await saved(client, d.other_staff, name="Urgent")
    # Shared views sit side by side in everyone's list: one name once among them, whoever shared it.
    await saved(client, d.admin, name="Team", shared=True)
    assert_refused(await save(client, d.other_admin, name="team", shared=True), Reason.NAME_TAKEN, "name")
    private = await saved(client, d.other_admin, name="team")
    assert_refused(await save(client, d.other_admin, id=private["id"], name="team", shared=True),
                   Reason.NAME_TAKEN, "name")  # fmt: skip
    assert await SavedView.filter(name__iexact="urgent").count() == 2
    assert await SavedView.filter(shared=True).count() == 1


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"name": "   "}, [(Reason.REQUIRED, "name")]),
        ({"name": "x" * 101}, [(Reason.TOO_LONG, "name")]),
        ({"name": "a\x00b"}, [(Reason.CONTAINS_NUL, "name")]),
        ({"id": "nope"}, [(Reason.INVALID_ID, "id")]),
        ({"filter": {"categoryId": "x"}}, [(Reason.INVALID_ID, "filter.categoryId")]),
        ({"filter": {"categoryId": "999999"}}, [(Reason.UNKNOWN_ID, "filter.categoryId")]),
        ({"filter": {"statusIds": ["999998"], "groupIds": ["999997"]}},
         [(Reason.UNKNOWN_ID, "filter.statusIds"), (Reason.UNKNOWN_ID, "filter.groupIds")]),
        ({"filter": {"assigneeId": "999996", "typeId": "999995", "itemId": "999994"}},
         [(Reason.UNKNOWN_ID, "filter.assigneeId"), (Reason.UNKNOWN_ID, "filter.typeId"),
          (Reason.UNKNOWN_ID, "filter.itemId")]),
        ({"filter": {"statusIds": [str(i) for i in range(1, 102)]}}, [(Reason.TOO_MANY_ENTRIES, "filter.statusIds")]),
        ({"filter": {"search": "s" * 256}}, [(Reason.TOO_LONG, "filter.search")]),
        ({"filter": {"createdAfter": "0001-01-01T00:00:00+14:00"}}, [(Reason.OUT_OF_RANGE, "filter.createdAfter")]),
        ({"name": "", "filter": {"itemId": "-1"}}, [(Reason.REQUIRED, "name"), (Reason.INVALID_ID, "filter.itemId")]),
    ],
)  # fmt: skip
async def test_bad_input_names_the_field_and_saves_nothing(
    client: httpx.AsyncClient, fields: dict[str, Any], expected: list[tuple[Reason, str]]
) -> None:
    admin = await make_person(Role.ADMIN)
    existing = await saved(client, admin, name="Before", filter={"reopened": True})
    attempts = [{"name": "After", **fields}]
    if "id" not in fields:
        attempts.append({"id": existing["id"], "name": "After", **fields})  # the same input changing a view
    for attempt in attempts:
        assert refusals(await save(client, admin, **attempt)) == expected, attempt
    assert await SavedView.all().values_list("name", "filters") == [("Before", {"reopened": True})]


# --- a view applies its filter and sort, exactly, within the viewer's scope ---------------------------------------


@pytest.mark.parametrize("who", ["admin", "staff"])
async def test_a_view_shows_what_its_filter_and_sort_show_by_hand(client: httpx.AsyncClient, who: str) -> None:
    d = await desk()
    person = getattr(d, who)
    resolved = await status_of(StatusKind.RESOLVED)
    new = await status_of(StatusKind.NEW)
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "UPDATED_DESC"),
        ({"priorities": ["CRITICAL", "HIGH"]}, "PRIORITY"),
        ({"statusIds": [str(resolved.id), str(new.id)], "categoryId": str(d.hardware.id)}, "CREATED_ASC"),
        ({"assignee": "ME"}, "CREATED_DESC"),
        ({"assignee": "UNASSIGNED", "reopened": False}, "PRIORITY"),
        ({"groupIds": [str(d.group.id)], "assigneeId": str(d.staff.id)}, "UPDATED_DESC"),
        ({"typeId": str(d.laptop.id), "itemId": str(d.battery.id)}, "CREATED_ASC"),
        ({"search": "printer", "createdAfter": "2000-01-01T00:00:00+00:00"}, "PRIORITY"),
        ({"createdBefore": "2000-01-01T00:00:00Z"}, "UPDATED_DESC"),
    ]
    for i, (filter, sort) in enumerate(cases):
        view = await saved(client, person, name=f"View {i}", filter=filter, sort=sort)
        by_hand = await queue(client, person, filter=filter, sort=sort)
        assert await queue(client, person, view=view["id"]) == by_hand, filter
        # What savedViews shows is what to pass by hand to see the same tickets.
        assert await queue(client, person, filter=view["filter"], sort=view["sort"]) == by_hand, filter
    # Not vacuous: most cases show several tickets, in an order the sort decides.
    shown = [len(await queue(client, person, filter=filter, sort=sort)) for filter, sort in cases]
    assert sum(n > 1 for n in shown) >= 5, shown


async def test_explicit_filter_fields_and_sort_take_the_place_of_the_views(client: httpx.AsyncClient) -> None:
    d = await desk()
    view = await saved(client, d.admin, name="High", filter={"priorities": ["HIGH"]}, sort="CREATED_ASC")
    hardware = str(d.hardware.id)
    combined = await queue(client, d.admin, view=view["id"], filter={"categoryId": hardware})
    assert combined == await queue(client, d.admin, filter={"priorities": ["HIGH"], "categoryId": hardware},
                                   sort="CREATED_ASC")  # fmt: skip
    replaced = await queue(client, d.admin, view=view["id"], filter={"priorities": ["LOW"]})
    assert replaced == await queue(client, d.admin, filter={"priorities": ["LOW"]}, sort="CREATED_ASC")
    resorted = await queue(client, d.admin, view=view["id"], sort="CREATED_DESC")
    assert resorted == await queue(client, d.admin, filter={"priorities": ["HIGH"]}, sort="CREATED_DESC")
    assert resorted == list(reversed(await queue(client, d.admin, view=view["id"]))) != []


async def test_a_shared_view_never_widens_a_staff_members_scope(client: httpx.AsyncClient) -> None:
    d = await desk()
    statuses = [str(s.id) for s in await Status.all()]
    everything = {"statusIds": statuses}
    view = await saved(client, d.admin, name="Everything", shared=True, filter=everything, sort="CREATED_ASC")
    all_numbers = await queue(client, d.admin, view=view["id"])
    assert sorted(all_numbers) == sorted(t.number for t in d.tickets)
    for person in (d.outsider, d.staff):
        shown = await queue(client, person, view=view["id"])
        assert shown == await queue(client, person, filter=everything, sort="CREATED_ASC")
        assert 0 < len(shown) < len(all_numbers)
    outsider_sees = await queue(client, d.outsider, view=view["id"])
    software = {t.number for t in d.tickets if t.category_id == d.software.id}
    assert set(outsider_sees) == software


# --- a view naming what was deleted still loads -------------------------------------------------------------------


async def test_a_view_naming_deleted_rows_loads_says_what_no_longer_applies_and_leaves_it_out(
    client: httpx.AsyncClient,
) -> None:
    d = await desk()
    doomed_status = await Status.create(name="Waiting on vendor", kind=StatusKind.CUSTOM, sort_order=50)
    resolved = await status_of(StatusKind.RESOLVED)
    doomed_category = await make_category("Facilities")
    doomed_type = await make_type(d.hardware, "Desktop")
    doomed_item = await make_item(d.laptop, "Keyboard")
    doomed_group = await make_group("Night shift")
    doomed_user = await make_person(Role.STAFF)
    filter = {
        "statusIds": [str(resolved.id), str(doomed_status.id)],
        "priorities": ["HIGH", "LOW", "CRITICAL", "MEDIUM"],
        "categoryId": str(doomed_category.id),
        "typeId": str(doomed_type.id),
        "itemId": str(doomed_item.id),
        "groupIds": [str(doomed_group.id)],
        "assigneeId": str(doomed_user.id),
    }
    view = await saved(client, d.admin, name="Stale", filter=filter, shared=True)
    assert view["problems"] == []
    for row in (doomed_status, doomed_category, doomed_type, doomed_item, doomed_group):
        await row.delete()
    await User.filter(id=doomed_user.id).delete()
    (listed,) = await views_of(client, d.staff)
    problems = {p["field"]: p["reason"] for p in listed["problems"]}
    assert problems == {
        "filter.statusIds": "STATUS_NOT_FOUND",
        "filter.assigneeId": "USER_NOT_FOUND",
        "filter.groupIds": "GROUP_NOT_FOUND",
        "filter.categoryId": "CATEGORY_NOT_FOUND",
        "filter.typeId": "TYPE_NOT_FOUND",
        "filter.itemId": "ITEM_NOT_FOUND",
    }
    message = next(p["message"] for p in listed["problems"] if p["field"] == "filter.categoryId")
    assert str(doomed_category.id) in message and "no longer exists" in message
    # What is left applies: the status that still exists and the priorities.
    left = {"statusIds": [str(resolved.id)], "priorities": ["HIGH", "LOW", "CRITICAL", "MEDIUM"]}
    assert listed["filter"] == left
    for person in (d.admin, d.staff):
        shown = await queue(client, person, view=view["id"])
        assert shown == await queue(client, person, filter=left, sort="UPDATED_DESC") != []


async def test_a_stored_filter_the_queue_no_longer_has_loads_without_it(client: httpx.AsyncClient) -> None:
    d = await desk()
    # As a view saved before the queue lost a filter, an enum value and a sort would look.
    filters = {"mood": "grumpy", "priorities": ["URGENT"], "reopened": True, "category_id": "not an id"}
    stale = await SavedView.create(owner=d.staff.user, name="Old", sort="BY_MOOD", filters=filters)
    (listed,) = await views_of(client, d.staff)
    assert {p["field"]: p["reason"] for p in listed["problems"]} == {
        "filter.mood": "FILTER_NO_LONGER_SUPPORTED",
        "filter.priorities": "FILTER_NO_LONGER_SUPPORTED",
        "sort": "FILTER_NO_LONGER_SUPPORTED",
        "filter.categoryId": "CATEGORY_NOT_FOUND",
    }
    assert (listed["filter"], listed["sort"]) == ({"reopened": True}, "UPDATED_DESC")
    shown = await queue(client, d.staff, view=str(stale.id))
    assert shown == await queue(client, d.staff, filter={"reopened": True}, sort="UPDATED_DESC")


async def test_times_in_a_view_keep_their_instant(client: httpx.AsyncClient) -> None:
    d = await desk()
    await Ticket.filter(id=d.tickets[0].id).update(created_at=datetime(2025, 6, 1, 12, tzinfo=UTC))
    filter = {"createdAfter": "2025-06-01T13:30:00+02:00", "createdBefore": "2025-06-01T12:00:01Z"}
    view = await saved(client, d.admin, name="Noon", filter=filter)
    assert await queue(client, d.admin, view=view["id"]) == [d.tickets[0].number]
    assert datetime.fromisoformat(view["filter"]["createdAfter"]) == datetime(2025, 6, 1, 11, 30, tzinfo=UTC)


# --- statements -------------------------------------------------------------------------------------------------

W1_OF_VIEW = """query($view: ID, $filter: TicketFilterInput, $first: Int) { tickets(view: $view, filter: $filter,
  first: $first) { edges { node { number subject priority status { name } requester { name email }
  assignee { name } category { name } replies(last: 5, internal: false) { body author { name } } } } } }"""


def shown(log: StatementLog) -> str:
    return "\n".join(" ".join(statement.split())[:110] for statement in log.statements)


async def counted(client: httpx.AsyncClient, log: StatementLog, query: str, variables: dict[str, Any],
                  token: str) -> int:  # fmt: skip
    await gql_data(client, query, variables, token)  # warm: the driver's type introspection, prepared statements
    log.clear()
    await gql_data(client, query, variables, token)
    return log.count


@pytest.mark.parametrize("views", [1, 12])
async def test_saved_views_cost_two_statements_however_many(
    client: httpx.AsyncClient, count_statements: StatementLog, views: int
) -> None:
    d = await desk()
    new = await status_of(StatusKind.NEW)
    for i in range(views):
        filter = {"statusIds": [str(new.id)], "categoryId": str(d.hardware.id)}
        await saved(client, d.admin if i % 2 else d.staff, name=f"View {i}", shared=bool(i % 2), filter=filter)
    # Authentication, then the views with their owners and what their references lost.
    assert await counted(client, count_statements, LIST, {}, d.staff.token) == 2, shown(count_statements)


@pytest.mark.parametrize("page", [1, 8])
async def test_a_view_costs_one_statement_more_than_its_filter_by_hand(
    client: httpx.AsyncClient, count_statements: StatementLog, page: int
) -> None:
    d = await desk()
    filter = {"categoryId": str(d.hardware.id), "priorities": ["LOW", "HIGH", "MEDIUM", "CRITICAL"]}
    view = await saved(client, d.staff, name="Hardware", filter=filter)
    by_hand = await counted(client, count_statements, W1_OF_VIEW, {"filter": filter, "first": page}, d.staff.token)
    assert by_hand == 3, shown(count_statements)
    # The view with what its references lost, read in one statement.
    of_view = await counted(client, count_statements, W1_OF_VIEW, {"view": view["id"], "first": page}, d.staff.token)
    assert of_view == by_hand + 1, shown(count_statements)


async def test_saving_and_deleting_a_view_cost_few_statements(
    client: httpx.AsyncClient, count_statements: StatementLog
) -> None:
    d = await desk()
    filter = {"categoryId": str(d.hardware.id), "statusIds": [str((await status_of(StatusKind.NEW)).id)]}
    await saved(client, d.admin, name="Warm", filter=filter)
    count_statements.clear()
    view = await saved(client, d.admin, name="Hardware", filter=filter, shared=True)
    # Authentication, the references' existence, BEGIN, the name's uniqueness, the row, COMMIT; then the payload's
    # owner (selected in VIEW), through the request's loader.
    assert count_statements.count == 7, shown(count_statements)
    count_statements.clear()
    await saved(client, d.admin, id=view["id"], name="Hardware queue", filter={"reopened": True})
    # Authentication (no references to check), BEGIN, the locked view, the name's uniqueness, the update, COMMIT,
    # the owner.
    assert count_statements.count == 7, shown(count_statements)
    count_statements.clear()
    body = await gql(client, DELETE, {"id": view["id"]}, d.admin.token)
    assert body["data"]["deleteView"]["errors"] == []
    # Authentication, BEGIN, the locked view, the delete, COMMIT.
    assert count_statements.count == 5, shown(count_statements)
