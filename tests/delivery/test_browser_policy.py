"""The browser policy on the kiosk protocol (issue 22): checked at login and on every call, the
URL rebuilt from CACT_PUBLIC_BASE_URL. Every hash here comes from tests/lockdown/seb_reference.py
(SEB's documented algorithm), never from CACT's code."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.config import Settings
from cact.proctoring.dashboard import load_snapshot
from tests.conftest import TEST_SECRET
from tests.fixtures.factories import create_staff, login
from tests.fixtures.sittings import OpenSitting, open_sitting
from tests.lockdown import seb_reference as ref

# The room's reverse proxy: workstations open https://cact.lab, the app hears http://127.0.0.1:8000.
BASE = "https://cact.lab"
APP_HOST = "http://127.0.0.1:8000"
API = "/api/kiosk/v1"
BEK_LAB = "3" * 64  # the Browser Exam Key of the lab's SEB build
BEK_OTHER = "c" * 64


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        environment="test", secret_key=TEST_SECRET, database_url=database_url, public_base_url=BASE
    )


@pytest.fixture
async def kiosk_http(app: object) -> AsyncIterator[AsyncClient]:
    """The workstation, reached through the proxy (the app sees the proxy's Host header)."""
    transport = ASGITransport(app=app)  # type: ignore[arg-type]
    async with AsyncClient(transport=transport, base_url=APP_HOST) as http:
        yield http


@pytest.fixture
async def opened(db: AsyncSession) -> OpenSitting:
    return await open_sitting(db, participants=6)


async def set_policy(
    client: AsyncClient, db: AsyncSession, sitting_id: int, **body: Any
) -> dict[str, Any]:
    if "X-CSRF-Token" not in client.headers:
        await login(client, await create_staff(db, "admin"))
    response = await client.put(f"/api/sittings/{sitting_id}/browser-policy", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


class Seb:
    """A kiosk in SEB: every request carries the headers SEB computes for its own URL."""

    def __init__(
        self, http: AsyncClient, *, config_key: str | None, bek: str | None, base: str = BASE
    ):
        self.http, self.config_key, self.bek, self.base = http, config_key, bek, base
        self.token = ""

    def headers(self, path: str) -> dict[str, str]:
        out = ref.headers_for(
            self.base + API + path, config_key=self.config_key, browser_exam_key=self.bek
        )
        if self.token:
            out["Authorization"] = f"Bearer {self.token}"
        return out

    async def call(self, method: str, path: str, **kwargs: Any) -> Response:
        return await self.http.request(method, API + path, headers=self.headers(path), **kwargs)

    async def login(self, opened: OpenSitting, index: int = 0) -> Response:
        body = {"participant_no": opened.participant_nos[index], "token": opened.token}
        response = await self.call("POST", "/login", json=body)
        if response.status_code == 200:
            self.token = response.json()["kiosk_token"]
        return response


def refused(response: Response, reason: str) -> dict[str, Any]:
    assert response.status_code == 403, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == "browser_not_allowed"
    assert body["detail"]["reason"] == reason
    return body


async def test_the_right_keys_behind_a_proxy_sit_the_whole_protocol(
    client: AsyncClient, kiosk_http: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    policy = await set_policy(
        client,
        db,
        opened.sitting.id,
        kind="seb",
        check_config_key=True,
        browser_exam_keys=[BEK_LAB],
    )
    kiosk = Seb(kiosk_http, config_key=policy["config_key"], bek=BEK_LAB)
    assert (await kiosk.login(opened)).status_code == 200
    attempt = await kiosk.call("POST", "/attempt/start")
    assert attempt.status_code == 200, attempt.text
    section_id = attempt.json()["current_section_id"]
    section = await kiosk.call("GET", f"/sections/{section_id}")
    assert section.status_code == 200, section.text
    item = section.json()["items"][0]
    save = await kiosk.call(
        "PUT",
        f"/answers/{item['item_id']}",
        json={"option_id": item["options"][0]["option_id"], "doubtful": False, "seq": 1},
    )
    assert save.status_code == 200 and save.json()["applied"], save.text
    assert (await kiosk.call("POST", "/heartbeat")).status_code == 200
    assert (await kiosk.call("GET", "/attempt")).status_code == 200
    assert (await kiosk.call("POST", f"/sections/{section_id}/submit")).status_code == 200
    assert (await kiosk.call("POST", "/finish")).status_code == 200


async def test_a_wrong_config_key_a_wrong_bek_and_no_seb_are_refused_with_the_browser_to_use(
    client: AsyncClient, kiosk_http: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    policy = await set_policy(
        client,
        db,
        opened.sitting.id,
        kind="seb",
        check_config_key=True,
        browser_exam_keys=[BEK_LAB],
    )
    wrong_config = Seb(kiosk_http, config_key="0" * 64, bek=BEK_LAB)
    body = refused(await wrong_config.login(opened, 0), "config_key_mismatch")
    assert "Safe Exam Browser" in body["detail"]["message_id"]
    assert "Config Key" in body["detail"]["message_en"]
    assert " / " in body["detail"]["message"]
    wrong_bek = Seb(kiosk_http, config_key=policy["config_key"], bek=BEK_OTHER)
    refused(await wrong_bek.login(opened, 1), "browser_exam_key_mismatch")
    plain = await kiosk_http.post(
        f"{API}/login", json={"participant_no": opened.participant_nos[2], "token": opened.token}
    )
    refused(plain, "seb_required")


async def test_a_changed_url_is_refused_and_a_host_header_url_is_named_as_the_cause(
    client: AsyncClient, kiosk_http: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    policy = await set_policy(client, db, opened.sitting.id, kind="seb", check_config_key=True)
    kiosk = Seb(kiosk_http, config_key=policy["config_key"], bek=None)
    assert (await kiosk.login(opened)).status_code == 200
    # hashed for one call, sent to another (or a replayed header)
    replayed = kiosk.headers("/heartbeat")
    response = await kiosk_http.get(f"{API}/attempt", headers=replayed)
    refused(response, "config_key_mismatch")
    # a trailing slash, another scheme: another URL
    for base in (BASE + "/", "http://cact.lab"):
        moved = Seb(kiosk_http, config_key=policy["config_key"], bek=None, base=base)
        moved.token = kiosk.token
        refused(await moved.call("POST", "/heartbeat"), "config_key_mismatch")
    # SEB hashed the address the app sees (no base URL in front of it): the cause is named
    direct = Seb(kiosk_http, config_key=policy["config_key"], bek=None, base=APP_HOST)
    direct.token = kiosk.token
    refused(await direct.call("POST", "/heartbeat"), "url_mismatch")


async def test_every_call_after_login_is_checked(
    app: Any, client: AsyncClient, kiosk_http: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    policy = await set_policy(client, db, opened.sitting.id, kind="seb", check_config_key=True)
    kiosk = Seb(kiosk_http, config_key=policy["config_key"], bek=None)
    assert (await kiosk.login(opened)).status_code == 200
    bare = {"Authorization": f"Bearer {kiosk.token}"}
    for method, path in (
        ("GET", "/attempt"),
        ("POST", "/attempt/start"),
        ("POST", "/heartbeat"),
        ("PUT", "/answers/1"),
        ("POST", "/finish"),
    ):
        response = await kiosk_http.request(
            method, API + path, headers=bare, json={"option_id": None, "doubtful": False, "seq": 1}
        )
        refused(response, "seb_required")
    events = await kiosk_http.get(f"{API}/events", headers={**bare, "Accept": "text/event-stream"})
    refused(events, "seb_required")
    # the token's sitting is remembered: later calls of this kiosk read nothing to find it
    cache = app.state.browser_policies
    assert cache.attempt_of(ref_hash(kiosk.token)) is not None


def ref_hash(token: str) -> str:
    """How the server keeps a kiosk token (SHA-256 hex, tests/delivery/test_login.py)."""
    return hashlib.sha256(token.encode()).hexdigest()


async def test_the_javascript_route_for_seb_builds_without_headers(
    client: AsyncClient, kiosk_http: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    policy = await set_policy(
        client,
        db,
        opened.sitting.id,
        kind="seb",
        check_config_key=True,
        browser_exam_keys=[BEK_LAB],
    )
    key = policy["config_key"]

    def js(page: str, config_key: str = key, bek: str = BEK_LAB) -> dict[str, str]:
        # SafeExamBrowser.security.configKey / .browserExamKey: the keys hashed with the page URL
        return {
            "X-CACT-SEB-Page-URL": page,
            "X-CACT-SEB-ConfigKeyHash": ref.request_hash(page, config_key),
            "X-CACT-SEB-RequestHash": ref.request_hash(page, bek),
        }

    body = {"participant_no": opened.participant_nos[0], "token": opened.token}
    page = f"{BASE}/kiosk?lang=id"
    login_ok = await kiosk_http.post(f"{API}/login", json=body, headers=js(page + "#top"))
    assert login_ok.status_code == 200, login_ok.text
    token = login_ok.json()["kiosk_token"]
    beat = await kiosk_http.post(
        f"{API}/heartbeat", headers={**js(page), "Authorization": f"Bearer {token}"}
    )
    assert beat.status_code == 200, beat.text
    other = {"participant_no": opened.participant_nos[1], "token": opened.token}
    refused(
        await kiosk_http.post(f"{API}/login", json=other, headers=js("https://evil.example/kiosk")),
        "url_mismatch",
    )
    refused(
        await kiosk_http.post(f"{API}/login", json=other, headers=js(f"{BASE}/admin")),
        "url_mismatch",
    )
    refused(
        await kiosk_http.post(f"{API}/login", json=other, headers=js(page, config_key="1" * 64)),
        "config_key_mismatch",
    )
    refused(
        await kiosk_http.post(f"{API}/login", json=other, headers=js(page, bek=BEK_OTHER)),
        "browser_exam_key_mismatch",
    )


async def test_an_exam_browser_app_needs_its_user_agent_and_the_sitting_s_secret(
    client: AsyncClient, kiosk_http: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    policy = await set_policy(
        client, db, opened.sitting.id, kind="exam_app", user_agent_marker="ExamBrowser"
    )
    assert policy["start_url"].startswith(f"{BASE}/kiosk?exam_key=")
    secret = policy["start_url"].split("exam_key=", 1)[1]
    app_ua = (
        "Mozilla/5.0 (Linux; Android 12; SM-A125F) AppleWebKit/537.36 Chrome/120 Mobile "
        "ExamBrowser/4.2"
    )

    def body(i: int) -> dict[str, str]:
        return {"participant_no": opened.participant_nos[i], "token": opened.token}

    ok = await kiosk_http.post(
        f"{API}/login", json=body(0), headers={"User-Agent": app_ua, "X-CACT-Exam-Key": secret}
    )
    assert ok.status_code == 200, ok.text
    chrome = app_ua.replace(" ExamBrowser/4.2", "")
    no_app = await kiosk_http.post(
        f"{API}/login", json=body(1), headers={"User-Agent": chrome, "X-CACT-Exam-Key": secret}
    )
    assert "Exam Browser" in refused(no_app, "exam_app_required")["detail"]["message_id"]
    refused(
        await kiosk_http.post(f"{API}/login", json=body(1), headers={"User-Agent": app_ua}),
        "exam_key_invalid",
    )
    refused(
        await kiosk_http.post(
            f"{API}/login",
            json=body(1),
            headers={"User-Agent": app_ua, "X-CACT-Exam-Key": secret + "x"},
        ),
        "exam_key_invalid",
    )
    # a new secret: the old start URL stops working
    renewed = await set_policy(
        client,
        db,
        opened.sitting.id,
        kind="exam_app",
        user_agent_marker="ExamBrowser",
        new_secret=True,
    )
    assert renewed["start_url"] != policy["start_url"]
    beat = await kiosk_http.post(
        f"{API}/heartbeat",
        headers={
            "User-Agent": app_ua,
            "X-CACT-Exam-Key": secret,
            "Authorization": f"Bearer {ok.json()['kiosk_token']}",
        },
    )
    refused(beat, "exam_key_invalid")


async def test_refusals_are_audited_once_a_minute_and_flag_the_proctor_s_tile(
    app: Any, client: AsyncClient, kiosk_http: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    await set_policy(client, db, opened.sitting.id, kind="seb", check_config_key=True)
    body = {"participant_no": opened.participant_nos[0], "token": opened.token}
    cache = app.state.browser_policies
    for _ in range(8):
        cache._written.clear()  # every try writes (as if seconds apart): the audit still holds
        refused(await kiosk_http.post(f"{API}/login", json=body), "seb_required")
    audited = await db.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "attempt.browser_refused")
    )
    assert audited == 1
    event = await db.scalar(
        select(AuditEvent).where(AuditEvent.action == "attempt.browser_refused")
    )
    assert event is not None and event.reason == "seb_required"
    assert event.actor_kind == "participant" and event.actor_name == opened.participant_nos[0]
    # another reason is a new event
    wrong = Seb(kiosk_http, config_key="0" * 64, bek=None)
    refused(await wrong.login(opened, 0), "config_key_mismatch")
    assert (
        await db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "attempt.browser_refused")
        )
        == 2
    )
    snapshot = (await load_snapshot(db, opened.sitting.id, event.occurred_at)).as_json(
        event.occurred_at
    )
    flagged = [t for t in snapshot["tiles"] if t["browser_refused"]]
    assert len(flagged) == 1 and flagged[0]["number"] == opened.participant_nos[0]
    assert flagged[0]["browser_refused"]["reason"] == "config_key_mismatch"
    assert flagged[0]["browser_refused"]["count"] == 9


async def test_the_policy_is_data_audited_when_changed_and_validated(
    client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    sitting_id = opened.sitting.id
    await login(client, await create_staff(db, "admin"))
    start = await client.get(f"/api/sittings/{sitting_id}/browser-policy")
    assert start.status_code == 200 and start.json()["kind"] == "any"
    bad = await client.put(
        f"/api/sittings/{sitting_id}/browser-policy",
        json={"kind": "seb", "browser_exam_keys": ["nope"]},
    )
    assert bad.status_code == 422 and "64" in bad.text
    none = await client.put(
        f"/api/sittings/{sitting_id}/browser-policy",
        json={"kind": "seb", "check_config_key": False},
    )
    assert none.status_code == 422
    app = await client.put(f"/api/sittings/{sitting_id}/browser-policy", json={"kind": "exam_app"})
    assert app.status_code == 422 and "User-Agent" in app.text
    ok = await client.put(
        f"/api/sittings/{sitting_id}/browser-policy",
        json={"kind": "seb", "browser_exam_keys": [BEK_LAB.upper()], "quit_password": "rahasia-1"},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["browser_exam_keys"] == [BEK_LAB] and ok.json()["quit_password_set"]
    back = await client.put(f"/api/sittings/{sitting_id}/browser-policy", json={"kind": "any"})
    assert back.json()["kind"] == "any"
    events = (
        await db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "sitting.browser_policy")
            .order_by(AuditEvent.id)
        )
    ).all()
    assert [e.details["after"]["kind"] for e in events] == ["seb", "any"]
    assert events[0].details["after"]["config_key"] == ok.json()["config_key"]
    assert "rahasia-1" not in str(events[0].details)
    missing = await client.get("/api/sittings/999999/browser-policy")
    assert missing.status_code == 404


async def test_any_browser_costs_the_kiosk_no_lookup(
    app: Any, client: AsyncClient, kiosk_http: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    body = {"participant_no": opened.participant_nos[0], "token": opened.token}
    login_ok = await kiosk_http.post(f"{API}/login", json=body)
    assert login_ok.status_code == 200
    beat = await kiosk_http.post(
        f"{API}/heartbeat", headers={"Authorization": f"Bearer {login_ok.json()['kiosk_token']}"}
    )
    assert beat.status_code == 200
    cache = app.state.browser_policies
    assert cache.attempt_of(ref_hash(login_ok.json()["kiosk_token"])) is None


async def test_a_proxy_that_serves_cact_under_a_path_prefix(
    client: AsyncClient,
    kiosk_http: AsyncClient,
    db: AsyncSession,
    opened: OpenSitting,
    settings: Settings,
) -> None:
    # nginx: location /cact/ { proxy_pass http://127.0.0.1:8000/; } — the prefix is stripped
    settings.public_base_url = "https://sekolah.example/cact"
    policy = await set_policy(client, db, opened.sitting.id, kind="seb", check_config_key=True)
    assert policy["start_url"] == "https://sekolah.example/cact/kiosk"
    kiosk = Seb(
        kiosk_http, config_key=policy["config_key"], bek=None, base="https://sekolah.example/cact"
    )
    assert (await kiosk.login(opened)).status_code == 200
    assert (await kiosk.call("POST", "/heartbeat")).status_code == 200
    without_prefix = Seb(
        kiosk_http, config_key=policy["config_key"], bek=None, base="https://sekolah.example"
    )
    refused(await without_prefix.login(opened, 1), "config_key_mismatch")
