"""The answer save and the heartbeat are answered before the framework (cact/delivery/hot_path.py),
and read exactly as the routes do: the same bodies, the same refusals, the same headers; a call
that is not plainly valid goes on to the route, which answers as it always has."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.delivery import hot_path
from cact.exam.models import Response
from cact.kit.security_headers import HEADERS
from tests.fixtures.sittings import KioskClient, OpenSitting, open_sitting

API = "/api/kiosk/v1"


@pytest.fixture
async def opened(db: AsyncSession) -> OpenSitting:
    return await open_sitting(db)


@pytest.fixture
async def kiosk(client: AsyncClient, opened: OpenSitting) -> KioskClient:
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    return kiosk


@pytest.fixture
def answered_here(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the hot path answered itself (the rest went on to the routes)."""
    paths: list[str] = []
    answer = app.hot_path._answer

    async def counted(hot: Any, call: Any, send: Any) -> int:
        paths.append(call.scope["path"])
        return int(await answer(hot, call, send))

    monkeypatch.setattr(app.hot_path, "_answer", counted)
    return paths


async def _item(kiosk: KioskClient) -> dict[str, Any]:
    attempt = (await kiosk.call("POST", "/attempt/start")).json()  # type: ignore[attr-defined]
    section_path = f"/sections/{attempt['current_section_id']}"
    section = (await kiosk.call("GET", section_path)).json()  # type: ignore[attr-defined]
    return dict(section["items"][0])


async def test_a_plain_save_and_heartbeat_are_answered_here_with_the_routes_body(
    kiosk: KioskClient, db: AsyncSession, answered_here: list[str]
) -> None:
    item = await _item(kiosk)
    answered_here.clear()  # the start and the section went that way too
    option = item["options"][1]["option_id"]
    saved = await kiosk.call(
        "PUT", f"/answers/{item['item_id']}", json={"option_id": option, "seq": 1}
    )
    beat = await kiosk.call("POST", "/heartbeat")

    assert answered_here == [f"{API}/answers/{item['item_id']}", f"{API}/heartbeat"]
    assert saved.status_code == 200
    assert set(saved.json()) == {"server_time", "applied", "stored_seq", "remaining_ms", "paused"}
    assert saved.json()["applied"] is True and saved.json()["stored_seq"] == 1
    assert saved.headers["content-type"] == "application/json"
    for name, value in HEADERS.items():
        assert saved.headers[name] == value
    assert beat.status_code == 200 and beat.json()["status"] == "in_progress"
    stored = await db.scalar(select(Response.option_id).where(Response.seq == 1))
    assert stored == option


async def test_a_body_the_model_must_coerce_goes_to_the_route_and_saves_the_same(
    kiosk: KioskClient, answered_here: list[str]
) -> None:
    item = await _item(kiosk)
    answered_here.clear()  # the start and the section went that way too
    option = item["options"][0]["option_id"]
    saved = await kiosk.call(
        "PUT", f"/answers/{item['item_id']}", json={"option_id": str(option), "seq": "2"}
    )
    assert answered_here == []  # the route's model coerced "2"
    assert saved.status_code == 200 and saved.json()["stored_seq"] == 2
    again = await kiosk.call(
        "PUT", f"/answers/{item['item_id']}", json={"option_id": option, "seq": 2}
    )
    assert answered_here == [f"{API}/answers/{item['item_id']}"]
    assert again.json()["applied"] is False and again.json()["stored_seq"] == 2


@pytest.mark.parametrize(
    "body",
    [
        {"option_id": 1, "seq": 0},
        {"option_id": 1, "seq": 2**62 + 1},
        {"option_id": 1},
        {"seq": 1},
        {"option_id": 1, "seq": 1, "doubtful": "maybe"},
        {"option_id": [1], "seq": 1},
        [1, 2],
    ],
)
async def test_an_invalid_body_gets_the_routes_422_and_saves_nothing(
    kiosk: KioskClient, db: AsyncSession, answered_here: list[str], body: Any
) -> None:
    item = await _item(kiosk)
    answered_here.clear()  # the start and the section went that way too
    refused = await kiosk.call("PUT", f"/answers/{item['item_id']}", json=body)
    assert refused.status_code == 422 and refused.json()["error"] == "invalid"
    assert answered_here == []
    assert await db.scalar(select(Response.attempt_item_id)) is None


async def test_a_refusal_reads_the_same_on_the_hot_path_as_from_the_route(
    kiosk: KioskClient, answered_here: list[str]
) -> None:
    await _item(kiosk)
    answered_here.clear()  # the start and the section went that way too
    here = await kiosk.call("PUT", "/answers/999999999", json={"option_id": None, "seq": 5})
    routed = await kiosk.call("PUT", "/answers/999999999", json={"option_id": None, "seq": "5"})
    assert answered_here == [f"{API}/answers/999999999"]
    assert here.status_code == routed.status_code == 404
    assert here.json()["error"] == routed.json()["error"] == "unknown_item"
    assert here.json()["detail"] == routed.json()["detail"]
    assert here.headers["x-frame-options"] == "DENY"


async def test_a_bad_or_missing_token_is_refused_on_either_path(
    client: AsyncClient, kiosk: KioskClient, answered_here: list[str]
) -> None:
    item = await _item(kiosk)
    answered_here.clear()  # the start and the section went that way too
    path = f"{API}/answers/{item['item_id']}"
    forged = await client.put(
        path, json={"option_id": None, "seq": 1}, headers={"Authorization": "Bearer forged"}
    )
    missing = await client.put(path, json={"option_id": None, "seq": 1})
    beat = await client.post(f"{API}/heartbeat", headers={"Authorization": "Bearer forged"})
    assert forged.status_code == missing.status_code == beat.status_code == 401
    assert forged.json()["error"] == missing.json()["error"] == "kiosk_session_invalid"
    assert answered_here == [path, f"{API}/heartbeat"]  # the missing token went to the route


