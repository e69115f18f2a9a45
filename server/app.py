"""The Starlette application: /graphql (GraphiQL and POST JSON), /health, and the guest pages
(/submit, /track, /track/<token>: server/guest_pages.py).

/graphql takes no websockets and no multipart requests until subscriptions and attachments need them, and
reads at most GRAPHQL_MAX_BODY_BYTES of a body (server/limits.py; why: docs/decisions.md, "HTTP transport")."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from tortoise import connections

from core.config import Config, get_config
from core.db import close_db, init_db
from jobs.runtime import JobRuntime
from resolvers.authentication import authenticate
from resolvers.markdown_bounded import shutdown_markdown_pool
from schema.context import Context, bearer_token
from schema.root import build_schema
from server.guest_pages import guest_routes
from server.limits import BodySizeLimit


class HelpdeskGraphQL(GraphQL[Context, None]):
    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        token = bearer_token(request.headers)
        return Context(request=request, actor=await authenticate(token), token=token, response=response)


async def health(_: Request) -> Response:
    """Answers only when the database does."""
    try:
        await connections.get(next(iter(connections.db_config))).execute_query("SELECT 1")
    except Exception as exc:  # any failure means "not healthy"; say which
        return JSONResponse({"status": "error", "detail": type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ok"})


def create_app(config: Config | None = None, *, manage_db: bool = True) -> Starlette:
    """The ASGI app. `manage_db=False` leaves the database to the caller (tests set it up themselves)."""
    config = config or get_config()
    # No websocket protocols: strawberry builds the context (the actor) once per socket, so a disabled account
    # or an expired guest link would keep working on an open one. No multipart: a cross-site form can post
    # multipart/form-data without a CORS preflight. Both return with subscriptions and attachments.
    graphql = HelpdeskGraphQL(build_schema(), subscription_protocols=(), multipart_uploads_enabled=False)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Background jobs (emails, the hourly close sweep) belong to the process that owns the database;
        # tests that bring their own database start a JobRuntime themselves when they need one.
        runtime = JobRuntime(config.redis_url) if manage_db else None
        if manage_db:
            await init_db(config.database_url)
        try:
            if runtime is not None:
                await runtime.start()
            if manage_db:
                # Everything built so far (modules, the schema, the ORM) lives as long as the process: keep it out
                # of the cyclic collector, whose full passes otherwise set the queue's p95 (bench/queue.py).
                gc.freeze()
            yield
        finally:
            if runtime is not None:
                await runtime.stop()
            # The Markdown workers start with the first write that renders; stop them with the app.
            shutdown_markdown_pool()
            if manage_db:
                await close_db()

    routes = [
        Route("/graphql", BodySizeLimit(graphql, config.graphql_max_body_bytes), methods=["GET", "POST"]),
        Route("/health", health, methods=["GET"]),
        *guest_routes(),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
