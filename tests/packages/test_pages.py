"""The admin pages and the JSON API of issue 21. The app's own database (the test database) and
data folder are one server; ``room_db`` (a second database) plays the other one: a wave made
there is imported here through the API and the pages, and a wave exported here opens there."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.bank.models import ItemVersion
from cact.config import Settings
from cact.exam.models import Enrollment, Sitting
from cact.keys import service as keys
from cact.keys.identity import Identity, grouped, init_identity, load_identity
from cact.keys.models import TrustedKey
from cact.packages.envelope import MAGIC
from cact.packages.incoming import PACKAGE_BODY_BYTES
from cact.packages.models import PackageReceipt
from cact.packages.service import export_wave, import_package
from cact.participants.models import Participant
from tests.conftest import TEST_SECRET
from tests.fixtures.factories import create_staff, login
from tests.packages.conftest import ACTOR, scheduled_wave

HTML = {"Accept": "text/html"}
RAW = {"Content-Type": "application/octet-stream"}


@pytest.fixture
def server_dir(tmp_path: Path) -> Path:
    return tmp_path / "server"


@pytest.fixture
def settings(database_url: str, server_dir: Path) -> Settings:
    return Settings(
        environment="test", secret_key=TEST_SECRET, database_url=database_url, data_dir=server_dir
    )


@pytest.fixture
def here(server_dir: Path) -> Identity:
    """The app's own identity (its data folder)."""
    return init_identity(server_dir, "Lab SMKN 1")


@pytest.fixture
async def admin(client: AsyncClient, db: AsyncSession) -> AsyncIterator[str]:
    yield await login(client, await create_staff(db, "admin"))


async def _counts(db: AsyncSession) -> tuple[int, ...]:
    models = (Sitting, Participant, Enrollment, ItemVersion, PackageReceipt, AuditEvent, TrustedKey)
    return tuple([int(await db.scalar(select(func.count()).select_from(m)) or 0) for m in models])


async def _wave_for_here(room_db: AsyncSession, office: Identity, here: Identity) -> bytes:
    sitting = await scheduled_wave(room_db, participants=6)
    return await export_wave(room_db, sitting.id, office, here.public, ACTOR)


def _error(response_json: dict[str, object]) -> object:
    return response_json["error"]


async def test_the_api_previews_imports_once_and_lists_the_keys(
    client: AsyncClient,
    admin: str,
    db: AsyncSession,
    room_db: AsyncSession,
    office: Identity,
    here: Identity,
) -> None:
    await keys.trust(db, office.public, ACTOR, role="office")
    data = await _wave_for_here(room_db, office, here)
    before = await _counts(db)

    preview = await client.post("/api/packages/preview", content=data, headers=RAW)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["applied"] is False and body["kind"] == "wave"
    assert body["sitting"]["code"] == "WAVE-1" and body["sender"]["name"] == "Kantor BKPSDM"
    assert body["summary"]["created.participant"] == 6
    assert await _counts(db) == before

    done = await client.post("/api/packages/import", content=data, headers=RAW)
    assert done.status_code == 200, done.text
    assert done.json()["applied"] is True
    assert done.json()["summary"] == body["summary"]
    after = await _counts(db)
    assert after[0] == before[0] + 1 and after[1] == before[1] + 6

    again = await client.post("/api/packages/import", content=data, headers=RAW)
    assert again.status_code == 200 and again.json()["already_applied"] is True
    assert await _counts(db) == after

    listed = (await client.get("/api/keys")).json()
    assert listed["identity"]["fingerprint"] == here.fingerprint
    assert listed["identity"]["public_key_file"] == here.public.to_file()
    assert [k["fingerprint"] for k in listed["trusted"]] == [office.fingerprint]


async def test_the_api_refuses_bad_packages_and_writes_nothing(
    client: AsyncClient,
    admin: str,
    db: AsyncSession,
    room_db: AsyncSession,
    office: Identity,
    here: Identity,
    tmp_path: Path,
) -> None:
    data = await _wave_for_here(room_db, office, here)
    before = await _counts(db)
    untrusted = await client.post("/api/packages/import", content=data, headers=RAW)
    assert untrusted.status_code == 403 and _error(untrusted.json()) == "unknown_signer"

    await keys.trust(db, office.public, ACTOR, role="office")
    before = await _counts(db)
    flipped = bytearray(data)
    flipped[-100] ^= 0x20
    for body, status, code in (
        (bytes(flipped), 422, "package_tampered"),
        (b"nama,nip\n", 422, "not_a_package"),
        (b"", 422, "package_upload_empty"),
        (data[: len(MAGIC) + 10], 422, "package_tampered"),
    ):
        for path in ("/api/packages/preview", "/api/packages/import"):
            refused = await client.post(path, content=body, headers=RAW)
            assert refused.status_code == status, (path, refused.text)
            assert _error(refused.json()) == code
    other = init_identity(tmp_path / "other", "Lab SMKN 2")
    elsewhere = await export_wave(
        room_db,
        (await room_db.scalar(select(Sitting.id).where(Sitting.code == "WAVE-1"))) or 0,
        office,
        other.public,
        ACTOR,
    )
    refused = await client.post("/api/packages/import", content=elsewhere, headers=RAW)
    assert refused.status_code == 422 and _error(refused.json()) == "not_for_this_server"
    assert await _counts(db) == before


