"""Sending files the way a GraphQL multipart client does (the GraphQL multipart request spec), for the attachment
tests: `operations` and `map` first, then one part per file, with the preflight header /graphql requires."""

from __future__ import annotations

import json
from typing import Any

import httpx

from core.config import get_config

PREFLIGHT = {"GraphQL-Preflight": "1"}


def multipart_parts(
    query: str, variables: dict[str, Any], files: list[tuple[str, bytes]], path: str = "input.files"
) -> tuple[dict[str, str], list[tuple[str, tuple[str, bytes, str]]]]:
    """The form fields and file parts of one operation whose `path` variable is the list of `files`."""
    target: Any = variables
    *parents, last = path.split(".")
    for key in parents:
        target = target[key]
    target[last] = [None] * len(files)
    operations = json.dumps({"query": query, "variables": variables})
    mapping = {str(i): [f"variables.{path}.{i}"] for i in range(len(files))}
    parts = [(str(i), (name, data, "application/octet-stream")) for i, (name, data) in enumerate(files)]
    return {"operations": operations, "map": json.dumps(mapping)}, parts


async def upload(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any],
    files: list[tuple[str, bytes]],
    *,
    token: str | None = None,
    preflight: bool = True,
) -> httpx.Response:
    """POST the operation with its files as multipart/form-data."""
    data, parts = multipart_parts(query, variables, files)
    headers = {**(PREFLIGHT if preflight else {}), **({"Authorization": f"Bearer {token}"} if token else {})}
    return await client.post("/graphql", data=data, files=parts, headers=headers)


def stored_files() -> set[str]:
    """Every file under ATTACHMENT_DIR (final and incoming), relative names: what a refusal must not add to."""
    root = get_config().attachment_dir
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()
