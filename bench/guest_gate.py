"""Benchmark: what the guest gate (schema/field_gate.py) costs per operation. No database needed.

    python -m bench.guest_gate

Reported, in microseconds of CPU per operation: the first walk of a document (the guest's whole ticket view,
52 fields, fragments included), the cached verdict every later request of the same document pays, and the
refusal of a document asking for a hidden field (which builds a fresh error each time). People with an account
pay only `audience_of(actor)`, one attribute test.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from graphql import parse

from resolvers.guests.fields import Audience
from schema.field_gate import FieldGate, first_refusal
from schema.root import build_schema

CLASSIFICATION = "id name sortOrder archived"
TICKET_VIEW = f"""query($n: Int!) {{ ticket(number: $n) {{ ...Ticket }} }}
fragment Ticket on Ticket {{ id number subject description descriptionHtml priority resolutionNotes resolvedAt
  closedAt reopened createdAt updatedAt guestEmail status {{ id name kind color sortOrder }}
  category {{ {CLASSIFICATION} types {{ {CLASSIFICATION} items {{ {CLASSIFICATION} }} }} }}
  type {{ {CLASSIFICATION} items {{ {CLASSIFICATION} }} }} item {{ {CLASSIFICATION} }}
  replies {{ ... on Reply {{ id body bodyHtml internal deleted createdAt editedAt guestEmail
  author {{ id name }} }} }} }}"""
HIDDEN = TICKET_VIEW.replace("guestEmail status", "guestEmail history { action } status")


def per_call(work: Callable[[], object], rounds: int) -> float:
    start = time.process_time()
    for _ in range(rounds):
        work()
    return (time.process_time() - start) / rounds * 1e6


def main() -> None:
    schema = build_schema()._schema
    document, hidden = parse(TICKET_VIEW), parse(HIDDEN)
    assert first_refusal(schema, document, None, Audience.GUEST) is None
    assert first_refusal(schema, hidden, None, Audience.GUEST) is not None
    gate = FieldGate()
    walk = per_call(lambda: first_refusal(schema, document, None, Audience.GUEST), 5_000)
    cached = per_call(lambda: gate.check(schema, document, TICKET_VIEW, None, Audience.GUEST), 200_000)
    refused = per_call(lambda: gate.check(schema, hidden, HIDDEN, None, Audience.GUEST), 20_000)
    print(f"first walk of the guest's ticket view: {walk:.1f} us")
    print(f"cached verdict (allowed):              {cached:.2f} us")
    print(f"cached verdict (refused, new error):   {refused:.1f} us")


if __name__ == "__main__":
    main()
