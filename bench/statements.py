"""SQL statements per request, counted the way PostgreSQL logs them (issue 8: authentication, BEGIN, COMMIT and the
pool's reset query included, each counted once).

pg_stat_statements needs `shared_preload_libraries` and so a restart of a server other people use; the statement
log needs neither: `ALTER DATABASE <bench> SET log_statement = 'all'` makes PostgreSQL log every statement of
every *new* session of that one database ("LOG:  statement: ..." for the simple protocol, "LOG:  execute ...:"
for the extended one). So the command counts in a phase of its own, with servers started after the setting, and
resets it before the timed rounds (logging every statement would cost PostgreSQL CPU and fill the log).

The log is the postmaster's stderr (logging_collector off, as Debian ships it) or its current log file: found
through /proc (root, or the postgres user, can read it). When it cannot be read, statements are not reported.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import asyncpg


def _postmaster_stderr(backend_pid: int) -> Path:
    """Where the postmaster (the parent of every backend) writes its stderr."""
    with open(f"/proc/{backend_pid}/stat") as fh:
        postmaster = int(fh.read().rpartition(")")[2].split()[1])
    return Path(os.readlink(f"/proc/{postmaster}/fd/2"))


class StatementLog:
    def __init__(self, path: Path, database: str, by_database: bool, exclude_pids: set[int]) -> None:
        self.path = path
        self.database = database
        self.exclude_pids = exclude_pids
        prefix = rf"@{re.escape(database)} " if by_database else ""
        self._line = re.compile(rf"\[(\d+)\] .*{prefix}.*?LOG:  (?:statement: |execute [^:]*: )")

    @classmethod
    async def locate(cls, conn: asyncpg.Connection, database: str) -> StatementLog | str:
        """The log this PostgreSQL writes statements to, or why it cannot be used."""
        collector = await conn.fetchval("SHOW logging_collector")
        backend = int(await conn.fetchval("SELECT pg_backend_pid()"))
        path: Path | None = None
        if collector == "on":
            current = await conn.fetchval("SELECT pg_current_logfile('stderr')")
            directory = await conn.fetchval("SHOW data_directory")
            if current:
                path = Path(current) if os.path.isabs(current) else Path(directory) / current
        else:
            try:
                path = _postmaster_stderr(backend)
            except OSError as error:
                return f"PostgreSQL's log is not reachable through /proc ({error.strerror}); run as root"
        if path is None or not path.is_file() or not os.access(path, os.R_OK):
            return f"PostgreSQL's log {path} is not a readable file"
        prefix = str(await conn.fetchval("SHOW log_line_prefix"))
        if "%p" not in prefix:
            return f"log_line_prefix {prefix!r} has no %p (process id)"
        # The command's own connection (the monitor) is left out: it reads rows between requests.
        return cls(path, database, by_database="%d" in prefix, exclude_pids={backend})

    def offset(self) -> int:
        return self.path.stat().st_size

    def statements_since(self, offset: int) -> list[str]:
        """The statements logged since `offset`, each as its first 100 characters."""
        with open(self.path, "rb") as fh:
            fh.seek(offset)
            text = fh.read().decode(errors="replace")
        found: list[str] = []
        for line in text.splitlines():
            match = self._line.search(line)
            if match and int(match.group(1)) not in self.exclude_pids:
                found.append(" ".join(line[match.end() :].split())[:100])
        return found

    def count_since(self, offset: int) -> int:
        return len(self.statements_since(offset))


async def log_statements(conn: asyncpg.Connection, database: str, on: bool) -> None:
    """Switch statement logging for new sessions of the bench database (superuser; only that database)."""
    if on:
        await conn.execute(f"ALTER DATABASE \"{database}\" SET log_statement = 'all'")
    else:
        await conn.execute(f'ALTER DATABASE "{database}" RESET log_statement')
