"""Markdown rendered off the event loop, with a hard time limit per document (issue 6; docs/markdown.md).

python-markdown's inline parser is quadratic on some inputs (17,000 `[` took 37 s), and it used to run on the
event loop at read time, so one signed-in user could stall every request. Now every render goes to a worker
process of a pebble `ProcessPool`: pebble measures each task from the moment a worker starts it, terminates the
worker when it runs past MARKDOWN_TIME_LIMIT, and starts a fresh one, so a runaway parse costs one worker for at
most the limit and never the server. (concurrent.futures' pool cannot stop a running task, and a process per
render would pay the interpreter start-up every time.)

Workers come from a `forkserver` context that preloads the renderer: `fork` from a process that already runs
threads (pebble's own, the database drivers') is unsafe and warns, `spawn` would import Markdown again for
every replaced worker. The pool starts on the first render in a process and lives until
`shutdown_markdown_pool()` (the app's lifespan, the CLI, the arq worker, and at interpreter exit).

Two ways to ask:
- `render_markdown_bounded(source, field)` for text being written: over the limit (or rendering to more than
  MAX_HTML_CHARACTERS) it is refused with a VALIDATION error naming the field, before anything is stored;
- `render_or_escape(source)` for text already stored (the backfill, email fields without a stored rendering):
  over the limits it becomes escaped plain text, which is always safe.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import multiprocessing
import threading
from concurrent.futures import CancelledError
from concurrent.futures.process import BrokenProcessPool

import pebble

from core.config import get_config
from resolvers.kernel.errors import DomainError, Reason
from resolvers.kernel.markdown import plain_text_html, render_markdown

log = logging.getLogger(__name__)

_pool: pebble.ProcessPool | None = None
_pool_lock = threading.Lock()
_atexit_registered = False


# Ten times the longest text a field takes. Escaping makes HTML a few times longer than its text (`&` becomes
# `&amp;`), but one long link address used many times by reference (`[x][r]`) multiplies it without bound: 20,000
# characters of that rendered to 16.7 MB within a second. Stored HTML is read with every queue page.
MAX_HTML_CHARACTERS = 1_000_000

_TRY_CODE_BLOCK = "shorten it, or put long runs of brackets, asterisks or other symbols inside a ``` code block"


class RenderRefused(Exception):
    """The document could not be rendered within the bounds (or it broke the worker). `why` completes a
    sentence that starts with the field's name; `advice` says what the writer can do."""

    def __init__(self, why: str, advice: str = _TRY_CODE_BLOCK) -> None:
        super().__init__(why)
        self.why = why
        self.advice = advice


class HtmlTooLarge(Exception):
    """Raised in the worker, so an oversized result is never sent back or stored."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def render_within_size(source: str) -> str:
    """What a worker runs: render_markdown, refusing a result over MAX_HTML_CHARACTERS."""
    html = render_markdown(source)
    if len(html) > MAX_HTML_CHARACTERS:
        raise HtmlTooLarge(len(html))
    return html


def _warm_up() -> None:
    # Runs in each new worker before it takes a task, so the first document pays no lazy initialisation (pebble
    # starts the time limit only when the worker picks a task up).
    render_markdown("*warm* [up](https://example.com)")


def _new_pool() -> pebble.ProcessPool:
    config = get_config()
    context = multiprocessing.get_context("forkserver")
    # The fork server imports the main module and the renderer once; every worker forked from it (a replacement
    # after a timeout too) starts with both loaded instead of importing them again.
    context.set_forkserver_preload(["__main__", "resolvers.kernel.markdown_bounded"])
    return pebble.ProcessPool(max_workers=config.markdown_workers, initializer=_warm_up, context=context)


def _running_pool() -> pebble.ProcessPool:
    global _pool, _atexit_registered
    with _pool_lock:
        if _pool is None or not _pool.active:
            # A pool pebble declared broken (every worker died at once) is replaced rather than reused.
            _pool = _new_pool()
            if not _atexit_registered:
                # A process that never reached its own shutdown must neither hang at exit nor leave workers.
                atexit.register(shutdown_markdown_pool)
                _atexit_registered = True
        return _pool


def shutdown_markdown_pool() -> None:
    """Stop the workers of this process (renders still running fail); the next render starts a new pool."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.stop()
        pool.join()


def time_limit() -> float:
    """Seconds one document may take (MARKDOWN_TIME_LIMIT)."""
    return get_config().markdown_time_limit


async def _render_in_worker(source: str) -> str:
    if not source.strip():
        return ""  # nothing to parse: no need to bother a worker
    limit = time_limit()
    log.debug("Rendering %d characters in a Markdown worker (limit %g s)", len(source), limit)
    try:
        return await _wait_for_worker(source, limit)
    finally:
        log.debug("Markdown worker done with %d characters", len(source))


async def _wait_for_worker(source: str, limit: float) -> str:
    future = _running_pool().schedule(render_within_size, args=(source,), timeout=limit)
    try:
        # If the request is cancelled (the client went away), the wrapped future is cancelled too, and pebble
        # stops the worker that was rendering for it.
        return await asyncio.wrap_future(future)
    except TimeoutError as error:
        raise RenderRefused(f"is too complex to format within {limit:g} s") from error
    except HtmlTooLarge as error:
        raise RenderRefused(
            f"would format to {error.size:,} characters of HTML; the maximum is {MAX_HTML_CHARACTERS:,}",
            "shorten it, or use long link addresses fewer times",
        ) from error
    except pebble.ProcessExpired as error:
        # The worker died (out of memory, a crash in a C extension): the document is what killed it.
        log.error("Markdown worker died rendering %d characters (exit code %s)", len(source), error.exitcode)
        raise RenderRefused("could not be formatted (it stopped the formatter)") from error
    except (CancelledError, BrokenProcessPool):
        # Not the document's fault: the request was cancelled, or no worker could start (the next call builds a
        # new pool). Either way not a refusal of the text.
        raise
    except Exception as error:
        # A bug in the renderer on some input: refuse that input instead of failing the request with a 500.
        log.exception("Markdown rendering failed on %d characters", len(source))
        raise RenderRefused(f"could not be formatted ({type(error).__name__} in the formatter)") from error


async def render_markdown_bounded(source: str, field: str) -> str:
    """Safe HTML for text being written, rendered in a worker within the time limit. A document that takes
    longer (or breaks the worker) is refused: VALIDATION naming `field`, so the caller stores nothing."""
    try:
        return await _render_in_worker(source)
    except RenderRefused as refused:
        # e.g. "description is too complex to format within 2 s; shorten it, or put ... in a ``` code block"
        # (the inside of a code block is not parsed, so it costs next to nothing).
        message = f"{field} {refused.why}; {refused.advice}."
        raise DomainError(Reason.TOO_COMPLEX_TO_FORMAT, message, field) from refused


async def render_or_escape(source: str) -> str:
    """Safe HTML for text that is already stored: rendered within the time limit, or else shown as escaped
    plain text (logged), since there is nobody to refuse it to."""
    try:
        return await _render_in_worker(source)
    except RenderRefused as refused:
        log.warning("Markdown of %d characters %s; shown as plain text", len(source), refused.why)
        return plain_text_html(source)
