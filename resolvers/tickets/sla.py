"""SLA clocks (SPEC 9): the policy a ticket gets, its two deadlines, pauses, and its state.

Two clocks start when a ticket is filed under a policy: the response clock stops at the first public staff reply,
the resolution clock at Resolved. While the ticket is in a status that pauses the SLA, or is Resolved or Closed,
no clock runs: `sla_paused_since` says since when, and when a clock runs again its deadline moves by the paused
time. Everything is kept on the ticket's row, written by the change that moves a clock (filing, reclassifying,
a status change, the first staff reply), so reads need no statement of their own:

- the targets as applied (`sla_response_minutes`, `sla_resolution_minutes`): editing a policy later does not
  change promises already made;
- the deadlines (`response_due_at`, `resolution_due_at`), moved by every pause once it ends;
- three derived moments, so SQL can filter, sort and find work: the ticket is AT_RISK once `sla_warn_at` has
  passed and BREACHED once `sla_breach_at` has (null: not as things stand), and `sla_due_at` is the earliest
  deadline still to be met.

State of one clock: BREACHED after its deadline; AT_RISK when less than 20% of its target remains; OK otherwise.
A paused clock keeps the state it had when it stopped. A clock that has stopped for good (answered, resolved)
keeps its outcome: BREACHED if it stopped after its deadline, OK if in time. The ticket's state is the worse of
its two clocks (docs/decisions.md, "SLA").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from core import clock
from core.enums import Priority, StatusKind
from models.statuses import Status
from models.tickets import Ticket
from resolvers.kernel.sql import Row, Statement, nested, select_list

# Less than this share of a target left: AT_RISK.
AT_RISK_SHARE = 0.2
STOPPED_KINDS = (StatusKind.RESOLVED, StatusKind.CLOSED)


class SlaState(Enum):
    OK = "OK"
    AT_RISK = "AT_RISK"
    BREACHED = "BREACHED"


# The ticket columns the SLA rules read and write.
CLOCK_COLUMNS = (
    "sla_policy_id", "first_response_at", "response_due_at", "resolution_due_at", "sla_paused_seconds",
    "sla_paused_since", "sla_response_minutes", "sla_resolution_minutes", "sla_warn_at", "sla_breach_at", "sla_due_at",
)  # fmt: skip
_DERIVED = ("sla_warn_at", "sla_breach_at", "sla_due_at")
POLICY_COLUMNS = ("id", "name", "priority", "category_id", "first_response_minutes", "resolution_minutes")
# What `Ticket.sla` shows, read with the ticket (`relation "sla"` in resolvers/tickets/rows.py).
READ_COLUMNS = (
    "first_response_at", "response_due_at", "resolution_due_at", "sla_paused_since", "sla_resolution_minutes",
    "sla_warn_at", "sla_breach_at",
)  # fmt: skip
READ_TIMES = tuple(f"sla__{c}" for c in READ_COLUMNS if c.endswith(("_at", "_since")))


def enabled_sql() -> str:
    """A SQL condition: the `sla_enabled` setting is on (the setting's default is off, so no row means off).
    Settings hold JSON: true is the text `true` on both databases."""
    return (
        'EXISTS (SELECT 1 FROM "settings" AS sl_on WHERE sl_on."key" = \'sla_enabled\''
        " AND CAST(sl_on.\"value\" AS TEXT) = 'true')"
    )


def has_sla_sql(alias: str) -> str:
    return f'{alias}."sla_resolution_minutes" IS NOT NULL'


# --- reading --------------------------------------------------------------------------------------------------


def select_sql(alias: str) -> tuple[str, str]:
    """(columns, join) that add what `Ticket.sla` shows to a ticket SELECT: the clock columns, the policy and the
    setting, prefixed `sla__` and `sla_policy__` (nested by `nest`)."""
    columns = ", ".join(
        [
            ", ".join(f'{alias}."{c}" AS "sla__{c}"' for c in READ_COLUMNS),
            select_list("slp", POLICY_COLUMNS, "sla_policy"),
            f'CASE WHEN {enabled_sql()} THEN 1 ELSE 0 END AS "sla__enabled"',
        ]
    )
    return columns, f'LEFT JOIN "sla_policies" AS slp ON slp."id" = {alias}."sla_policy_id"'


def nest(row: Row) -> None:
    """Move a row's `sla__` and `sla_policy__` columns into `row["sla"]`: None when the setting is off or the
    ticket has no SLA, else the clock columns with the policy (None once deleted) under "policy"."""
    values = {c: row.pop(f"sla__{c}") for c in READ_COLUMNS}
    policy = nested(row, "sla_policy", POLICY_COLUMNS)
    enabled = bool(row.pop("sla__enabled"))
    row["sla"] = {**values, "policy": policy} if enabled and values["sla_resolution_minutes"] is not None else None


async def sla_rows_for_tickets(ticket_ids: list[int]) -> list[Row | None]:
    """`row["sla"]` (see `nest`) of each ticket, for DataLoaders (mutation payloads, which do not look ahead)."""
    statement = Statement()
    columns, join = select_sql("t")
    text = f'SELECT t."id", {columns} FROM "tickets" AS t {join} WHERE t."id" IN {statement.params_in(ticket_ids)}'
    rows = await statement.rows(text, times=READ_TIMES)
    found: dict[int, Row | None] = {}
    for row in rows:
        nest(row)
        found[int(row["id"])] = row["sla"]
    return [found.get(i) for i in ticket_ids]


def state_at(warn_at: datetime | None, breach_at: datetime | None, now: datetime) -> SlaState:
    if breach_at is not None and breach_at < now:
        return SlaState.BREACHED
    if warn_at is not None and warn_at < now:
        return SlaState.AT_RISK
    return SlaState.OK


def state_of(sla: Row, now: datetime | None = None) -> SlaState:
    """The state of a ticket's `row["sla"]` now."""
    return state_at(sla["sla_warn_at"], sla["sla_breach_at"], now or clock.now())


def state_sql(statement: Statement, alias: str) -> str:
    """SQL: the ticket's state now as text ('OK', 'AT_RISK', 'BREACHED'), NULL without SLA; the same rule as
    `state_at`. For the queue filter (and counts by state)."""
    now = clock.now()
    return (
        f"CASE WHEN NOT ({has_sla_sql(alias)}) THEN NULL"
        f" WHEN {alias}.\"sla_breach_at\" < {statement.param(now)} THEN 'BREACHED'"
        f" WHEN {alias}.\"sla_warn_at\" < {statement.param(now)} THEN 'AT_RISK' ELSE 'OK' END"
    )


def state_condition(states: set[SlaState], statement: Statement, alias: str) -> str:
    """SQL: the ticket's state now is one of `states` (tickets without SLA match none)."""
    wanted = ", ".join(f"'{state.value}'" for state in SlaState if state in states)
    return f"({state_sql(statement, alias)}) IN ({wanted})" if wanted else "1 = 0"


# --- the clocks -----------------------------------------------------------------------------------------------


@dataclass
class _Clock:
    warn_at: datetime | None = None
    breach_at: datetime | None = None
    due_at: datetime | None = None


def _running(due: datetime, minutes: int, paused_since: datetime | None) -> _Clock:
    warn = due - timedelta(minutes=minutes * AT_RISK_SHARE)
    if paused_since is None:
        return _Clock(warn, due, due)
    # Paused: it keeps the state it had when it stopped, and its deadline moves once it runs again.
    return _Clock(warn if warn < paused_since else None, due if due < paused_since else None, due)


def _outcome(stopped_at: datetime, due: datetime) -> _Clock:
    return _Clock(due, due) if stopped_at > due else _Clock()


def _derive(ticket: Ticket, stopped: bool) -> None:
    """Set the derived moments from the clocks. `stopped`: the ticket is Resolved or Closed."""
    if ticket.sla_resolution_minutes is None or ticket.response_due_at is None or ticket.resolution_due_at is None:
        ticket.sla_warn_at = ticket.sla_breach_at = ticket.sla_due_at = None
        return
    paused = ticket.sla_paused_since
    # A Resolved ticket's clocks stopped when its last pause began (resolving starts one).
    ended = paused or ticket.resolved_at or clock.now()
    if ticket.first_response_at is not None:
        response = _outcome(ticket.first_response_at, ticket.response_due_at)
    elif stopped:
        response = _outcome(ended, ticket.response_due_at)
    else:
        response = _running(ticket.response_due_at, ticket.sla_response_minutes or 0, paused)
    if stopped:
        resolution = _outcome(ended, ticket.resolution_due_at)
    else:
        resolution = _running(ticket.resolution_due_at, ticket.sla_resolution_minutes, paused)
    both = (response, resolution)
    ticket.sla_warn_at = min((c.warn_at for c in both if c.warn_at), default=None)
    ticket.sla_breach_at = min((c.breach_at for c in both if c.breach_at), default=None)
    ticket.sla_due_at = min((c.due_at for c in both if c.due_at), default=None)


def _runs_in(status: Status) -> bool:
    return not status.pauses_sla and StatusKind(status.kind) not in STOPPED_KINDS


def on_status_change(ticket: Ticket, target: Status) -> None:
    """Before the ticket moves to `target` (the caller saves it): a pause that ends moves the deadlines of the
    clocks still running by its length; a status that pauses (or resolves) starts one. Kept for every ticket,
    so a policy attached later counts the right time."""
    now = clock.now()
    paused = ticket.sla_paused_since
    if paused is not None:
        moved = now - paused
        ticket.sla_paused_seconds = (ticket.sla_paused_seconds or 0) + round(moved.total_seconds())
        if ticket.response_due_at is not None and ticket.first_response_at is None:
            ticket.response_due_at += moved
        if ticket.resolution_due_at is not None:
            ticket.resolution_due_at += moved
        ticket.sla_paused_since = None
    if not _runs_in(target):
        ticket.sla_paused_since = now
    _derive(ticket, StatusKind(target.kind) in STOPPED_KINDS)


def on_first_response(ticket: Ticket, kind: StatusKind) -> dict[str, Any]:
    """The first public staff reply stops the response clock; the columns to write, set on the ticket too. A reply
    during a pause is judged by the time that counted: the deadline moves by the pause so far."""
    now = clock.now()
    ticket.first_response_at = now
    if ticket.sla_paused_since is not None and ticket.response_due_at is not None:
        ticket.response_due_at += now - ticket.sla_paused_since
    _derive(ticket, kind in STOPPED_KINDS)
    return {name: getattr(ticket, name) for name in ("first_response_at", "response_due_at", *_DERIVED)}


# --- choosing the policy --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """What `choose_policy` found: whether SLA is on, and the best policy (None: none matches)."""

    enabled: bool
    # Whether the ticket's status is Resolved or Closed (its clocks have stopped).
    stopped: bool
    policy_id: int | None = None
    response_minutes: int = 0
    resolution_minutes: int = 0


async def choose_policy(priority: Priority, category_id: int, status_id: int) -> Choice:
    """The most specific policy for the pair: priority and category, priority, category, the default (neither).
    One statement, with the setting and the kind of the ticket's status."""
    statement = Statement()
    rank = 'CASE WHEN p."priority" IS NULL THEN 0 ELSE 2 END + CASE WHEN p."category_id" IS NULL THEN 0 ELSE 1 END'
    text = (
        f'SELECT CASE WHEN {enabled_sql()} THEN 1 ELSE 0 END AS "enabled",'
        f' (SELECT st."kind" FROM "statuses" AS st WHERE st."id" = {statement.param(status_id)}) AS "kind",'
        f' p."id", p."first_response_minutes", p."resolution_minutes" FROM (SELECT 1 AS "one") AS o'
        f' LEFT JOIN "sla_policies" AS p ON (p."priority" IS NULL OR p."priority" = {statement.param(int(priority))})'
        f' AND (p."category_id" IS NULL OR p."category_id" = {statement.param(category_id)})'
        f" ORDER BY {rank} DESC LIMIT 1"
    )
    (row,) = await statement.rows(text)
    enabled, stopped = bool(row["enabled"]), row["kind"] in {k.value for k in STOPPED_KINDS}
    if not enabled or row["id"] is None:
        return Choice(enabled, stopped)
    return Choice(True, stopped, int(row["id"]), int(row["first_response_minutes"]), int(row["resolution_minutes"]))


def apply_policy(ticket: Ticket, choice: Choice, *, start: datetime | None = None) -> None:
    """Put the ticket under the chosen policy (or none), on the instance. A ticket already under one keeps its
    clocks and has them re-timed by the difference of the targets (an answered response keeps its outcome); one
    without gets clocks as if the policy had applied since `start` (filing: now; later: when it was filed),
    counting the pauses kept since."""
    if not choice.enabled:
        return  # off: nothing new is applied, what a ticket has stays
    if choice.policy_id is None:
        ticket.sla_policy_id = None
        ticket.sla_response_minutes = ticket.sla_resolution_minutes = None
        ticket.response_due_at = ticket.resolution_due_at = None
    elif ticket.sla_resolution_minutes is not None and ticket.response_due_at and ticket.resolution_due_at:
        if ticket.first_response_at is None:
            ticket.response_due_at += timedelta(minutes=choice.response_minutes - (ticket.sla_response_minutes or 0))
        ticket.resolution_due_at += timedelta(minutes=choice.resolution_minutes - ticket.sla_resolution_minutes)
    else:
        begin = (start or ticket.created_at) + timedelta(seconds=ticket.sla_paused_seconds or 0)
        ticket.response_due_at = begin + timedelta(minutes=choice.response_minutes)
        ticket.resolution_due_at = begin + timedelta(minutes=choice.resolution_minutes)
    if choice.policy_id is not None:
        ticket.sla_policy_id = choice.policy_id
        ticket.sla_response_minutes, ticket.sla_resolution_minutes = choice.response_minutes, choice.resolution_minutes
    _derive(ticket, choice.stopped)


async def new_ticket_columns(priority: Priority, category_id: int, status_id: int) -> dict[str, Any]:
    """The SLA columns of a ticket being filed now (empty when SLA is off or no policy matches)."""
    choice = await choose_policy(priority, category_id, status_id)
    if choice.policy_id is None:
        return {}
    draft = Ticket(priority=priority, category_id=category_id)
    for name in CLOCK_COLUMNS:
        setattr(draft, name, None)
    draft.sla_paused_seconds = 0
    apply_policy(draft, choice, start=clock.now())
    return {name: getattr(draft, name) for name in CLOCK_COLUMNS}


async def on_reclassified(ticket: Ticket) -> list[str]:
    """After a priority or category change, inside its transaction: choose the policy again (when SLA is on).
    Returns the columns that changed, for the caller's UPDATE."""
    before = {name: getattr(ticket, name) for name in CLOCK_COLUMNS}
    apply_policy(ticket, await choose_policy(Priority(ticket.priority), ticket.category_id, ticket.status_id))
    return [name for name in CLOCK_COLUMNS if getattr(ticket, name) != before[name]]


def sort_order(alias: str) -> str:
    """SLA_DUE: the earliest deadline still to be met first; tickets without one (no SLA, resolved) last."""
    return f'CASE WHEN {alias}."sla_due_at" IS NULL THEN 1 ELSE 0 END, {alias}."sla_due_at" ASC, {alias}."id" ASC'


def after_condition(due_at: datetime | None, ticket_id: int, statement: Statement, alias: str) -> str:
    """Rows after (due_at, id) in `sort_order`; parameters in text order."""
    if due_at is None:
        return f'{alias}."sla_due_at" IS NULL AND {alias}."id" > {statement.param(ticket_id)}'
    return (
        f'({alias}."sla_due_at" IS NULL OR {alias}."sla_due_at" > {statement.param(due_at)}'
        f' OR ({alias}."sla_due_at" = {statement.param(due_at)} AND {alias}."id" > {statement.param(ticket_id)}))'
    )
