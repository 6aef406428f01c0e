"""PostgreSQL stopped under a running server: every route answers 503 with Retry-After (JSON
for scripts and the kiosk, a bilingual page for staff browsers), never a 500 or a traceback,
and the server serves again by itself once PostgreSQL is back."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from cact.kit.db import create_engine, create_sessionmaker
from cact.kit.embedded_pg import EmbeddedPostgres
from tests.faults.conftest import ServerProcess, prepared_database
from tests.faults.routes import Call, Credentials, calls, send
from tests.fixtures.factories import PASSWORD, create_staff
from tests.fixtures.sittings import OpenSitting

# Routes that need no database and so keep answering as before: liveness, the metrics
# (memory only), and pages that are templates alone (their scripts then meet the 503s).
NO_DATABASE = {
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/login"),
    ("GET", "/kiosk"),
    ("GET", "/kiosk/quit"),  # the page Safe Exam Browser's quit link opens (issue 22)
    ("GET", "/"),
    # A client that did not ask for the kiosk's push stream is refused (406) before any query,
    # once the browser check (issue 22) has passed: that reads the worker's cache of browser
    # policies, and only when the cache is due (every 3 s) PostgreSQL, so a 503 is right too.
    ("GET", "/api/kiosk/v1/events"),
    # A pushed package's upload status (issue 21): an unsigned request is refused (401) first.
    ("GET", "/api/packages/uploads/{upload_id}"),
}
FROM_CACHE = {("GET", "/api/kiosk/v1/events")}
# A pushed package's upload (issue 21) is signed by a server's key, not a staff session: the
# walk's unsigned request is refused (401) before any query.
UNSIGNED_REFUSED = {
    ("POST", "/api/packages/uploads"),
    ("PUT", "/api/packages/uploads/{upload_id}"),
    ("POST", "/api/packages/uploads/{upload_id}/complete"),
}


def assert_as_before_or_unavailable(
    call: Call, response: httpx.Response, before: httpx.Response
) -> None:
    """A route that needs no database answers as before (one that reads a cache may 503)."""
    if (call.method, call.path) in FROM_CACHE and response.status_code == 503:
        assert_unavailable(call, response)
    else:
        assert response.status_code == before.status_code, call


async def prepared(url: str) -> tuple[OpenSitting, str]:
    opened = await prepared_database(url, participants=2)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with create_sessionmaker(engine)() as db, db.begin():
            user = await create_staff(db, "admin", "editor", "proctor", username="semua")
            return opened, user.username
    finally:
        await engine.dispose()


async def credentials(http: httpx.AsyncClient, opened: OpenSitting, username: str) -> Credentials:
    staff = await http.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert staff.status_code == 200, staff.text
    kiosk = await http.post(
        "/api/kiosk/v1/login",
        json={"participant_no": opened.participant_nos[0], "token": opened.token},
    )
    assert kiosk.status_code == 200, kiosk.text
    return Credentials(staff.json()["csrf_token"], kiosk.json()["kiosk_token"])


async def walk(
    http: httpx.AsyncClient, who: Credentials, ids: dict[str, int], todo: list[Call]
) -> dict[Call, httpx.Response]:
    return {call: await send(http, call, who, ids) for call in todo}


async def valid_requests_while_down(
    http: httpx.AsyncClient, who: Credentials, opened: OpenSitting, username: str
) -> dict[Call, httpx.Response]:
    kiosk = {"Authorization": f"Bearer {who.kiosk_token}"}
    return {
        Call("PUT", "/api/kiosk/v1/answers/{item_id}", False): await http.put(
            "/api/kiosk/v1/answers/1",
            json={"option_id": 1, "doubtful": False, "seq": 1},
            headers=kiosk,
        ),
        Call("POST", "/api/kiosk/v1/login", False): await http.post(
            "/api/kiosk/v1/login",
            json={"participant_no": opened.participant_nos[1], "token": opened.token},
        ),
        Call("POST", "/api/auth/login", False): await http.post(
            "/api/auth/login", json={"username": username, "password": PASSWORD}
        ),
    }


def refused_body(response: httpx.Response) -> bool:
    fields = [problem["field"] for problem in response.json()["detail"]]
    return bool(fields) and all(field.startswith("body.") for field in fields)


def assert_unavailable(call: Call, response: httpx.Response) -> None:
    where = f"{call.method} {call.path} ({'html' if call.html else 'json'})"
    assert response.status_code == 503, f"{where}: {response.status_code} {response.text[:300]}"
    assert response.headers.get("retry-after"), where
    assert "Traceback" not in response.text, where
    if call.path == "/readyz":  # for machines: JSON whoever asks
        assert response.json()["error"] == "database_unreachable", where
    elif call.html:
        assert "Server sedang memulihkan basis data" in response.text, where
        assert "The server is bringing its database back" in response.text, where
    else:
        assert response.json()["error"] == "database_unavailable", where


async def test_with_postgresql_stopped_every_route_answers_503_with_retry_after() -> None:
    with tempfile.TemporaryDirectory(prefix="cact-db-down-") as tmp:
        embedded = EmbeddedPostgres(Path(tmp) / "pgdata")
        url = embedded.start()
        server = ServerProcess(url)
        try:
            opened, username = await prepared(url)
            ids = {"sitting_id": opened.sitting.id}
            await asyncio.to_thread(server.start)
            async with httpx.AsyncClient(base_url=server.base_url, timeout=15) as http:
                who = await credentials(http, opened, username)
                todo = list(calls())
                reads = [c for c in todo if c.method == "GET"]  # change nothing, log no one out
                before = await walk(http, who, ids, reads)
                assert not [c for c, r in before.items() if r.status_code >= 500]

                await asyncio.to_thread(embedded.stop_server)
                during = await walk(http, who, ids, todo)
                valid = await valid_requests_while_down(http, who, opened, username)

                await asyncio.to_thread(embedded.start_server)
                deadline = time.monotonic() + 10
                while (await http.get("/readyz")).status_code != 200:
                    assert time.monotonic() < deadline, "the server did not serve again"
                    await asyncio.sleep(0.2)
                after = await walk(http, who, ids, reads)
        finally:
            await asyncio.to_thread(server.stop)
            embedded.stop()
    assert len(during) > 150  # the whole table, both kinds of client
    refused = set()
    for call, response in during.items():
        if (call.method, call.path) in NO_DATABASE:
            assert_as_before_or_unavailable(call, response, before[call])
        elif (call.method, call.path) in UNSIGNED_REFUSED:
            assert response.json()["error"] == "push_not_signed", call
        elif response.status_code == 422 and refused_body(response):
            refused.add((call.method, call.path))  # the empty body, refused before any query
        else:
            assert_unavailable(call, response)
    # Only the logins read a body before they know who asks; everything else asked PostgreSQL.
    assert refused <= {
        ("POST", "/api/kiosk/v1/login"),
        ("POST", "/api/auth/login"),
        ("POST", "/login"),
        ("PUT", "/api/kiosk/v1/answers/{item_id}"),
    }, refused
    for call, response in valid.items():  # and the same requests with a valid body: 503
        assert_unavailable(call, response)
    assert server.process is not None and server.process.returncode == 0
    # Back without a restart of the app: every page and read answers as it did before.
    changed = {c: r.status_code for c, r in after.items() if r.status_code != before[c].status_code}
    assert changed == {}
