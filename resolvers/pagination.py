"""Page-size rule shared by every cursor list (DESIGN: default 25, max 100)."""

from __future__ import annotations

from resolvers.errors import Problems

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


def clean_page_size(problems: Problems, value: int | None, field: str = "first") -> int:
    """`first` within 1..MAX_PAGE_SIZE; None means the default."""
    if value is None:
        return DEFAULT_PAGE_SIZE
    if value < 1:
        problems.add(field, f"{field} is {value}; the minimum is 1.")
    elif value > MAX_PAGE_SIZE:
        problems.add(field, f"{field} is {value}; the maximum is {MAX_PAGE_SIZE}.")
    return value