async def test_the_api_refuses_an_oversized_body_before_reading_it(
    client: AsyncClient, admin: str, here: Identity
) -> None:
    chunk = b"\0" * (4 * 1024 * 1024)

    async def too_much() -> AsyncIterator[bytes]:
        for _ in range(PACKAGE_BODY_BYTES // len(chunk) + 1):
            yield chunk

    response = await client.post("/api/packages/import", content=too_much(), headers=RAW)
    assert response.status_code == 413


async def test_only_admins_reach_the_packages_api_and_pages(
    client: AsyncClient, db: AsyncSession, here: Identity
) -> None:
    routes = (
        ("GET", "/api/keys"),
        ("POST", "/api/packages/preview"),
        ("POST", "/api/packages/import"),
        ("GET", "/admin/keys"),
        ("GET", "/admin/keys/public.json"),
        ("GET", "/admin/packages"),
        ("POST", "/admin/packages/preview"),
        ("POST", "/admin/packages/apply"),
        ("POST", "/admin/packages/export"),
        ("POST", "/admin/keys/trust"),
        ("POST", "/admin/keys/init"),
    )
    # A participant's kiosk token is no staff session.
    for method, path in routes:
        anonymous = await client.request(
            method, path, content=b"x", headers={**RAW, "Authorization": "Bearer kiosk-token"}
        )
        assert anonymous.status_code == 401, (method, path)
    for role in ("editor", "proctor"):
        await login(client, await create_staff(db, role))
        for method, path in routes:
            refused = await client.request(method, path, content=b"x", headers=RAW)
            assert refused.status_code == 403, (role, method, path)
            assert _error(refused.json()) == "wrong_role"


async def test_changes_without_the_csrf_token_are_refused(
    client: AsyncClient, admin: str, db: AsyncSession, here: Identity, office: Identity
) -> None:
    del client.headers["X-CSRF-Token"]
    before = await _counts(db)
    for path in ("/api/packages/import", "/api/packages/preview"):
        refused = await client.post(path, content=b"CACT-PACKAGE/1\n", headers=RAW)
        assert refused.status_code == 403 and _error(refused.json()) == "csrf_rejected"
    trust = await client.post(
        "/admin/keys/trust",
        data={"key_text": office.public.to_file(), "role": "office", "action": "trust"},
    )
    assert trust.status_code == 403
    forged = await client.post(
        "/admin/keys/trust",
        data={"key_text": office.public.to_file(), "action": "trust", "csrf_token": "forged"},
    )
    assert forged.status_code == 403
    assert await _counts(db) == before


async def test_the_keys_page_creates_the_identity_and_trusts_after_the_fingerprint(
    client: AsyncClient, admin: str, db: AsyncSession, server_dir: Path, office: Identity
) -> None:
    empty = await client.get("/admin/keys", headers=HTML)
    assert empty.status_code == 200 and 'data-testid="init-form"' in empty.text
    missing = await client.get("/admin/keys/public.json", headers=HTML)
    assert missing.status_code == 404 and "cact keys init" in missing.text

    made = await client.post("/admin/keys/init", data={"name": "Kantor Pusat"}, headers=HTML)
    assert made.status_code == 303 and made.headers["location"].endswith("identity_created")
    identity = load_identity(server_dir)
    page = await client.get("/admin/keys", headers=HTML)
    assert grouped(identity.fingerprint) in page.text and "init-form" not in page.text
    download = await client.get("/admin/keys/public.json")
    assert download.text == identity.public.to_file()
    assert "attachment" in download.headers["content-disposition"]
    again = await client.post("/admin/keys/init", data={"name": "Lain"}, headers=HTML)
    assert (
        again.status_code == 409 and load_identity(server_dir).fingerprint == identity.fingerprint
    )

    key_file = ("lab.json", office.public.to_file().encode(), "application/json")
    check = await client.post(
        "/admin/keys/trust", files={"file": key_file}, data={"role": "office"}, headers=HTML
    )
    assert check.status_code == 200 and 'data-testid="trust-confirm"' in check.text
    assert grouped(office.fingerprint) in check.text
    assert await keys.active_key(db, office.fingerprint) is None  # shown, not yet trusted
    hidden = re.search(r'name="key_text" value="([^"]*)"', check.text)
    assert hidden is not None
    trusted = await client.post(
        "/admin/keys/trust",
        data={"key_text": unescape(hidden.group(1)), "role": "office", "action": "trust"},
        headers=HTML,
    )
    assert trusted.status_code == 303
    row = await keys.active_key(db, office.fingerprint)
    assert row is not None and row.role == "office"

    own = ("own.json", identity.public.to_file().encode(), "application/json")
    refused = await client.post("/admin/keys/trust", files={"file": own}, headers=HTML)
    assert refused.status_code == 409 and "sendiri" in refused.text
    broken = ("x.json", b'{"format": "cact-key/1"}', "application/json")
    refused = await client.post("/admin/keys/trust", files={"file": broken}, headers=HTML)
    assert refused.status_code == 422 and 'data-testid="error"' in refused.text

    revoked = await client.post(f"/admin/keys/{row.id}/revoke", headers=HTML)
    assert revoked.status_code == 303
    db.expire_all()  # the app's session changed the row this session holds
    assert await keys.active_key(db, office.fingerprint) is None
    assert "dicabut" in (await client.get("/admin/keys", headers=HTML)).text
    unknown = await client.post("/admin/keys/999999/revoke", headers=HTML)
    assert unknown.status_code == 404


async def test_the_packages_page_exports_a_wave_the_room_opens_audited(
    client: AsyncClient,
    admin: str,
    db: AsyncSession,
    room_db: AsyncSession,
    room: Identity,
    here: Identity,
) -> None:
    """This server is the office for a sitting of its own, exported to the room's key."""
    sitting = await scheduled_wave(db, participants=4)
    no_key = await client.post("/admin/packages/export", data={"sitting_id": str(sitting.id)})
    assert no_key.status_code == 422
    room_key = await keys.trust(db, room.public, ACTOR, role="room")
    page = await client.get(f"/admin/packages?sitting={sitting.id}", headers=HTML)
    assert f'<option value="{sitting.id}" selected>' in page.text
    exported = await client.post(
        "/admin/packages/export",
        data={"sitting_id": str(sitting.id), "key_id": str(room_key.id)},
        headers=HTML,
    )
    assert exported.status_code == 200 and exported.content.startswith(MAGIC)
    assert "gelombang-WAVE-1" in exported.headers["content-disposition"]
    audited = await db.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "package.exported", AuditEvent.sitting_id == sitting.id)
    )
    assert audited == 1
    await keys.trust(room_db, here.public, ACTOR, role="office")
    opened = await import_package(room_db, exported.content, ACTOR, room)
    assert opened.applied and opened.summary["created.enrollment"] == 4
    missing = await client.post(
        "/admin/packages/export",
        data={"sitting_id": "999999", "key_id": str(room_key.id)},
        headers=HTML,
    )
    assert missing.status_code == 404


