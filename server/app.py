"""The Starlette application: /graphql (GraphiQL and POST JSON), GraphiQL's assets (server/graphiql.py), /health,
and the guest pages (/submit, /track, /track/<token>: server/guest_pages.py).

/graphql takes websockets for subscriptions (schema/notify/), multipart requests (uploads) only with a preflight
header and streamed to disk (server/uploads.py), and at most GRAPHQL_MAX_BODY_BYTES of any other body
(server/limits.py; why: docs/decisions.md, "HTTP transport"). Downloads: server/attachments.py."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from http import HTTPStatus
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.file_uploads.utils import replace_placeholders_with_files
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from core.config import Config, get_config
from core.db import close_db, init_db, ping
from jobs.live_relay import LiveRelay
from jobs.redis_link import OK
from jobs.runtime import NOT_CONFIGURED, JobRuntime
from resolvers.accounts.authentication import authenticate
from resolvers.kernel.markdown_bounded import shutdown_markdown_pool
from resolvers.notify.event_hub import EventHub
from resolvers.tickets.attachments import attachment_limit
from schema.context import Context, bearer_token, socket_token
from schema.notify.sockets import act_as
from schema.root import build_schema
from server.admission import AdmissionGate
from server.attachments import attachment_routes
from server.gc_policy import GcScheduler, tune_gc
from server.graphiql import graphiql_page, graphiql_routes
from server.guest_pages import guest_routes
from server.limits import BodySizeLimit, error_body
from server.request_body import BadJson, read_json, read_json_object
from server.uploads import MultipartGate, Received, UploadRefused, is_multipart, receive_multipart, refusal

# The multipart body of the request being run, received before strawberry parses it (`parse_multipart`).
_RECEIVED: ContextVar[Received | None] = ContextVar("received", default=None)


def read_json_or_400(text: str) -> Any:
    try:
        return read_json(text, what="The multipart map")
    except BadJson as error:
        raise HTTPException(400, str(error)) from None

# GraphQL requests running at once per database connection of the pool; the rest wait in arrival order
# (server/admission.py). Two, not one: a request also waits on things other than the database (the Markdown
# workers, password hashing), and those must not stall every read.
ADMITTED_PER_CONNECTION = 2


class HelpdeskGraphQL(GraphQL[Context, None]):
    # The largest text part (operations, map) of a multipart request: GRAPHQL_MAX_BODY_BYTES.
    max_field_bytes = 1024 * 1024

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        if isinstance(request, WebSocket):
            # Authenticated at connection_init (`on_ws_connect`), when the client has sent its credential.
            hub = getattr(request.app.state, "event_hub", None)
            return Context(request=request, actor=None, response=response, events=hub)
        token = bearer_token(request.headers)
        return Context(request=request, actor=await authenticate(token), token=token, response=response)

    async def on_ws_connect(self, context: Context) -> UnsetType | None:
        """`connection_init`: the credential in its payload (or the upgrade's header). One that does not
        authenticate closes the socket (4403); none at all leaves an anonymous socket, whose subscriptions are
        refused with UNAUTHENTICATED. Every operation and every event checks the credential again
        (schema/notify/sockets.py)."""
        assert isinstance(context.request, WebSocket)
        token = socket_token(context.connection_params, context.request.headers)
        actor = await authenticate(token)
        if token and actor is None:
            raise ConnectionRejectionError()
        context.token = token
        act_as(context, actor)
        return UNSET

    def encode_json(self, data: object) -> str:
        """The response body. orjson writes a queue page's JSON several times faster than json.dumps (which was
        about 5% of its CPU); the standard encoder stays for what orjson refuses (an integer past 64 bits in a
        JSON value, a non-string key), so nothing that encoded before fails now. Text, not bytes: strawberry
        sends bytes over a websocket as binary frames, which GraphQL websocket clients do not read."""
        try:
            return orjson.dumps(data).decode()
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return json.dumps(data, separators=(",", ":"))

    async def render_graphql_ide(self, request: Request) -> Response:
        """Our GraphiQL page: every asset served by this app, so it works offline (server/graphiql.py)."""
        return graphiql_page()

    def parse_json(self, data: str | bytes) -> Any:
        """The POST body (bytes: must be an object) or a GET parameter's JSON (str), read strictly
        (server/request_body.py); anything unusable is a 400, never a 500."""
        try:
            return read_json_object(data) if isinstance(data, bytes) else read_json(data, what="A JSON parameter")
        except BadJson as error:
            raise HTTPException(400, str(error)) from None

    async def parse_multipart(self, request: Any) -> dict[str, str]:
        """The operations of a multipart request, its files put in place of their variables' nulls (the GraphQL
        multipart request spec): the body was already streamed in by `__call__`."""
        received = _RECEIVED.get()
        if received is None:
            raise HTTPException(400, "Unsupported content type")
        operations = self.parse_json(received.fields.get("operations", "{}").encode())
        files_map = read_json_or_400(received.fields.get("map", "{}"))
        files = {name: file for name, file in received.files}
        try:
            return replace_placeholders_with_files(operations, files_map, files)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            raise HTTPException(400, "The map names files or variables that are not in the request.") from None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """strawberry's HTTP handling, but its refusals (bad JSON, unsupported content type, a mutation over GET...)
        get the JSON error body every refused request has instead of plain text. A multipart body is streamed in
        first (server/uploads.py) and whatever it left in ATTACHMENT_DIR/incoming is removed afterwards."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        received = None
        try:
            if is_multipart(scope):
                received = await receive_multipart(
                    request, file_limit=await attachment_limit(), max_field_bytes=self.max_field_bytes
                )
            token = _RECEIVED.set(received)
            try:
                response = await self.run(request)
            finally:
                _RECEIVED.reset(token)
        except ClientDisconnect:
            return  # nobody left to answer; the receiver removed what had arrived
        except UploadRefused as error:
            await refusal(error.status, error.message)(scope, receive, send)
            return
        except HTTPException as error:
            code = HTTPStatus(error.status_code).name
            response = Response(error_body(error.reason, code), error.status_code, media_type="application/json")
        finally:
            if received is not None:
                received.discard()
        await response(scope, receive, send)


