"""The limit: a Starlette + asyncpg endpoint that answers each workload with one hand-written SQL statement.

Each statement authenticates the bearer token (the CTE `a`), applies the staff scope
(resolvers/tickets/visibility.py) as
an EXISTS the planner can check row by row while it walks the `updated_at` index, and builds the whole JSON
answer inside PostgreSQL, so Python only passes bytes through. It does what our server does for the
same request and nothing else: it is what our server would cost if GraphQL, the ORM and Python objects cost
nothing.

    POST /w1 {"first": 50}                        queue page: open tickets, people, 5 latest public replies
    POST /w2 {"number": 123}                      one ticket by number and its whole thread
    POST /w3 {"number": 123, "body": "..."}       add a public reply (bench/write_set.py)
    POST /w4 {"search": "printer", "first": 25}   subject search

Run: `BENCH_RAW_DATABASE_URL=postgres://... uvicorn bench.raw_server:app --workers 1 --no-access-log`
(`bench.compare` does). BENCH_RAW_POOL_SIZE sets the pool's size (default 10).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.write_set import IN_SCOPE, RAW_ADD_REPLY

ACTOR = """a AS (
    SELECT u.id, u.role FROM session_tokens s JOIN users u ON u.id = s.user_id
    WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled AND u.role IN ('STAFF', 'ADMIN'))"""

PERSON = "CASE WHEN {0}.id IS NULL THEN NULL ELSE json_build_object('name', {0}.name, 'email', {0}.email) END"

W1 = f"""WITH {ACTOR}
SELECT coalesce(json_agg(row_to_json(x)), '[]')::text FROM (
    SELECT t.number, t.subject, t.priority, s.name AS status, c.name AS category, {PERSON.format("rq")} AS requester,
           json_build_object('name', asg.name) AS assignee,
           (SELECT coalesce(json_agg(json_build_object('body', p.body, 'author', au.name) ORDER BY p.created_at, p.id),
                            '[]')
            FROM (SELECT * FROM replies p WHERE p.ticket_id = t.id AND NOT p.internal AND p.deleted_at IS NULL
                  ORDER BY p.created_at DESC, p.id DESC LIMIT 5) p
            LEFT JOIN users au ON au.id = p.author_id) AS replies
    FROM tickets t
    JOIN statuses s ON s.id = t.status_id JOIN categories c ON c.id = t.category_id
    LEFT JOIN users rq ON rq.id = t.requester_id LEFT JOIN users asg ON asg.id = t.assignee_id
    WHERE s.kind <> 'CLOSED' AND EXISTS (SELECT 1 FROM a WHERE {IN_SCOPE})
    ORDER BY t.updated_at DESC, t.id DESC LIMIT @FIRST@) x"""

# Staff open any ticket by number and see the whole thread: internal notes, and deleted replies without their text.
W2 = f"""WITH {ACTOR}
SELECT row_to_json(x)::text FROM (
    SELECT t.number, t.subject, t.description, t.priority, t.created_at AS "createdAt", t.updated_at AS "updatedAt",
           s.name AS status, c.name AS category, {PERSON.format("rq")} AS requester,
           json_build_object('name', asg.name) AS assignee,
           (SELECT coalesce(json_agg(json_build_object(
                       'id', p.id, 'body', CASE WHEN p.deleted_at IS NULL THEN p.body END, 'internal', p.internal,
                       'createdAt', p.created_at, 'author', au.name) ORDER BY p.created_at, p.id), '[]')
            FROM replies p LEFT JOIN users au ON au.id = p.author_id WHERE p.ticket_id = t.id) AS replies
    FROM tickets t
    JOIN statuses s ON s.id = t.status_id JOIN categories c ON c.id = t.category_id
    LEFT JOIN users rq ON rq.id = t.requester_id LEFT JOIN users asg ON asg.id = t.assignee_id
    WHERE t.number = $2 AND EXISTS (SELECT 1 FROM a)) x"""

# Like our `search` filter: the words anywhere in the subject, case ignored (LIKE wildcards in them taken literally).
W4 = f"""WITH {ACTOR}
SELECT coalesce(json_agg(row_to_json(x)), '[]')::text FROM (
    SELECT t.number, t.subject, t.priority, s.name AS status, t.updated_at AS "updatedAt"
    FROM tickets t JOIN statuses s ON s.id = t.status_id
    WHERE s.kind <> 'CLOSED' AND EXISTS (SELECT 1 FROM a WHERE {IN_SCOPE})
      AND t.subject ILIKE '%' || replace(replace(replace($2, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'
    ORDER BY t.updated_at DESC, t.id DESC LIMIT $3) x"""

# W1 is added per page size (see `w1`).
STATEMENTS = {"w2": W2, "w3": RAW_ADD_REPLY, "w4": W4}


async def _no_reset(_: asyncpg.Connection) -> None:
    return None


def _digest(request: Request) -> str:
    header = request.headers.get("authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else ""
    return hashlib.sha256(token.encode()).hexdigest()


def _answer(text: str | None) -> Response:
    body = '{"data":' + (text or "null") + "}"
    return Response(body, media_type="application/json")


def create_app(database_url: str, pool_size: int = 10) -> Starlette:
    pool: asyncpg.Pool | None = None

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        nonlocal pool
        # No reset query on release (asyncpg's default sends one per checkout): each statement stands alone and
        # leaves no session state behind.
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=pool_size, reset=_no_reset)
        try:
            yield
        finally:
            await pool.close()

    async def run(request: Request, name: str, *args: Any) -> Response:
        assert pool is not None
        async with pool.acquire() as conn:
            return _answer(await conn.fetchval(STATEMENTS[name], _digest(request), *args))

    async def w1(request: Request) -> Response:
        body = json.loads(await request.body() or b"{}")
        first = int(body.get("first", 50))
        if not 1 <= first <= 100:
            return Response('{"errors":[{"message":"first is 1 to 100"}]}', status_code=400)
        # The page size as a literal, one statement per size: with `LIMIT $2` PostgreSQL plans this statement
        # anew on every execution (a generic plan cannot know the limit), which doubled its CPU per request.
        key = f"w1:{first}"
        if key not in STATEMENTS:
            STATEMENTS[key] = W1.replace("@FIRST@", str(first))
        return await run(request, key)

    async def w2(request: Request) -> Response:
        body = json.loads(await request.body())
        return await run(request, "w2", int(body["number"]))

    async def w3(request: Request) -> Response:
        body = json.loads(await request.body())
        return await run(request, "w3", int(body["number"]), str(body["body"]))

    async def w4(request: Request) -> Response:
        body = json.loads(await request.body())
        return await run(request, "w4", str(body["search"]), int(body.get("first", 25)))

    async def health(_: Request) -> Response:
        assert pool is not None
        await pool.fetchval("SELECT 1")
        return Response('{"status":"ok"}', media_type="application/json")

    routes = [
        Route(f"/{name}", handler, methods=["POST"])
        for name, handler in (("w1", w1), ("w2", w2), ("w3", w3), ("w4", w4))
    ]
    routes.append(Route("/health", health, methods=["GET"]))
    return Starlette(routes=routes, lifespan=lifespan)


def _from_environment() -> Starlette:
    url = os.environ.get("BENCH_RAW_DATABASE_URL")
    if not url:
        # Imported by tests and tools without the variable: an app that cannot start says why when it does.
        url = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_compare"
    return create_app(url, int(os.environ.get("BENCH_RAW_POOL_SIZE", "10")))


app = _from_environment()