async def test_the_packages_page_imports_after_the_preview_and_lists_the_receipt(
    client: AsyncClient,
    admin: str,
    db: AsyncSession,
    room_db: AsyncSession,
    office: Identity,
    here: Identity,
) -> None:
    """A wave from the other database, previewed, then applied with "Terapkan"."""
    await keys.trust(db, office.public, ACTOR, role="office")
    data = await _wave_for_here(room_db, office, here)
    before = await _counts(db)
    upload = {"file": ("gelombang.cactpkg", data, "application/octet-stream")}
    preview = await client.post("/admin/packages/preview", files=upload, headers=HTML)
    assert preview.status_code == 200, preview.text
    assert 'data-testid="apply-form"' in preview.text and "Terapkan" in preview.text
    assert "Kantor BKPSDM" in preview.text and grouped(office.fingerprint) in preview.text
    assert await _counts(db) == before
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', preview.text)
    assert digest is not None
    applied = await client.post(
        "/admin/packages/apply", data={"digest": digest.group(1)}, headers=HTML
    )
    assert applied.status_code == 200 and 'data-testid="package-result"' in applied.text
    assert (await _counts(db))[1] == before[1] + 6
    listing = await client.get("/admin/packages", headers=HTML)
    assert 'data-testid="receipts"' in listing.text and "Gelombang 1" in listing.text
    gone = await client.post(
        "/admin/packages/apply", data={"digest": digest.group(1)}, headers=HTML
    )
    assert gone.status_code == 404 and "unggah paketnya sekali lagi" in gone.text
    twice = await client.post("/admin/packages/preview", files=upload, headers=HTML)
    assert twice.status_code == 200 and 'data-testid="already-applied"' in twice.text

    flipped = bytearray(data)
    flipped[200] ^= 0x01
    bad = {"file": ("rusak.cactpkg", bytes(flipped), "application/octet-stream")}
    refused = await client.post("/admin/packages/preview", files=bad, headers=HTML)
    assert refused.status_code == 422 and "rusak atau telah diubah" in refused.text
    empty = await client.post("/admin/packages/preview", headers=HTML, files={})
    assert empty.status_code in (400, 422)