async def health(request: Request) -> Response:
    """200 while the database answers, 503 when it does not. Redis only carries the jobs' fast path (emails wait
    in the outbox without it), so an unreachable Redis makes the status "degraded", never a failure."""
    runtime: JobRuntime | None = getattr(request.app.state, "job_runtime", None)
    redis = await runtime.redis_status() if runtime is not None else NOT_CONFIGURED
    try:
        await ping()
    except Exception as exc:  # any failure means "not healthy"; say which
        body = {"status": "error", "database": "unreachable", "detail": type(exc).__name__, "redis": redis,
                "subscribers": _subscribers(request)}  # fmt: skip
        return JSONResponse(body, status_code=503)
    status = "ok" if redis in (OK, NOT_CONFIGURED) else "degraded"
    return JSONResponse({"status": status, "database": "ok", "redis": redis, "subscribers": _subscribers(request)})


def _subscribers(request: Request) -> int:
    """Live subscriptions open on this process (an operator's gauge; tests wait for a stream to be listening)."""
    hub: EventHub | None = getattr(request.app.state, "event_hub", None)
    return hub.subscriber_count if hub is not None else 0


def create_app(
    config: Config | None = None, *, manage_db: bool = True, run_jobs: bool | None = None, planned: bool = True
) -> Starlette:
    """The ASGI app. `manage_db=False` leaves the database to the caller (tests set it up themselves);
    `run_jobs` (default: like `manage_db`) starts the job runtime in the lifespan; `planned=False` turns planned
    execution off (schema/planned.py)."""
    config = config or get_config()
    jobs_here = manage_db if run_jobs is None else run_jobs
    # Websockets carry subscriptions only, each operation and event re-authenticated (schema/notify/sockets.py).
    # Multipart only behind MultipartGate: a cross-site form can post multipart/form-data without a CORS preflight.
    graphql = HelpdeskGraphQL(
        build_schema(planned=planned),
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
        multipart_uploads_enabled=True,
    )
    graphql.max_field_bytes = config.graphql_max_body_bytes

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Background jobs (emails, the hourly close sweep) belong to the process that owns the database;
        # tests that bring their own database start a JobRuntime themselves when they need one.
        runtime = JobRuntime(config.redis_url) if jobs_here else None
        # Live events for this process's subscribers, from its own commits and, through Redis, everyone's.
        app.state.event_hub = EventHub(config.live_queue_size, config.live_max_streams)
        relay = LiveRelay(config.redis_url, app.state.event_hub, poll_seconds=config.live_poll_seconds)
        if manage_db:
            await init_db(config.database_url)
        await relay.start()
        try:
            if runtime is not None:
                # Starts even when Redis is unreachable (logged once; it reconnects by itself): the API must not
                # be down because the job queue is.
                await runtime.start()
                app.state.job_runtime = runtime
            if manage_db:
                # Everything built so far lives as long as the process: out of the collector's sight from now on.
                tune_gc()
            yield
        finally:
            await relay.stop()
            if runtime is not None:
                app.state.job_runtime = None
                await runtime.stop()
            # The Markdown workers start with the first write that renders; stop them with the app.
            shutdown_markdown_pool()
            if manage_db:
                await close_db()

    # Inside the body limit: a request waits for its turn only once its body is read (server/admission.py).
    admitted = AdmissionGate(graphql, ADMITTED_PER_CONNECTION * config.database_pool_size)
    routes = [
        # Uploads stream to disk inside the view (server/uploads.py) and are not admitted: the gate holds a slot
        # from a read body to the response's start, and an upload's body is read while it runs.
        Route(
            "/graphql",
            MultipartGate(graphql, BodySizeLimit(admitted, config.graphql_max_body_bytes)),
            methods=["GET", "POST"],
        ),
        # Subscriptions (graphql-transport-ws and graphql-ws); not admitted: a socket holds no database slot
        # while it waits for events.
        WebSocketRoute("/graphql", graphql),
        Route("/health", health, methods=["GET"]),
        *graphiql_routes(),
        *guest_routes(),
        *attachment_routes(),
    ]
    # Outermost, so it sees every request start and end (server/gc_policy.py).
    return Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(GcScheduler)])
