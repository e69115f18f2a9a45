from __future__ import annotations

import httpx

from core.enums import Role
from tests.helpers import gql_data, make_person


async def test_health_answers_ok_when_the_database_does(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    # This app runs no job runtime (the tests bring their own): Redis is not configured for it.
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not configured", "subscribers": 0}


async def test_me_is_null_without_token_and_the_user_with_one(client: httpx.AsyncClient) -> None:
    person = await make_person(Role.STAFF, name="Sam Staff")
    assert (await gql_data(client, "{ me { id } }"))["me"] is None
    data = await gql_data(client, "{ me { id name role email } }", token=person.token)
    assert data["me"] == {"id": str(person.id), "name": "Sam Staff", "role": "STAFF", "email": person.user.email}


async def test_graphiql_is_served_on_get(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
