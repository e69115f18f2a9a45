"""Statement budgets of the email template API (tests/conftest.py `count_statements`, authentication included)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from core.enums import Role
from tests.conftest import StatementLog
from tests.helpers import gql_data, make_person
from tests.notify.test_email_templates_admin import LIST, PREVIEW, RESET, SEND_TEST, UPDATE


async def counted(
    client: httpx.AsyncClient, log: StatementLog, document: str, variables: dict[str, Any] | None, token: str
) -> int:
    await gql_data(client, document, variables, token)  # warm: driver introspection, known documents
    log.clear()
    await gql_data(client, document, variables, token)
    return log.count


@pytest.mark.parametrize(
    ("document", "input", "expected"),
    [
        # Authentication, the saved rows (one statement for every topic).
        (LIST, None, 2),
        # Authentication, the saved version, then BEGIN, UPDATE (no INSERT: the row exists), audit, COMMIT.
        (UPDATE, {"topic": "ticket_created", "subject": "Hi {{ subject }}"}, 6),
        # Authentication, the saved version, BEGIN, DELETE (nothing to delete on the counted second call), COMMIT.
        (RESET, {"topic": "ticket_created"}, 5),
        # Authentication, the saved version; nothing is written.
        (PREVIEW, {"topic": "ticket_created", "html": "<p>{{ subject }}</p>"}, 2),
        # Authentication, the outbox row (one INSERT: nothing else is written).
        (SEND_TEST, {"topic": "ticket_created"}, 2),
    ],
    ids=["emailTemplates", "updateEmailTemplate", "resetEmailTemplate", "previewEmailTemplate", "sendTestEmail"],
)
async def test_email_template_statement_budgets(
    db: str, client: httpx.AsyncClient, count_statements: StatementLog, document: str, input: Any, expected: int
) -> None:
    admin = await make_person(Role.ADMIN)
    count = await counted(client, count_statements, document, {"input": input} if input else None, admin.token)
    assert count == expected, "\n".join(" ".join(s.split())[:110] for s in count_statements.statements)