async def test_a_body_over_the_kiosk_limit_goes_to_the_route_and_is_refused(
    kiosk: KioskClient, answered_here: list[str]
) -> None:
    item = await _item(kiosk)
    answered_here.clear()  # the start and the section went that way too
    padded = {"option_id": None, "seq": 1, "pad": "x" * 20_000}
    refused = await kiosk.call("PUT", f"/answers/{item['item_id']}", json=padded)
    assert refused.status_code == 413
    assert answered_here == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_body_not_sent_as_json_gets_the_routes_422_and_saves_nothing(
    client: AsyncClient,
    kiosk: KioskClient,
    db: AsyncSession,
    answered_here: list[str],
    content_type: str | None,
) -> None:
    item = await _item(kiosk)
    answered_here.clear()
    headers = dict(kiosk.headers)
    if content_type is not None:
        headers["Content-Type"] = content_type
    refused = await client.put(
        f"{API}/answers/{item['item_id']}",
        content=b'{"option_id": null, "seq": 1}',
        headers=headers,
    )
    assert refused.status_code == 422 and refused.json()["error"] == "invalid"
    assert answered_here == []
    assert await db.scalar(select(Response.attempt_item_id)) is None
    vendor = await client.put(
        f"{API}/answers/{item['item_id']}",
        content=b'{"option_id": null, "seq": 1}',
        headers={**kiosk.headers, "Content-Type": "application/vnd.cact+json; charset=utf-8"},
    )
    assert vendor.status_code == 200 and answered_here == [f"{API}/answers/{item['item_id']}"]


def test_only_the_kiosk_protocols_own_routes_are_taken() -> None:
    def taken(method: str, path: str) -> tuple[str, int] | None:
        found = hot_path.route({"method": method, "path": path})
        return None if found is None else (found[0].template, found[1])

    assert taken("PUT", f"{API}/answers/12") == (f"{API}/answers/{{item_id}}", 12)
    assert taken("POST", f"{API}/heartbeat") == (f"{API}/heartbeat", 0)
    assert taken("GET", f"{API}/attempt") == (f"{API}/attempt", 0)
    assert taken("POST", f"{API}/attempt/start") == (f"{API}/attempt/start", 0)
    assert taken("GET", f"{API}/sections/7") == (f"{API}/sections/{{section_id}}", 7)
    assert taken("POST", f"{API}/sections/7/submit") == (
        f"{API}/sections/{{section_id}}/submit",
        7,
    )
    assert taken("POST", f"{API}/login") == (f"{API}/login", 0)
    for method, path in [
        ("GET", f"{API}/answers/12"),
        ("PUT", f"{API}/answers/"),
        ("PUT", f"{API}/answers/12/x"),
        ("PUT", f"{API}/answers/-1"),
        ("PUT", f"{API}/answers/\u0661\u0662"),  # Arabic-Indic digits: the route's int refuses
        ("PUT", f"{API}/answers/{'9' * 19}"),
        ("GET", f"{API}/heartbeat"),
        ("POST", f"{API}/heartbeat/"),
        ("GET", f"{API}/sections/7/submit"),
        ("POST", f"{API}/sections/x/submit"),
        ("POST", f"{API}/finish"),  # the ORM's: rare, and answered by the route
        ("POST", f"{API}/logout"),
        ("GET", f"{API}/events"),
        ("GET", f"{API}/login"),
        ("POST", "/api/kiosk/v2/login"),
    ]:
        assert taken(method, path) is None, (method, path)


def test_only_a_body_valid_as_it_stands_is_taken() -> None:
    assert hot_path.plain_answer(b'{"option_id": 3, "seq": 1}') == {"option_id": 3, "seq": 1}
    assert hot_path.plain_answer(b'{"option_id": null, "seq": 9, "doubtful": true}') is not None
    for body in [
        b'{"option_id": true, "seq": 1}',
        b'{"option_id": 3, "seq": true}',
        b'{"option_id": 3.0, "seq": 1}',
        b'{"option_id": 3, "seq": 1.5}',
        b'{"option_id": 3, "seq": 1, "doubtful": 1}',
        b'{"option_id": 99999999999999999999, "seq": 1}',
        b"not json",
        b"",
    ]:
        assert hot_path.plain_answer(body) is None, body


def test_only_a_login_valid_as_it_stands_is_taken() -> None:
    assert hot_path.plain_login(b'{"participant_no": "P-1", "token": "ABC123"}') is not None
    assert hot_path.plain_login(b'{"participant_no": "P-1", "token": "A", "secret": null}')
    for body in [
        b'{"participant_no": "", "token": "ABC123"}',
        b'{"participant_no": "' + b"9" * 33 + b'", "token": "ABC123"}',
        b'{"participant_no": 12345, "token": "ABC123"}',
        b'{"participant_no": "P-1", "token": "' + b"A" * 17 + b'"}',
        b'{"participant_no": "P-1"}',
        b'{"participant_no": "P-1", "token": "A", "secret": 19800101}',
        b'{"participant_no": "P-1", "token": "A", "secret": "' + b"1" * 65 + b'"}',
        b'["P-1", "A"]',
    ]:
        assert hot_path.plain_login(body) is None, body
