"""The test run says which backends it used (tests/conftest.py, pytest_terminal_summary): a green run without
TEST_DATABASE_URL is SQLite only, and says so instead of ending with a bare "N passed"."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Two tests of another file, one of them on every backend (never this file: it would run itself).
SELECTION = [
    "tests/tickets/test_date_filters.py::test_a_bound_without_an_offset_is_utc",
    "tests/test_query_limits.py::test_batched_requests_are_refused",
]


async def run_pytest(**env_changes: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    for name, value in env_changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SELECTION,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    text = output.decode()
    assert process.returncode == 0, text
    return text


def summary_line(output: str) -> str:
    (line,) = [line for line in output.splitlines() if line.startswith("backends:")]
    return line


async def test_a_run_without_postgres_says_it_ran_on_sqlite_only() -> None:
    output = await run_pytest(TEST_DATABASE_URL=None, TEST_REDIS_URL=None)
    assert summary_line(output) == (
        "backends: sqlite (2 tests); PostgreSQL not configured (TEST_DATABASE_URL unset): 2 tests did not run on "
        "it; Redis tests: TEST_REDIS_URL unset, local defaults (redis://127.0.0.1:6379/<n>)"
    )
