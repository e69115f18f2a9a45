"""Pathological Markdown: inputs that make python-markdown slow or deep, each built at a given length.

Used by tests/kernel/test_markdown_bounds.py (at the maximum length of a description and of a reply) and by
bench/markdown.py (which prints each one's render time). Every entry repeats a unit up to exactly `length`
characters, so the longest a field allows is what gets tried.
"""

from __future__ import annotations

from collections.abc import Callable


def _exact(text: str, length: int) -> str:
    return text[:length].ljust(length)


def _repeat(unit: str) -> Callable[[int], str]:
    def build(length: int) -> str:
        return (unit * (length // len(unit) + 1))[:length]

    return build


def _halves(opening: str, closing: str) -> Callable[[int], str]:
    """Nested to the full depth: all the openings, then all the closings."""

    def build(length: int) -> str:
        half = length // 2
        return opening * half + closing * (length - half)

    return build


def _lines(make_line: Callable[[int], str]) -> Callable[[int], str]:
    """Line i from make_line(i), as many as fit in `length` (padded with spaces to the exact length)."""

    def build(length: int) -> str:
        parts: list[str] = []
        size = 0
        i = 0
        while True:
            line = make_line(i) + "\n"
            if size + len(line) > length:
                break
            parts.append(line)
            size += len(line)
            i += 1
        return "".join(parts) + " " * (length - size)

    return build


CORPUS: dict[str, Callable[[int], str]] = {
    # Links: every `[` scans ahead for its `]` (and every `](` for its `)`), to the end when there is none.
    "unclosed [ run": _repeat("["),
    "unclosed [a run": _repeat("[a"),
    "nested [[[...]]]": _halves("[", "]"),
    "] ( run": _repeat("]("),
    "[x]( run": _repeat("[x]("),
    "[]( run": _repeat("[]("),
    "![ run": _repeat("!["),
    # Emphasis.
    "* run": _repeat("*"),
    "_ run": _repeat("_"),
    "** run": _repeat("** "),
    "*a run": _repeat("*a"),
    "_a run": _repeat("_a "),
    "**a run": _repeat("**a"),
    # Code.
    "` run": _repeat("`"),
    "` a run": _repeat("` a"),
    "``` lines": _repeat("```\n"),
    # Block nesting.
    "deep list": _lines(lambda i: "    " * min(i, 400) + "- x"),
    "deep ordered list": _lines(lambda i: "   " * min(i, 400) + "1. x"),
    "deep > quote": _repeat(">"),
    "deep > > quote": _repeat("> "),
    "quote per line": _lines(lambda i: ">" * min(i, 2000) + " x"),
    # References.
    "[a][b] run": _repeat("[a][b]"),
    "link definitions": _lines(lambda i: f"[r{i}]: https://example.com/{i}"),
    "uses of one long definition": lambda n: _exact(f"[r]: https://example.com/{'a' * (n // 2)}\n" + "[x][r]" * n, n),
    # Autolinks and raw-HTML-looking text.
    "< run": _repeat("<"),
    "<a run": _repeat("<a"),
    "<http:// run": _repeat("<http://"),
    "<a@b run": _repeat("<a@b"),
    # Escapes and entities.
    "\\ run": _repeat("\\"),
    "& run": _repeat("&"),
    "&#1 run": _repeat("&#1"),
}


def ordinary_text(length: int = 5_000) -> str:
    """What people write: paragraphs with emphasis, a list, a link, inline code and a quote."""
    unit = (
        "The printer on the **third floor** shows *error 0x42* again after the update.\n"
        "Steps so far:\n\n- restarted it\n- checked the [driver page](https://example.com/drivers)\n"
        "- ran `lpstat -p` which says `idle`\n\n> It worked yesterday.\n\n"
    )
    return (unit * (length // len(unit) + 1))[:length]
