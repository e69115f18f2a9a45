"""Benchmark: what the hostile-input checks cost on the largest bodies /graphql accepts (1 MiB by default).

Not part of the test suite. Run from the repository root:

    python -m bench.request_body

For each body: json.loads alone (what strawberry did before), the strict read of server/request_body.py (UTF-8,
standard JSON, an object, nesting at most 32 levels) and the lone-surrogate check of the variables
(resolvers/kernel/validation.py `lone_surrogate`, run by schema/unicode_guard.py). Best of 5 runs, in milliseconds.
"""

from __future__ import annotations

import json
import timeit
from collections.abc import Callable
from functools import partial
from typing import Any

from resolvers.kernel.validation import lone_surrogate
from server.request_body import read_json_object

CASES: dict[str, dict[str, Any]] = {
    "typical queue query": {
        "query": "query ($f: TicketFilterInput) { tickets(filter: $f) { totalCount } }",
        "variables": {"f": {"search": "printer"}},
    },
    "100k short ids": {"query": "{ __typename }", "variables": {"ids": [str(i) for i in range(100_000)]}},
    "40k small objects": {
        "query": "{ __typename }",
        "variables": {"scope": [{"categoryId": str(i)} for i in range(40_000)]},
    },
    "1 MB description": {"query": "{ __typename }", "variables": {"input": {"description": "x" * 1_000_000}}},
    "100k ids, last bad": {
        "query": "{ __typename }",
        "variables": {"ids": [*(str(i) for i in range(100_000)), "\ud800"]},
    },
}


def best_ms(work: Callable[[], object], number: int) -> float:
    return min(timeit.repeat(work, number=number, repeat=5)) / number * 1e3


def main() -> None:
    print(f"{'body':22} {'bytes':>9}  {'json.loads':>10}  {'strict read':>11}  {'surrogates':>10}")
    for name, document in CASES.items():
        body = json.dumps(document).encode()
        variables = json.loads(body)["variables"]
        number = 2000 if len(body) < 1000 else 5
        loads = best_ms(partial(json.loads, body), number)
        strict = best_ms(partial(read_json_object, body), number)
        check = best_ms(partial(lone_surrogate, variables, ""), number)
        print(f"{name:22} {len(body):>9}  {loads:>8.2f}ms  {strict:>9.2f}ms  {check:>8.2f}ms")


if __name__ == "__main__":
    main()
