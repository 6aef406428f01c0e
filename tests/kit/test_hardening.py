"""Hardening against hostile clients: headers on every page type, body limits before parsing,
no inline script in any template, weak passwords refused, the demo refused outside
development, and `cact --version`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.kit.security_headers import CONTENT_SECURITY_POLICY
from cact.kit.templates import UI_DIR
from tests.fixtures.factories import create_staff, login

CACT = str(Path(sys.executable).with_name("cact"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def _assert_headers(headers: object, where: str) -> None:
    assert headers.get("content-security-policy") == CONTENT_SECURITY_POLICY, where
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("referrer-policy") == "no-referrer", where


async def test_every_kind_of_response_carries_the_security_headers(
    client: AsyncClient, db: AsyncSession
) -> None:
    await login(client, await create_staff(db, "admin"))
    answers = {
        "json api": await client.get("/api/competencies"),
        "staff page": await client.get("/staff", headers={"Accept": "text/html"}),
        "kiosk page": await client.get("/kiosk", headers={"Accept": "text/html"}),
        "static file": await client.get("/static/kiosk/app.js"),
        "error": await client.get("/api/nothing-here"),
        "health": await client.get("/healthz"),
    }
    for where, response in answers.items():
        assert response.status_code < 500, where
        _assert_headers(response.headers, where)
    assert "strict-transport-security" not in answers["json api"].headers  # plain HTTP
    behind_tls = await client.get("https://testserver/healthz")
    assert behind_tls.headers["strict-transport-security"].startswith("max-age=")


def test_no_template_has_an_inline_script_or_handler() -> None:
    for template in (UI_DIR / "templates").rglob("*.html"):
        text = template.read_text("utf-8")
        assert not INLINE_SCRIPT.search(text), template
        assert not INLINE_HANDLER.search(text), template


async def test_a_too_large_kiosk_body_is_refused_before_it_is_parsed(client: AsyncClient) -> None:
    body = b'{"participant_no": "' + b"9" * 60_000 + b'", "token": "ABCDEF"}'
    response = await client.post(
        "/api/kiosk/v1/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    small = await client.post("/api/kiosk/v1/login", json={"participant_no": "x", "token": "y"})
    assert small.status_code != 413


async def test_a_staff_json_body_over_a_mebibyte_is_refused(
    client: AsyncClient, db: AsyncSession
) -> None:
    csrf = await login(client, await create_staff(db, "admin"))
    response = await client.post(
        "/api/staff-users",
        content=b"{" + b" " * (1024 * 1024 + 10) + b"}",
        headers={"Content-Type": "application/json", "X-CSRF-Token": csrf},
    )
    assert response.status_code == 413


async def test_weak_passwords_are_refused_with_the_field(
    client: AsyncClient, db: AsyncSession
) -> None:
    csrf = await login(client, await create_staff(db, "admin"))
    for weak in (" " * 12, "x" * 12, "admin12345678", "kompetensi2026"):
        response = await client.post(
            "/api/staff-users",
            json={"username": "wati", "full_name": "Wati", "roles": ["proctor"], "password": weak},
            headers={"X-CSRF-Token": csrf},
        )
        assert response.status_code == 422, weak
        fields = {problem["field"] for problem in response.json()["detail"]}
        assert fields == {"body.password"}, weak
    strong = await client.post(
        "/api/staff-users",
        json={
            "username": "wati",
            "full_name": "Wati",
            "roles": ["proctor"],
            "password": "gerimis-pagi-di-kebun-teh",
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert strong.status_code in (200, 201), strong.text


def test_demo_refuses_outside_development_and_touches_nothing(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CACT_ENVIRONMENT": "production",
        "CACT_SECRET_KEY": "p" * 48,
        "CACT_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run([CACT, "demo"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "CACT_ENVIRONMENT=development" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no database started, no demo.json


def test_a_short_secret_is_refused_without_being_echoed(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CACT_ENVIRONMENT": "production",
        "CACT_SECRET_KEY": "hunter2-short",
        "CACT_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run([CACT, "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "CACT_SECRET_KEY" in result.stderr
    assert "hunter2-short" not in result.stderr + result.stdout


def test_cact_version() -> None:
    result = subprocess.run([CACT, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert re.fullmatch(r"cact \d+\.\d+\.\d+.*\n", result.stdout)
