"""The refusal reasons (docs/errors.md): one enum in resolvers/kernel/errors.py, the same in the schema and the docs,
each of one broad code, and every one of them produced by some rule."""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from arq.jobs import deserialize_result, serialize_result

from resolvers.kernel.errors import DomainError, ErrorCode, Reason, conflict, forbidden, not_found, validation
from tests.helpers import gql_data

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "errors.md"
ROW = re.compile(r"^\| `([A-Z_]+)` \| `([A-Z_]+)` \| (.+) \|$")


def expected_rows() -> list[str]:
    return [f"| `{r.name}` | `{r.code.value}` | {r.description} |" for r in Reason]


def test_each_reason_is_named_once_described_and_of_one_code() -> None:
    for reason in Reason:
        assert reason.value == reason.name, "declare a reason as NAME = 'NAME', code, description"
        assert isinstance(reason.code, ErrorCode)
        assert reason.description.endswith(".") and "|" not in reason.description, reason
    # Every broad code has at least one reason, so no refusal can go without a specific one.
    assert {reason.code for reason in Reason} == set(ErrorCode)


def test_docs_list_exactly_the_reasons_with_their_code_and_meaning() -> None:
    section = DOCS.read_text(encoding="utf-8").split("## Reasons", 1)[1].split("\n## ", 1)[0]
    listed = [line for line in section.splitlines() if ROW.match(line)]
    if listed != expected_rows():
        raise AssertionError(
            "docs/errors.md and resolvers/kernel/errors.py list different reasons. The table should read:\n"
            + "\n".join(expected_rows())
        )


def test_docs_list_exactly_the_codes() -> None:
    section = DOCS.read_text(encoding="utf-8").split("## Codes", 1)[1].split("\n## ", 1)[0]
    codes = re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.MULTILINE)
    assert codes == [code.value for code in ErrorCode]


def test_every_reason_is_raised_by_some_rule() -> None:
    """A reason nothing raises is a documented refusal that cannot happen: remove it or use it."""
    sources = "".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "resolvers").rglob("*.py") if path.name != "errors.py"
    )
    unused = [reason.name for reason in Reason if f"Reason.{reason.name}" not in sources]
    assert unused == []


async def test_the_schema_enum_is_the_domain_enum_with_its_descriptions(client: httpx.AsyncClient) -> None:
    query = '{ __type(name: "ErrorReason") { enumValues { name description } } }'
    values = (await gql_data(client, query))["__type"]["enumValues"]
    assert [(v["name"], v["description"]) for v in values] == [
        (r.name, f"{r.description} Code: {r.code.value}.") for r in Reason
    ]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda r: validation("name", "m", r), Reason.NAME_TAKEN),
        (lambda r: forbidden("m", r), Reason.TOO_LONG),
        (lambda r: not_found("Ticket 1", "number", r), Reason.ADMIN_ONLY),
        (lambda r: conflict("m", r), Reason.TICKET_NOT_FOUND),
    ],
    ids=["validation", "forbidden", "not_found", "conflict"],
)
def test_a_helper_refuses_a_reason_of_another_code(make: Callable[[Reason], object], reason: Reason) -> None:
    # The helper's name is the code: conflict() with a VALIDATION reason would make the name lie.
    with pytest.raises(ValueError, match=reason.name):
        make(reason)


def test_a_domain_error_survives_pickling_as_arq_stores_a_failed_job() -> None:
    """arq pickles a failed job's exception; Exception's own pickling rebuilt DomainError from its message alone,
    so `job.result()` raised DeserializationError instead of the refusal."""
    error = DomainError(
        Reason.NOT_IN_CATEGORY, "typeId does not belong to the category.", "typeId",
        more=[validation("subject", "subject is required.", Reason.REQUIRED)],
    )  # fmt: skip
    stored = serialize_result("close_expired", (), {}, 1, 0, False, error, 0, 1, "ref", "arq:queue", "job-1")
    assert stored is not None
    result = deserialize_result(stored).result
    again = pickle.loads(pickle.dumps(error))
    for rebuilt in (result, again):
        assert isinstance(rebuilt, DomainError)
        assert (rebuilt.reason, rebuilt.code, rebuilt.field, str(rebuilt)) == (
            Reason.NOT_IN_CATEGORY, ErrorCode.VALIDATION, "typeId", "typeId does not belong to the category."
        )  # fmt: skip
        assert [(e.reason, e.field, e.message) for e in rebuilt.all[1:]] == [
            (Reason.REQUIRED, "subject", "subject is required.")
        ]
