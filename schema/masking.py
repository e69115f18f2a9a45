"""How GraphQL errors reach the server log and the client.

Expected errors (UNAUTHENTICATED, a refused query argument, an invalid document, a limit) are the client's
business: one line each in the log, sent to the client as they are. Unexpected exceptions keep their traceback
in the log and reach the client only as "Internal server error (request id ...)", with the same request id in
`extensions.requestId`, so a report from a user leads to the log entry. The request id is made once per request
(schema/context.py), so every error of one request carries the same one.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

log = logging.getLogger("helpdesk.graphql")


def new_request_id() -> str:
    return uuid.uuid4().hex[:12]


def request_id(execution_context: Any) -> str:
    """The request's id: the one its Context carries, else (a schema executed without one) one per execution."""
    found = getattr(getattr(execution_context, "context", None), "request_id", None)
    if isinstance(found, str):
        return found
    remembered: str = vars(execution_context).setdefault("_helpdesk_request_id", new_request_id())
    return remembered


def is_unexpected(error: GraphQLError) -> bool:
    """Our own GraphQLErrors (UNAUTHENTICATED, validation of the query) are meant for the client."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def log_error(error: GraphQLError, execution_context: Any) -> None:
    """One line for an expected error; the traceback, under the request id, for an unexpected one."""
    rid = request_id(execution_context)
    where = ".".join(str(p) for p in error.path) if error.path else "-"
    if is_unexpected(error):
        log.error("request %s: unexpected error at %s", rid, where, exc_info=error.original_error)
        return
    code = (error.extensions or {}).get("code", "GRAPHQL_ERROR")
    # The message alone: str(error) would add the document and a caret, several lines per error.
    log.info("request %s: %s at %s: %s", rid, code, where, " ".join(error.message.split()))


class MaskUnexpectedErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        # Already logged with its traceback by the schema's process_errors (schema/root.py), under the same id.
        rid = request_id(self.execution_context)
        return GraphQLError(
            message=f"Internal server error (request id {rid}).",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": rid},
        )
