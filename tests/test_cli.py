"""The `helpdesk` command, run for real in subprocesses against a fresh HELPDESK_DATA_DIR (SQLite)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sqlite3
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from resolvers.admin.seed import DEFAULT_STATUSES
from server import cli
from tests.serve import ROOT, serve_env, serving

CONSOLE_SCRIPT = Path(sys.executable).parent / "helpdesk"
TIMEOUT = 120

LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) { token user { email role } errors { code message } }
}
"""


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


async def helpdesk(*args: str, data_dir: Path) -> Run:
    """`python -m server.cli ARGS`, run from the repository root."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.cli",
        *args,
        cwd=ROOT,
        env=serve_env(data_dir),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode is not None
    return Run(proc.returncode, stdout.decode(), stderr.decode())


async def test_console_script_is_installed_and_prints_the_schema(tmp_path: Path) -> None:
    assert CONSOLE_SCRIPT.exists(), "the `helpdesk` console script is missing: pip install -e '.[test]'"
    # Run from an unrelated directory: the installed command must not depend on the working directory.
    proc = await asyncio.create_subprocess_exec(
        str(CONSOLE_SCRIPT),
        "export-schema",
        cwd=tmp_path,
        env=serve_env(tmp_path / "data"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode == 0, stderr.decode()
    sdl = stdout.decode()
    assert "type Query {" in sdl
    assert "type Mutation {" in sdl


async def test_migrate_creates_the_default_sqlite_database_in_the_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    database = data_dir / "helpdesk.sqlite3"
    assert not database.exists()
    result = await helpdesk("migrate", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Applied migrations: 0_")
    assert database.exists()
    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("SELECT count(*) FROM statuses").fetchone() == (len(DEFAULT_STATUSES),)


async def test_create_admin_refuses_a_taken_email_and_bad_input(tmp_path: Path) -> None:
    created = await helpdesk(
        "create-admin",
        "--email",
        "boss@example.com",
        "--name",
        "Boss",
        "--password",
        "long enough pw",
        data_dir=tmp_path,
    )
    assert created.returncode == 0, created.stderr
    assert "Admin boss@example.com created." in created.stdout

    again = await helpdesk(
        "create-admin",
        "--email",
        "boss@example.com",
        "--name",
        "Boss",
        "--password",
        "long enough pw",
        data_dir=tmp_path,
    )
    assert again.returncode == 1
    assert "email" in again.stderr

    # One character: the message once said "1 characters".
    short = await helpdesk(
        "create-admin", "--email", "other@example.com", "--name", "Other", "--password", "x", data_dir=tmp_path
    )
    assert short.returncode == 1
    assert short.stderr.strip().splitlines() == ["password is 1 character; the minimum is 10."]


def test_create_admin_asks_for_the_password_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["first try secret", "first try secret", "one secret", "another secret"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    ask = argparse.Namespace(password=None)
    assert cli._password(ask) == "first try secret"
    assert cli._password(ask) is None
    assert cli._password(argparse.Namespace(password="given on the line")) == "given on the line"


def test_create_admin_stops_when_the_prompted_passwords_differ(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter(["one secret here", "another secret"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    # Refused before any database work, so it is safe to run in this process.
    assert cli.main(["create-admin", "--email", "x@example.com", "--name", "X"]) == 1
    assert "do not match" in capsys.readouterr().err


async def test_demo_prints_the_logins_and_refuses_a_database_with_data(tmp_path: Path) -> None:
    loaded = await helpdesk("demo", data_dir=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    table = loaded.stdout.splitlines()
    header = next(i for i, line in enumerate(table) if line.split() == ["ROLE", "EMAIL", "PASSWORD"])
    roles = {line.split()[0] for line in table[header + 1 :]}
    assert {"ADMIN", "STAFF", "USER"} <= roles

    again = await helpdesk("demo", data_dir=tmp_path)
    assert again.returncode == 1
    assert again.stderr.strip()


def test_logins_are_printed_as_an_aligned_table() -> None:
    table = cli.format_logins([("ADMIN", "a@x.test", "pw-1"), ("USER", "longer.name@x.test", "pw-2")])
    assert table.splitlines() == [
        "ROLE   EMAIL               PASSWORD",
        "ADMIN  a@x.test            pw-1",
        "USER   longer.name@x.test  pw-2",
    ]


def test_bad_options_are_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["serve", "--port", "70000"], ["serve", "--workers", "0"], ["create-admin", "--name", "X"], []):
        with pytest.raises(SystemExit) as stopped:
            cli.main(argv)
        assert stopped.value.code == 2
    assert "port 70000" in capsys.readouterr().err


async def _login(http: httpx.AsyncClient, email: str, password: str) -> dict[str, object]:
    response = await http.post(
        "/graphql", json={"query": LOGIN, "variables": {"input": {"email": email, "password": password}}}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    login: dict[str, object] = body["data"]["login"]
    return login


async def test_serve_migrates_loads_demo_answers_health_and_admins_can_log_in(tmp_path: Path) -> None:
    async with serving(tmp_path, "--workers", "2", "--demo") as served:
        http = served.http
        assert await served.health() == {"status": "ok", "database": "ok", "redis": "not configured", "subscribers": 0}

        # The demo table was printed before uvicorn started; sign in as its admin.
        demo_admin = next(line.split() for line in served.lines if line.startswith("ADMIN "))
        login = await _login(http, demo_admin[1], demo_admin[2])
        assert login["errors"] == [] and login["user"] == {"email": demo_admin[1], "role": "ADMIN"}

        # An admin created by the CLI while the server runs can sign in at once.
        created = await helpdesk(
            "create-admin", "--email", "ops@example.com", "--name", "Ops", "--password", "a long password",
            data_dir=tmp_path,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        assert "The database is up to date." in created.stdout
        login = await _login(http, "ops@example.com", "a long password")
        assert login["errors"] == [] and login["user"] == {"email": "ops@example.com", "role": "ADMIN"}
        me = await http.post(
            "/graphql", json={"query": "{ me { role } }"}, headers={"Authorization": f"Bearer {login['token']}"}
        )
        assert me.json() == {"data": {"me": {"role": "ADMIN"}}}
    assert "Applied migrations: 0_" in served.output
    assert "Demo data loaded." in served.output
