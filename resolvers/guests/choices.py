"""The classification a person without an account can choose on the /submit page (SPEC 2's CTI cascade, SPEC 10).

A page without scripts cannot narrow a second list when the first changes, so the cascade is one list of every
valid choice: each live category, each live type under it, each live item under that type, in the tree's order
(`Hardware`, `Hardware / Laptop`, `Hardware / Laptop / Battery`). Whatever is picked obeys the cascade by
construction, and the same rules (resolvers/tickets/classification.py) check it again when the form is posted.
"""

from __future__ import annotations

from dataclasses import dataclass

from resolvers.admin.cti import list_categories, visible_children
from resolvers.kernel.rows import rows_grouped


@dataclass(frozen=True)
class Choice:
    category_id: int
    type_id: int | None
    item_id: int | None
    # Names from the category down, e.g. ("Hardware", "Laptop").
    path: tuple[str, ...]

    @property
    def value(self) -> str:
        """What the form posts: "category/type/item" ids, empty where the level is not chosen."""
        return "/".join("" if i is None else str(i) for i in (self.category_id, self.type_id, self.item_id))


async def submission_choices() -> list[Choice]:
    """Every live (category, type, item) choice, in tree order: three statements whatever the size of the tree."""
    categories = await list_categories(None)
    types_of = await rows_grouped("types_by_category", [c["id"] for c in categories])
    live_types = [visible_children(None, rows) for rows in types_of]
    items_of = await rows_grouped("items_by_type", [t["id"] for types in live_types for t in types])
    items = iter(visible_children(None, rows) for rows in items_of)
    choices: list[Choice] = []
    for category, types in zip(categories, live_types, strict=True):
        choices.append(Choice(category["id"], None, None, (category["name"],)))
        for ticket_type in types:
            path = (category["name"], ticket_type["name"])
            choices.append(Choice(category["id"], ticket_type["id"], None, path))
            choices += [Choice(category["id"], ticket_type["id"], i["id"], (*path, i["name"])) for i in next(items)]
    return choices


def parse_choice(value: str | None) -> tuple[str | None, str | None, str | None]:
    """The (categoryId, typeId, itemId) a posted choice names, as raw ids for the usual input rules."""
    parts = [*(value or "").split("/"), "", ""][:3]
    return parts[0] or None, parts[1] or None, parts[2] or None
