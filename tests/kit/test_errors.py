from __future__ import annotations

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel

from cact.kit.errors import CactError, install_error_handlers


class SectionClosed(CactError):
    status = 409
    code = "section_closed"
    message = "Bagian ini sudah ditutup."


class Body(BaseModel):
    seq: int


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/closed")
    async def closed() -> None:
        raise SectionClosed()

    @app.get("/boom")
    async def boom() -> None:
        raise ZeroDivisionError("secret internals")

    @app.post("/body")
    async def body(data: Body) -> Body:
        return data

    return app


async def _client() -> AsyncClient:
    transport = ASGITransport(app=_app(), raise_app_exceptions=False)
    return AsyncClient(transport=transport, base_url="http://t")


async def test_a_domain_error_has_its_status_and_the_one_shape() -> None:
    async with await _client() as client:
        response = await client.get("/closed")
    assert response.status_code == 409
    body = response.json()
    assert (body["error"], body["detail"]) == ("section_closed", "Bagian ini sudah ditutup.")
    assert body["server_time"].endswith("+00:00")


async def test_an_unexpected_error_is_a_500_without_a_stack_trace() -> None:
    async with await _client() as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


async def test_invalid_bodies_get_422_with_field_paths() -> None:
    async with await _client() as client:
        wrong_type = await client.post("/body", json={"seq": "tiga"})
        not_json = await client.post(
            "/body", content=b"{broken", headers={"content-type": "application/json"}
        )
    assert wrong_type.status_code == 422
    assert wrong_type.json()["error"] == "invalid"
    assert wrong_type.json()["detail"][0]["field"] == "body.seq"
    assert not_json.status_code == 422
    assert not_json.json()["error"] == "invalid"


async def test_unknown_paths_and_methods_use_the_error_shape() -> None:
    async with await _client() as client:
        missing = await client.get("/nowhere")
        wrong_method = await client.delete("/closed")
    assert (missing.json()["error"], missing.json()["detail"]) == ("not_found", "Not Found")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"] == "method_not_allowed"


async def test_a_value_the_database_refuses_is_a_422_not_a_500(client: object, db: object) -> None:
    from httpx import AsyncClient
    from sqlalchemy.ext.asyncio import AsyncSession

    from tests.fixtures.factories import create_staff, login

    assert isinstance(client, AsyncClient) and isinstance(db, AsyncSession)
    await login(client, await create_staff(db, "admin"))
    huge = await client.get("/api/audit", params={"sitting_id": str(2**70)})
    assert huge.status_code == 422
    nul = await client.get("/api/audit", params={"action": "a\x00b"})
    assert nul.status_code == 422
    assert nul.json()["error"] == "invalid"
