"""The production switches of `helpdesk serve` (docs/operations.md, "Production"): ACCESS_LOG, DATABASE_POOL_SIZE
and DATABASE_STATEMENT_TIMEOUT_MS, each through the real wiring in a process of its own (the test session's
Tortoise connection is global, so a second configuration gets a process rather than a second init)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from core.config import load_config
from tests.serve import ROOT, serve_env, serving
from tests.test_cli import TIMEOUT

PG_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("ACCESS_LOG", "sometimes", "ACCESS_LOG is 'sometimes'; write on or off."),
        ("DATABASE_POOL_SIZE", "0", "DATABASE_POOL_SIZE is '0'; write a positive whole number, e.g. 10."),
        ("DATABASE_POOL_SIZE", "ten", "DATABASE_POOL_SIZE is 'ten'; write a positive whole number, e.g. 10."),
        ("DATABASE_STATEMENT_TIMEOUT_MS", "-1", "DATABASE_STATEMENT_TIMEOUT_MS is '-1'; write milliseconds"),
        ("DATABASE_STATEMENT_TIMEOUT_MS", "5s", "DATABASE_STATEMENT_TIMEOUT_MS is '5s'; write milliseconds"),
    ],
)
def test_a_bad_production_setting_is_refused_with_its_name_and_rule(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as refused:
        load_config()
    assert str(refused.value).startswith(says)


def test_production_settings_have_defaults_and_read_on_off(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ACCESS_LOG", "DATABASE_POOL_SIZE", "DATABASE_STATEMENT_TIMEOUT_MS"):
        monkeypatch.delenv(name, raising=False)
    config = load_config()
    assert (config.access_log, config.database_pool_size, config.database_statement_timeout_ms) == (True, 10, None)
    monkeypatch.setenv("ACCESS_LOG", "OFF")
    monkeypatch.setenv("DATABASE_POOL_SIZE", "3")
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_MS", "0")
    config = load_config()
    assert (config.access_log, config.database_pool_size, config.database_statement_timeout_ms) == (False, 3, 0)


async def _serve_and_get_health(tmp_path: Path, access_log: str) -> str:
    """Start `helpdesk serve` (SQLite) with ACCESS_LOG, GET /health once, stop it; returns everything it printed."""
    async with serving(tmp_path, env={"ACCESS_LOG": access_log}) as served:
        assert (await served.http.get("/health?probe=bench")).status_code == 200
    return served.output


async def test_access_log_off_leaves_requests_out_of_the_log(tmp_path: Path) -> None:
    logged = await _serve_and_get_health(tmp_path / "on", "on")
    assert '"GET /health?probe=bench HTTP/1.1" 200' in logged
    quiet = await _serve_and_get_health(tmp_path / "off", "off")
    assert "Application startup complete." in quiet
    assert "/health?probe=bench" not in quiet


# Runs in a process of its own: init_db exactly as the server calls it, with the environment given.
_PROBE = """
import asyncio, json, sys
from tortoise import connections
from core.db import close_db, init_db

async def main():
    url, with_aerich = sys.argv[1], sys.argv[2] == "migrations"
    await init_db(url, with_aerich=with_aerich)
    conn = connections.get("default")
    result = {"timeout": (await conn.execute_query_dict("SHOW statement_timeout"))[0]["statement_timeout"],
              "pool": conn._pool.get_max_size()}
    try:
        await conn.execute_query("SELECT pg_sleep(0.5)")
        result["sleep"] = "finished"
    except Exception as exc:
        result["sleep"] = f"{type(exc).__name__}: {exc}"
    await close_db()
    print(json.dumps(result))

asyncio.run(main())
"""


async def _probe(url: str, session: str, env: dict[str, str], tmp_path: Path) -> dict[str, object]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _PROBE, url, session,
        cwd=ROOT, env=serve_env(tmp_path, env),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode == 0, stderr.decode()
    result: dict[str, object] = json.loads(stdout.decode().strip().splitlines()[-1])
    return result


if PG_URL:

    async def test_statement_timeout_cancels_a_long_query_and_the_pool_takes_its_size(tmp_path: Path) -> None:
        assert PG_URL
        settings = {"DATABASE_STATEMENT_TIMEOUT_MS": "200", "DATABASE_POOL_SIZE": "3"}
        served = await _probe(PG_URL, "server", settings, tmp_path)
        assert served["timeout"] == "200ms" and served["pool"] == 3
        assert "canceling statement due to statement timeout" in str(served["sleep"]), served

    async def test_migration_sessions_keep_the_servers_own_statement_timeout(tmp_path: Path) -> None:
        assert PG_URL
        settings = {"DATABASE_STATEMENT_TIMEOUT_MS": "200", "DATABASE_POOL_SIZE": "3"}
        migrating = await _probe(PG_URL, "migrations", settings, tmp_path)
        unset = await _probe(PG_URL, "server", {}, tmp_path)
        # Without the variable nothing is sent: the session keeps what the server, role or database says.
        assert migrating["timeout"] == unset["timeout"] and migrating["sleep"] == unset["sleep"] == "finished"
