"""Configuration from environment variables only, with defaults that need nothing installed."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str
    redis_url: str | None
    smtp_host: str | None
    smtp_port: int
    smtp_user: str | None
    smtp_password: str | None
    smtp_from: str
    attachment_dir: Path
    base_url: str
    secret_key: str
    session_hours: int
    # "fast" trades hash strength for speed; only the test suite and benchmarks set it.
    password_hash_profile: str
    # Guest forms and mutations (and register) per client address: (attempts, window in seconds), from "10/600".
    guest_rate_limit: tuple[int, int]
    # Sign-in attempts per client address, and per email address tried (docs/accounts.md).
    login_rate_limit: tuple[int, int]
    login_email_rate_limit: tuple[int, int]
    # The largest request body /graphql reads, in bytes (server/limits.py).
    graphql_max_body_bytes: int
    # Markdown is rendered in this many worker processes, each render stopped after this many seconds
    # (resolvers/kernel/markdown_bounded.py, docs/markdown.md).
    markdown_workers: int
    markdown_time_limit: float


    # Production switches (docs/operations.md, "Production"): uvicorn's access log, the size of each process's
    # PostgreSQL connection pool, and PostgreSQL's statement_timeout for our sessions (None: leave the server's,
    # role's or database's own setting alone).
    access_log: bool = True
    database_pool_size: int = 10
    database_statement_timeout_ms: int | None = None
    # Events one subscriber may have waiting before it is dropped as too slow (resolvers/notify/event_hub.py).
    live_queue_size: int = 256
    # Live subscriptions one credential may hold on one process at once (resolvers/notify/event_hub.py).
    live_max_streams: int = 20
    # How often each process reads committed events it did not hear of (jobs/live_relay.py; docs/subscriptions.md).
    live_poll_seconds: float = 2.0
    # Outbox rows nothing waits for any more are purged after this many days (resolvers/notify/outbox_retention.py).
    outbox_retention_days: int = 30


def _secret_key(data_dir: Path) -> str:
    """SECRET_KEY, or one generated once and kept in the data directory so restarts keep sessions valid."""
    explicit = _env("SECRET_KEY")
    if explicit:
        return explicit
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Created with 0600 so the key is not readable by other local users.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _rate_limit(name: str, default: str) -> tuple[int, int]:
    """ "<attempts>/<seconds>", both positive whole numbers, e.g. "10/600" (10 per 10 minutes)."""
    value = _env(name, default) or default
    attempts, _, seconds = value.partition("/")
    try:
        limit = (int(attempts), int(seconds))
    except ValueError:
        limit = (0, 0)
    if min(limit) <= 0:
        raise ValueError(f"{name} is {value!r}; write attempts/seconds, e.g. {default}.")
    return limit


def _positive_int(name: str, value: str, example: str = "1048576") -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise ValueError(f"{name} is {value!r}; write a positive whole number, e.g. {example}.")


    return number


_SWITCH = {"on": True, "true": True, "1": True, "yes": True, "off": False, "false": False, "0": False, "no": False}


def _switch(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    if value.strip().lower() not in _SWITCH:
        raise ValueError(f"{name} is {value!r}; write on or off.")
    return _SWITCH[value.strip().lower()]


def _statement_timeout() -> int | None:
    value = _env("DATABASE_STATEMENT_TIMEOUT_MS")
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise ValueError(
            f"DATABASE_STATEMENT_TIMEOUT_MS is {value!r}; write milliseconds as a whole number, e.g. 30000 "
            "(0 turns the timeout off)."
        )
    return number


def _positive_seconds(name: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    # NaN and infinity fail the range check too: a render without an end is what the limit exists to prevent.
    if not 0 < seconds <= 3600:
        raise ValueError(f"{name} is {value!r}; write a number of seconds between 0 and 3600, e.g. 2 or 0.5.")
    return seconds


def load_config() -> Config:
    data_dir = Path(_env("HELPDESK_DATA_DIR", "./data") or "./data").resolve()
    return Config(
        data_dir=data_dir,
        database_url=_env("DATABASE_URL") or f"sqlite://{data_dir / 'helpdesk.sqlite3'}",
        redis_url=_env("REDIS_URL"),
        smtp_host=_env("SMTP_HOST"),
        smtp_port=int(_env("SMTP_PORT", "25") or 25),
        smtp_user=_env("SMTP_USER"),
        smtp_password=_env("SMTP_PASSWORD"),
        smtp_from=_env("SMTP_FROM", "helpdesk@localhost") or "helpdesk@localhost",
        attachment_dir=Path(_env("ATTACHMENT_DIR") or str(data_dir / "attachments")).resolve(),
        base_url=(_env("BASE_URL", "http://127.0.0.1:8000") or "").rstrip("/"),
        secret_key=_secret_key(data_dir),
        session_hours=int(_env("SESSION_HOURS", "168") or 168),
        password_hash_profile=_env("PASSWORD_HASH_PROFILE", "default") or "default",
        guest_rate_limit=_rate_limit("GUEST_RATE_LIMIT", "10/600"),
        login_rate_limit=_rate_limit("LOGIN_RATE_LIMIT", "20/600"),
        login_email_rate_limit=_rate_limit("LOGIN_EMAIL_RATE_LIMIT", "10/600"),
        graphql_max_body_bytes=_positive_int("GRAPHQL_MAX_BODY_BYTES", _env("GRAPHQL_MAX_BODY_BYTES") or "1048576"),
        markdown_workers=_positive_int("MARKDOWN_WORKERS", _env("MARKDOWN_WORKERS") or "2", "2"),
        markdown_time_limit=_positive_seconds("MARKDOWN_TIME_LIMIT", _env("MARKDOWN_TIME_LIMIT") or "2"),


        access_log=_switch("ACCESS_LOG", True),
        database_pool_size=_positive_int("DATABASE_POOL_SIZE", _env("DATABASE_POOL_SIZE") or "10", "10"),
        database_statement_timeout_ms=_statement_timeout(),
        live_queue_size=_positive_int("LIVE_QUEUE_SIZE", _env("LIVE_QUEUE_SIZE") or "256", "256"),
        live_max_streams=_positive_int("LIVE_MAX_STREAMS", _env("LIVE_MAX_STREAMS") or "20", "20"),
        live_poll_seconds=_positive_seconds("LIVE_POLL_SECONDS", _env("LIVE_POLL_SECONDS") or "2"),
        outbox_retention_days=_positive_int("OUTBOX_RETENTION_DAYS", _env("OUTBOX_RETENTION_DAYS") or "30", "30"),
    )


_config: Config | None = None


def get_config() -> Config:
    global _config
    if _config is None:
        _config = load_config()
    return _config


def reset_config() -> None:
    """Forget the cached configuration (tests and the CLI change the environment first)."""
    global _config
    _config = None
