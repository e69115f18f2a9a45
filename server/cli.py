"""The `helpdesk` command: serve, migrate, create-admin, demo, export-schema, worker, sweep.

Configuration comes only from environment variables (core/config.py); the options here are about the
command itself. Every command that touches the database applies pending migrations first, so each one
works on a fresh installation, and closes its connections (an open aiosqlite connection would keep the
process alive).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from core.config import get_config
from core.db import close_db, init_db
from resolvers.kernel.errors import DomainError
from resolvers.kernel.markdown_bounded import shutdown_markdown_pool
from server.migrations import apply_migrations


def _print_migrations(applied: list[str]) -> None:
    if applied:
        print("Applied migrations: " + ", ".join(applied))
    else:
        print("The database is up to date.")


async def _with_database(work: Callable[[], Awaitable[Any]]) -> Any:
    """Migrate, then run `work` with Tortoise initialised, closing the connections whatever happens."""
    url = get_config().database_url
    _print_migrations(await apply_migrations(url))
    await init_db(url)
    try:
        return await work()
    finally:
        await close_db()


def format_logins(logins: Sequence[tuple[str, str, str]]) -> str:
    """The demo accounts as an aligned table: role, email, password."""
    rows = [("ROLE", "EMAIL", "PASSWORD"), *((str(r), str(e), str(p)) for r, e, p in logins)]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


async def _load_demo(only_if_empty: bool) -> bool:
    """Load the demo help desk and print its logins; False (with the reason printed) when refused."""
    # Imported here: only these commands need the demo content.
    from resolvers.demo.loader import has_tickets, load_demo_data

    if only_if_empty and await has_tickets():
        print("The database already has tickets; demo data not loaded.")
        return True
    try:
        logins = await load_demo_data()
    except DomainError as error:
        _print_errors(error)
        return False
    print("Demo data loaded. Sign in with:")
    print(format_logins(logins))
    return True


def _print_errors(error: DomainError) -> None:
    for problem in error.all:
        print(problem.message, file=sys.stderr)


def cmd_migrate(_: argparse.Namespace) -> int:
    _print_migrations(asyncio.run(apply_migrations(get_config().database_url)))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.access_log import uvicorn_log_config

    config = get_config()
    if args.demo:
        # A refusal (the database holds real data) is reported; the server starts anyway.
        asyncio.run(_with_database(lambda: _load_demo(only_if_empty=True)))
    else:
        _print_migrations(asyncio.run(apply_migrations(config.database_url)))
    # The backfill's Markdown workers are done; the app (each uvicorn worker) starts its own when it needs them.
    shutdown_markdown_pool()
    # An import string, not an app object: uvicorn needs one to start several worker processes. The log
    # configuration travels to those processes too; it keeps guest links out of the access log. ACCESS_LOG=off
    # skips the access log altogether (uvicorn then formats no line per request), for servers behind a proxy
    # that logs requests already.
    uvicorn.run(
        "server.asgi:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        lifespan="on",
        log_config=uvicorn_log_config(),
        access_log=config.access_log,
        # A websocket message (a subscribe) is held to the same bound as a POST body. No per-message compression:
        # events are a few hundred bytes, and deflating each one for each subscriber cost more CPU than it saved
        # bytes (bench/live.py).
        ws_max_size=config.graphql_max_body_bytes,
        ws_per_message_deflate=False,
    )
    return 0


def _password(args: argparse.Namespace) -> str | None:
    if args.password is not None:
        return str(args.password)
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password (again): ") != first:
        print("The passwords do not match.", file=sys.stderr)
        return None
    return first


def cmd_create_admin(args: argparse.Namespace) -> int:
    from resolvers.accounts.registration import create_admin

    password = _password(args)
    if password is None:
        return 1
    try:
        user = asyncio.run(_with_database(lambda: create_admin(args.email, args.name, password)))
    except DomainError as error:
        _print_errors(error)
        return 1
    print(f"Admin {user.email} created.")
    return 0


def cmd_demo(_: argparse.Namespace) -> int:
    loaded: bool = asyncio.run(_with_database(lambda: _load_demo(only_if_empty=False)))
    return 0 if loaded else 1


def cmd_worker(args: argparse.Namespace) -> int:
    config = get_config()
    if not config.redis_url:
        print(
            "helpdesk worker takes its jobs from Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/0). "
            "Without Redis, `helpdesk serve` runs the same jobs in-process.",
            file=sys.stderr,
        )
        return 1
    from jobs.redis_link import REDIS_FAILURES, describe, redacted
    from jobs.report import BurstReport, summary_line
    from jobs.worker import build_worker, unreachable

    def refuse(reason: str) -> int:
        # One line, no traceback: the worker has nothing to do without its queue (the app keeps serving).
        print(
            f"helpdesk worker: cannot reach Redis at {redacted(config.redis_url or '')} ({reason}). "
            "Start Redis or correct REDIS_URL; `helpdesk serve` keeps serving without it.",
            file=sys.stderr,
        )
        return 1

    # Checked before anything else (arq itself would retry five times and end in a traceback).
    reason = asyncio.run(unreachable(config.redis_url))
    if reason is not None:
        return refuse(reason)
    _print_migrations(asyncio.run(apply_migrations(config.database_url)))
    report = BurstReport(emit=lambda line: print(line, flush=True)) if args.burst else None
    worker = build_worker(config.redis_url, burst=args.burst, report=report)
    try:
        worker.run()
    except REDIS_FAILURES as error:  # Redis went away between the check and arq's own connection
        return refuse(describe(error))
    if report is None:
        return 0
    print(summary_line(worker.jobs_complete, worker.jobs_failed, worker.jobs_retried), flush=True)
    # A burst is often a script's step: a failed job fails the step (each failure is on its own line above).
    return 1 if worker.jobs_failed else 0


def cmd_sweep(_: argparse.Namespace) -> int:
    from resolvers.tickets.sweep import close_expired_tickets

    closed: int = asyncio.run(_with_database(close_expired_tickets))
    print(f"Closed {closed} ticket(s) whose reopen window had expired.")
    return 0


def cmd_export_schema(_: argparse.Namespace) -> int:
    from schema.root import build_schema

    print(str(build_schema()))
    return 0


def _port(value: str) -> int:
    port = int(value)
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"port {port} is outside 1..65535")
    return port


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="helpdesk",
        description="A help desk whose whole surface is a GraphQL API. "
        "Configuration comes from environment variables (see README).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="apply pending migrations, then run the server")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="worker processes (default: 1); each has its own database pool (DATABASE_POOL_SIZE) and needs about "
        "80 to 100 MiB of memory, see docs/operations.md",
    )
    serve.add_argument("--demo", action="store_true", help="load demo data first when there are no tickets")
    serve.set_defaults(handler=cmd_serve)

    migrate = commands.add_parser("migrate", help="apply pending migrations and seed the default statuses")
    migrate.set_defaults(handler=cmd_migrate)

    admin = commands.add_parser("create-admin", help="create an administrator account")
    admin.add_argument("--email", required=True, help="the admin's email address (their login)")
    admin.add_argument("--name", required=True, help="the admin's display name")
    admin.add_argument(
        "--password",
        help="the password (default: asked twice, not echoed; on the command line others may see it in ps)",
    )
    admin.set_defaults(handler=cmd_create_admin)

    demo = commands.add_parser("demo", help="load demo data and print the demo logins")
    demo.set_defaults(handler=cmd_demo)

    worker = commands.add_parser("worker", help="run the arq worker (needs REDIS_URL): emails, hourly close sweep")
    worker.add_argument("--burst", action="store_true", help="stop once the queue is empty instead of waiting")
    worker.set_defaults(handler=cmd_worker)

    sweep = commands.add_parser("sweep", help="close Resolved tickets whose reopen window expired, once")
    sweep.set_defaults(handler=cmd_sweep)

    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    export.set_defaults(handler=cmd_export_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    finally:
        # Markdown worker processes (the backfill after migrating, the demo data) end with the command.
        shutdown_markdown_pool()


if __name__ == "__main__":
    sys.exit(main())
