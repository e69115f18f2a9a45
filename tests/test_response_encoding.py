"""Responses are encoded with orjson, and with json.dumps for what orjson refuses, so no response that encoded
before fails now (server/app.py)."""

from __future__ import annotations

import json
from typing import Any

from schema.root import build_schema
from server.app import HelpdeskGraphQL


def test_every_json_value_encodes_as_text_that_reads_back_the_same() -> None:
    view = HelpdeskGraphQL(build_schema())
    samples: list[Any] = [
        {"data": {"tickets": {"edges": [{"node": {"subject": "Écran noir ✓", "number": 7, "reopened": False}}]}}},
        {"data": {"history": [{"after": {"count": 2**70, "nested": [None, 1.5, "x"]}}]}},  # past 64 bits
        {"data": {"settings": {1: "a non-string key"}}},
    ]
    for sample in samples:
        encoded = view.encode_json(sample)
        assert isinstance(encoded, str)
        assert json.loads(encoded) == json.loads(json.dumps(sample))
