"""Fixed inputs, and the check that the three systems answer them with the same data.

The inputs are picked from the seeded database by rules (not by luck): for W2 a ticket with internal notes, a
guest ticket, a ticket without replies and a Closed one; for W3 an open ticket with a requester, an assignee who
is not the client and other staff in the thread, so the reply emails several people. W3 is compared on what it
wrote (bench/write_set.py `rows_written`), then undone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from bench import write_set
from bench.dataset import Sizes, admin_ids, bench_token, staff_ids
from bench.workloads import WORKLOADS, AnswerError, RequestTemplate, normalise, render


@dataclass
class Inputs:
    tokens: list[str]
    w2_check: dict[str, int]
    w3_check: int
    w2_load: list[int]
    w3_load: list[int]
    # What each answer is compared on, per workload (a label per input).
    labels: dict[str, list[str]] = field(default_factory=dict)

    def numbers(self, workload: str) -> list[int]:
        return {"W2": self.w2_load, "W3": self.w3_load}.get(workload, [0])


async def _one(conn: asyncpg.Connection, rule: str, sql: str) -> int:
    number = await conn.fetchval(sql)
    if number is None:
        raise RuntimeError(f"the seeded data has no {rule}: seed more tickets")
    return int(number)


async def pick_inputs(conn: asyncpg.Connection, sizes: Sizes, viewer: str, clients: int) -> Inputs:
    ids = staff_ids(sizes) if viewer == "staff" else admin_ids(sizes)
    tokens = [bench_token(i) for i in ids[:clients]]
    client = ids[0]
    has_note = "EXISTS (SELECT 1 FROM replies r WHERE r.ticket_id = t.id AND r.internal)"
    w2 = {
        "ticket with internal notes": await _one(
            conn,
            "ticket with notes",
            f"SELECT number FROM tickets t WHERE requester_id IS NOT NULL AND assignee_id IS NOT NULL AND {has_note}"
            " ORDER BY number LIMIT 1",
        ),
        "guest ticket": await _one(
            conn,
            "guest ticket with replies",
            "SELECT number FROM tickets t WHERE requester_id IS NULL AND EXISTS (SELECT 1 FROM replies r"
            " WHERE r.ticket_id = t.id AND r.guest_email IS NOT NULL) ORDER BY number LIMIT 1",
        ),
        "ticket without replies": await _one(
            conn,
            "ticket without replies",
            "SELECT number FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM replies r WHERE r.ticket_id = t.id)"
            " ORDER BY number LIMIT 1",
        ),
        "closed ticket": await _one(
            conn,
            "closed ticket",
            "SELECT number FROM tickets t JOIN statuses s ON s.id = t.status_id WHERE s.kind = 'CLOSED'"
            " ORDER BY number LIMIT 1",
        ),
    }
    w3 = await _one(
        conn,
        "open ticket for the W3 check",
        f"""SELECT t.number FROM tickets t JOIN statuses s ON s.id = t.status_id
            WHERE s.kind <> 'CLOSED' AND t.requester_id IS NOT NULL AND t.assignee_id IS NOT NULL
              AND t.assignee_id <> {client}
              AND EXISTS (SELECT 1 FROM replies r JOIN users u ON u.id = r.author_id WHERE r.ticket_id = t.id
                          AND NOT r.internal AND u.role = 'STAFF' AND u.id NOT IN ({client}, t.assignee_id))
            ORDER BY t.number LIMIT 1""",
    )
    # Load inputs: a fixed pseudo-random sample (hashint4), 64 tickets per client.
    w2_load = [
        int(r[0])
        for r in await conn.fetch("SELECT number FROM tickets ORDER BY hashint4(number) LIMIT $1", 64 * clients)
    ]
    w3_load = [
        int(r[0])
        for r in await conn.fetch(
            "SELECT t.number FROM tickets t JOIN statuses s ON s.id = t.status_id WHERE s.kind <> 'CLOSED'"
            " ORDER BY hashint4(t.number + 1) LIMIT $1",
            64 * clients,
        )
    ]
    return Inputs(tokens=tokens, w2_check=w2, w3_check=w3, w2_load=w2_load, w3_load=w3_load)


async def send(http: httpx.AsyncClient, request: RequestTemplate, number: int, token: str) -> dict[str, Any]:
    body, headers = render(request, number, token)
    response = await http.post(request.path, content=body, headers=headers)
    if response.status_code != 200:
        raise AnswerError(f"HTTP {response.status_code}: {response.text[:500]}")
    answer: dict[str, Any] = response.json()
    return answer


async def answers(
    http: httpx.AsyncClient,
    system: str,
    templates: dict[str, RequestTemplate],
    inputs: Inputs,
    conn: asyncpg.Connection,
) -> dict[str, Any]:
    """Every fixed input through one system, in the common shape; W3 as the rows it wrote (then undone)."""
    token = inputs.tokens[0]
    result: dict[str, Any] = {}
    for workload in WORKLOADS:
        request = templates[workload]
        if workload == "W2":
            result["W2"] = {
                label: normalise(system, "W2", await send(http, request, number, token))
                for label, number in inputs.w2_check.items()
            }
        elif workload == "W3":
            mark = await write_set.save_tickets(conn, [inputs.w3_check])
            try:
                reply = normalise(system, "W3", await send(http, request, inputs.w3_check, token))
                rows = await write_set.rows_written(conn, mark, inputs.w3_check)
            finally:
                await write_set.restore(conn, mark, vacuum=False)
            result["W3"] = {"reply": reply, "rows": rows}
        else:
            result[workload] = normalise(system, workload, await send(http, request, 0, token))
    return result


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """Where two answers first differ ("W1[3].replies[0].body: 'x' != 'y'"), or None when equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                return f"{path}.{key}: present in only one"
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


def compare(collected: dict[str, dict[str, Any]], reference: str) -> dict[str, str | None]:
    """Per workload, the first difference of any system from `reference` (None: all equal)."""
    differences: dict[str, str | None] = {}
    for workload in WORKLOADS:
        found = None
        for system, data in collected.items():
            if system != reference and workload in data and workload in collected[reference]:
                diff = first_difference(collected[reference][workload], data[workload], workload)
                if diff:
                    found = f"{system} vs {reference}: {diff}"
                    break
        differences[workload] = found
    return differences
