"""Render, once, the HTML of descriptions and reply bodies stored before their HTML was (issue 6).

Runs after the migrations (`helpdesk migrate`, `helpdesk serve` and every other command that migrates first),
so reads never render: they serve the stored HTML. Each row goes through the same bounded renderer as a write;
a text that cannot be rendered within the limit is stored as its escaped plain text (there is nobody to refuse
it to, and it stays safe). Batches keep memory and statements small; a second run finds nothing to do.
"""

from __future__ import annotations

import asyncio
import logging

from tortoise.expressions import Case, F, When
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models.replies import Reply
from models.tickets import Ticket
from resolvers.kernel.markdown_bounded import render_or_escape

log = logging.getLogger(__name__)

BATCH_ROWS = 100
# Rendered HTML travels inside the UPDATE statement; keep each statement around a megabyte.
STATEMENT_CHARACTERS = 1_000_000


async def backfill_markdown_html() -> int:
    """Fill every missing `tickets.description_html` and `replies.body_html`; returns how many rows it filled."""
    filled = await _backfill(Ticket, "description", "description_html")
    filled += await _backfill(Reply, "body", "body_html")
    if filled:
        log.info("Rendered the stored HTML of %d descriptions and replies", filled)
    return filled


async def _backfill(model: type[Model], text_column: str, html_column: str) -> int:
    filled = 0
    after = 0
    while True:
        rows: list[tuple[int, str]] = await (
            model.filter(**{f"{html_column}__isnull": True}, id__gt=after)
            .order_by("id")
            .limit(BATCH_ROWS)
            .values_list("id", text_column)
        )
        if not rows:
            return filled
        after = rows[-1][0]
        # All of a batch at once: the pool runs as many as it has workers and queues the rest.
        rendered = await asyncio.gather(*(render_or_escape(text) for _, text in rows))
        async with in_transaction():
            for chunk in _chunks(list(zip((row_id for row_id, _ in rows), rendered, strict=True))):
                cases = [When(id=row_id, then=html) for row_id, html in chunk]
                # Only rows still without HTML: a write in the meantime stored its own (newer) rendering.
                filled += await model.filter(
                    **{f"{html_column}__isnull": True}, id__in=[row_id for row_id, _ in chunk]
                ).update(**{html_column: Case(*cases, default=F(html_column))})


def _chunks(pairs: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    chunks: list[list[tuple[int, str]]] = [[]]
    size = 0
    for pair in pairs:
        if chunks[-1] and size + len(pair[1]) > STATEMENT_CHARACTERS:
            chunks.append([])
            size = 0
        chunks[-1].append(pair)
        size += len(pair[1])
    return chunks
