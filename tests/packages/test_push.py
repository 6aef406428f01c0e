"""``cact package push``: a wave package from the office's database pushed to a real room server
(`cact serve` on its own database and data directory) over loopback HTTP — resumed after the
client or the server was stopped mid-upload and applied exactly once, every chunk and signature
checked, the receiver's acknowledgement verified and recorded."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import threading
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from cact.exam.models import Enrollment, Sitting
from cact.keys import service as keys
from cact.keys.identity import Identity, init_identity
from cact.kit import migrate
from cact.kit.db import create_engine, create_sessionmaker
from cact.packages import sent
from cact.packages.models import PackageReceipt, PackageUpload, PackageUploadChunk, SentPackage
from cact.packages.push import PushRefused, push
from cact.packages.service import export_wave
from cact.packages.transport import (
    SIGNATURE,
    AckInvalid,
    header_line,
    sign_request,
    verify_acknowledgement,
)
from cact.programmes.models import Programme
from tests.browser.conftest import browser  # noqa: F401  the fixture, shared
from tests.conftest import TEST_SECRET, load_reference_data, recreate_database
from tests.faults.conftest import CACT, ServerProcess
from tests.fixtures.database import TestServer
from tests.fixtures.factories import PASSWORD, create_staff
from tests.packages.conftest import ACTOR, scheduled_wave

ROOM_PORT = 18531
MAX_BYTES = 2_000_000  # the room server's CACT_PUSH_MAX_BYTES
SHOTS = Path(os.environ.get("CACT_SCREENSHOTS", "/tmp"))


@dataclass
class Pair:
    office_url: str
    office_engine: AsyncEngine
    office_dir: Path
    office: Identity
    room_engine: AsyncEngine
    room: Identity
    server: ServerProcess
    sitting_id: int  # the office's sitting

    @property
    def url(self) -> str:
        return self.server.base_url


async def _database(pg_server: TestServer, name: str) -> tuple[str, AsyncEngine]:
    url = await recreate_database(pg_server, name)
    await asyncio.to_thread(migrate.upgrade, url)
    await load_reference_data(url)
    return url, create_engine(url, pool_size=2, max_overflow=2)


@pytest.fixture(scope="module")
async def pair(
    pg_server: TestServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Pair]:
    office_url, office_engine = await _database(pg_server, "cact_push_office")
    room_url, room_engine = await _database(pg_server, "cact_push_room")
    base = tmp_path_factory.mktemp("push")
    office = init_identity(base / "office", "Kantor BKPSDM")
    room = init_identity(base / "room", "Lab SMKN 1")
    async with create_sessionmaker(room_engine)() as db, db.begin():
        await keys.trust(db, office.public, ACTOR, role="office")
    async with create_sessionmaker(office_engine)() as db, db.begin():
        await keys.trust(db, room.public, ACTOR, role="room")
        sitting = await scheduled_wave(db, participants=12)
    server = ServerProcess(
        room_url,
        port=ROOM_PORT,
        extra_env={"CACT_DATA_DIR": str(base / "room"), "CACT_PUSH_MAX_BYTES": str(MAX_BYTES)},
        log_path=base / "room-server.log",
    )
    await asyncio.to_thread(server.start)
    try:
        yield Pair(
            office_url,
            office_engine,
            base / "office",
            office,
            room_engine,
            room,
            server,
            sitting.id,
        )
    finally:
        await asyncio.to_thread(server.stop)
        await office_engine.dispose()
        await room_engine.dispose()


async def _wave(pair: Pair) -> bytes:
    """A new package (a new id, a later version) of the office's sitting, for the room."""
    async with create_sessionmaker(pair.office_engine)() as db, db.begin():
        return await export_wave(db, pair.sitting_id, pair.office, pair.room.public, ACTOR)


async def _count(engine: AsyncEngine, statement: object) -> int:
    async with create_sessionmaker(engine)() as db:
        return int(await db.scalar(statement) or 0)  # type: ignore[call-overload]


async def _receipts(pair: Pair, data: bytes) -> int:
    package_id = uuid.UUID(json.loads(header_line(data))["package_id"])
    return await _count(
        pair.room_engine,
        select(func.count())
        .select_from(PackageReceipt)
        .where(PackageReceipt.package_id == package_id),
    )


async def _room_enrollments(pair: Pair) -> int:
    async with create_sessionmaker(pair.office_engine)() as db:
        external_id = await db.scalar(
            select(Sitting.external_id).where(Sitting.id == pair.sitting_id)
        )
    return await _count(
        pair.room_engine,
        select(func.count())
        .select_from(Enrollment)
        .join(Sitting, Sitting.id == Enrollment.sitting_id)
        .where(Sitting.external_id == external_id),
    )


async def _uploads_of(pair: Pair, package_id: str) -> tuple[int, int]:
    """(uploads, chunks) the room holds for the package."""
    async with create_sessionmaker(pair.room_engine)() as db:
        uploads = list(
            await db.scalars(
                select(PackageUpload.id).where(PackageUpload.package_id == uuid.UUID(package_id))
            )
        )
        chunks = await db.scalar(
            select(func.count())
            .select_from(PackageUploadChunk)
            .where(PackageUploadChunk.upload_id.in_(uploads or [uuid.uuid4()]))
        )
    return len(uploads), int(chunks or 0)


class Signed:
    """Raw signed requests, as the push client sends them, for the bad ones it never sends."""

    def __init__(self, pair: Pair, identity: Identity) -> None:
        self.base, self.identity = pair.url, identity

    def __call__(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> httpx.Response:
        signed = sign_request(self.identity, method, path, body)
        return httpx.request(
            method, self.base + path, content=body, headers={**signed, **(headers or {})}
        )

    def declare(self, data: bytes, **changes: object) -> httpx.Response:
        body = {
            "header_line": header_line(data),
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            **changes,
        }
        return self("POST", "/api/packages/uploads", json.dumps(body).encode())

    def chunk(self, upload: str, data: bytes, start: int, end: int) -> httpx.Response:
        content_range = f"bytes {start}-{end - 1}/{len(data)}"
        return self(
            "PUT",
            f"/api/packages/uploads/{upload}",
            data[start:end],
            {"Content-Range": content_range},
        )


class SenderStopped(Exception):
    """The sending process stopped (closed, killed) between two chunks."""


class Recorder:
    """An httpx client that notes each chunk's range and can stop after ``stop_after`` chunks
    (raising, as a killed client would) or run ``on_chunk`` after each stored chunk."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.ranges: list[str] = []
        self.stop_after = stop_after
        self.on_chunk: list[object] = []

    def _response(self, response: httpx.Response) -> None:
        if response.request.method == "PUT" and response.status_code == 200:
            response.read()  # the answer is in before anything is stopped
            self.ranges.append(response.request.headers["Content-Range"])
            for hook in self.on_chunk:
                hook(len(self.ranges))  # type: ignore[operator]
            if self.stop_after is not None and len(self.ranges) >= self.stop_after:
                raise SenderStopped()

    @property
    def client(self) -> httpx.Client:
        return httpx.Client(timeout=10, event_hooks={"response": [self._response]})


def _starts(ranges: list[str]) -> list[int]:
    return [int(r.split()[1].split("-")[0]) for r in ranges]


async def test_push_applies_once_and_the_signed_acknowledgement_verifies(pair: Pair) -> None:
    data = await _wave(pair)
    pushed = await asyncio.to_thread(push, data, pair.url, pair.office, chunk_bytes=8192)
    ack = pushed.acknowledgement
    header = json.loads(header_line(data))
    assert ack["applied"] and not ack["already_applied"] and pushed.resumed_from == 0
    assert pushed.sent_bytes == len(data)
    assert ack["package_id"] == header["package_id"] and ack["receiver"] == pair.room.fingerprint
    assert ack["summary"] and ack["receiver_name"] == "Lab SMKN 1"
    sha = hashlib.sha256(data).hexdigest()
    verify_acknowledgement(
        ack,
        package_id=header["package_id"],
        sha256=sha,
        recipient=pair.room.fingerprint,
        trusted_signing_public=pair.room.public.signing_public,
    )
    for field, value in (("applied", False), ("sha256", "0" * 64), ("summary", {})):
        with pytest.raises(AckInvalid):
            verify_acknowledgement(
                {**ack, field: value},
                package_id=header["package_id"],
                sha256=sha if field != "sha256" else "0" * 64,
                recipient=pair.room.fingerprint,
            )
    other = init_identity(pair.office_dir.parent / "impostor", "Impostor")
    with pytest.raises(AckInvalid):  # signed by a key that is not the one trusted for the room
        verify_acknowledgement(
            ack,
            package_id=header["package_id"],
            sha256=sha,
            recipient=pair.room.fingerprint,
            trusted_signing_public=other.public.signing_public,
        )
    assert await _receipts(pair, data) == 1 and await _room_enrollments(pair) == 12
    assert await _uploads_of(pair, header["package_id"]) == (1, 0)  # chunks gone once applied

    again = await asyncio.to_thread(push, data, pair.url, pair.office)  # nothing is sent again
    assert again.acknowledgement == ack and again.sent_bytes == 0
    assert await _receipts(pair, data) == 1 and await _room_enrollments(pair) == 12


async def test_a_stopped_sender_resumes_from_the_receivers_offset_and_applies_once(
    pair: Pair,
) -> None:
    data = await _wave(pair)
    chunk = max(1024, len(data) // 8 + 1)
    first = Recorder(stop_after=3)
    with first.client as client, pytest.raises(SenderStopped):
        await asyncio.to_thread(push, data, pair.url, pair.office, chunk_bytes=chunk, client=client)
    assert _starts(first.ranges) == [0, chunk, 2 * chunk]
    assert await _receipts(pair, data) == 0

    status = Signed(pair, pair.office)
    declared = status.declare(data).json()  # the same package declared again: the same upload
    assert declared["offset"] == 3 * chunk and not declared["complete"]
    assert (
        status("GET", f"/api/packages/uploads/{declared['upload_id']}").json()["offset"]
        == 3 * chunk
    )

    second = Recorder()
    with second.client as client:
        pushed = await asyncio.to_thread(
            push, data, pair.url, pair.office, chunk_bytes=chunk, client=client
        )
    assert pushed.resumed_from == 3 * chunk and pushed.sent_bytes == len(data) - 3 * chunk
    assert _starts(second.ranges)[0] == 3 * chunk  # not one byte of the first three again
    assert pushed.acknowledgement["applied"]
    assert await _receipts(pair, data) == 1 and await _room_enrollments(pair) == 12


async def test_a_receiving_server_stopped_mid_push_is_waited_for_and_the_push_resumes(
    pair: Pair,
) -> None:
    data = await _wave(pair)
    chunk = max(1024, len(data) // 6 + 1)
    recorder = Recorder()
    restarted = threading.Event()

    def stop_and_restart(stored: int) -> None:
        if stored == 2 and not restarted.is_set():
            restarted.set()
            pair.server.kill_hard()  # kill -9 between two chunks
            threading.Timer(1.0, pair.server.start).start()  # the service manager restarts it

    recorder.on_chunk.append(stop_and_restart)
    with recorder.client as client:
        pushed = await asyncio.to_thread(
            push, data, pair.url, pair.office, chunk_bytes=chunk, client=client
        )
    assert restarted.is_set()
    starts = _starts(recorder.ranges)
    assert starts == sorted(set(starts)) and starts[:3] == [0, chunk, 2 * chunk]  # no repeats
    assert pushed.acknowledgement["applied"]
    assert await _receipts(pair, data) == 1 and await _room_enrollments(pair) == 12


async def test_a_chunk_twice_is_stored_once_a_gap_or_wrong_offset_is_refused(pair: Pair) -> None:
    data = await _wave(pair)
    send = Signed(pair, pair.office)
    upload = send.declare(data).json()["upload_id"]
    package_id = json.loads(header_line(data))["package_id"]
    assert send.chunk(upload, data, 0, 1000).json()["offset"] == 1000
    twice = send.chunk(upload, data, 0, 1000)  # the answer was lost, the sender sends it again
    assert twice.status_code == 200 and twice.json()["offset"] == 1000
    assert await _uploads_of(pair, package_id) == (1, 1)

    gap = send.chunk(upload, data, 2000, 3000)
    assert gap.status_code == 409 and gap.json()["error"] == "upload_wrong_offset"
    assert gap.headers["Upload-Offset"] == "1000"
    other = bytearray(data[:1000])
    other[10] ^= 1
    mismatch = send(
        "PUT",
        f"/api/packages/uploads/{upload}",
        bytes(other),
        {"Content-Range": f"bytes 0-999/{len(data)}"},
    )
    assert mismatch.status_code == 409 and mismatch.headers["Upload-Offset"] == "1000"
    inside = send.chunk(upload, data, 500, 1500)  # overlaps what is stored
    assert inside.status_code == 409
    for content_range in (None, "bytes 1000-1099/5", f"bytes 1000-1001/{len(data)}", "1000-"):
        headers = {} if content_range is None else {"Content-Range": content_range}
        bad = send("PUT", f"/api/packages/uploads/{upload}", data[1000:1100], headers)
        assert bad.status_code == 422, content_range
    beyond = send(
        "PUT",
        f"/api/packages/uploads/{upload}",
        b"x" * 100,
        {"Content-Range": f"bytes {len(data)}-{len(data) + 99}/{len(data)}"},
    )
    assert beyond.status_code == 413
    early = send("POST", f"/api/packages/uploads/{upload}/complete")
    assert early.status_code == 409 and early.json()["error"] == "upload_incomplete"
    assert await _uploads_of(pair, package_id) == (1, 1)
    # Another trusted server cannot see or write this one's upload.
    assert send("GET", f"/api/packages/uploads/{uuid.uuid4()}").status_code == 404

    # Finished by the client, from where the receiver is.
    pushed = await asyncio.to_thread(push, data, pair.url, pair.office, chunk_bytes=4096)
    assert pushed.resumed_from == 1000 and await _receipts(pair, data) == 1


async def test_a_file_that_does_not_match_its_declaration_starts_over(pair: Pair) -> None:
    data = await _wave(pair)
    send = Signed(pair, pair.office)
    upload = send.declare(data).json()["upload_id"]
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x40
    assert send.chunk(upload, bytes(flipped), 0, len(data)).status_code == 200
    done = send("POST", f"/api/packages/uploads/{upload}/complete")
    assert done.status_code == 409 and done.json()["error"] == "upload_corrupt"
    assert await _receipts(pair, data) == 0
    assert send("GET", f"/api/packages/uploads/{upload}").json()["offset"] == 0
    pushed = await asyncio.to_thread(push, data, pair.url, pair.office)
    assert pushed.resumed_from == 0 and pushed.acknowledgement["applied"]


async def test_an_untrusted_or_badly_signed_sender_is_refused_before_a_byte_is_stored(
    pair: Pair,
) -> None:
    data = await _wave(pair)
    package_id = json.loads(header_line(data))["package_id"]
    stranger = init_identity(pair.office_dir.parent / "stranger", "Server Asing")
    refused = Signed(pair, stranger).declare(data)
    assert refused.status_code == 403 and refused.json()["error"] == "unknown_signer"
    assert "cact keys trust" in refused.json()["detail"]

    body = json.dumps({"header_line": header_line(data), "size": len(data), "sha256": "0" * 64})
    good = sign_request(pair.office, "POST", "/api/packages/uploads", body.encode())
    cases = {
        "no signature": {},
        "forged": {**good, SIGNATURE: sign_request(stranger, "POST", "/x", b"")[SIGNATURE]},
        "other body": {
            **good,
            SIGNATURE: sign_request(pair.office, "POST", "/api/packages/uploads", b"{}")[SIGNATURE],
        },
        "old": {**good, "X-Cact-Timestamp": str(int(good["X-Cact-Timestamp"]) - 7200)},
        "not hex": {**good, "X-Cact-Signer": "ZZZZ"},
    }
    for name, headers in cases.items():
        answer = httpx.post(f"{pair.url}/api/packages/uploads", content=body, headers=headers)
        assert answer.status_code == 401, name
        assert answer.json()["error"] == "push_not_signed", name
    # Chunks and status are signed too.
    unsigned = httpx.put(f"{pair.url}/api/packages/uploads/{uuid.uuid4()}", content=b"x")
    assert unsigned.status_code == 401
    assert await _uploads_of(pair, package_id) == (0, 0)

    # A trusted server sending a package signed by another, or for another server.
    room_to_itself = Signed(pair, pair.room)  # the room does not trust its own key
    assert room_to_itself.declare(data).status_code == 403
    async with create_sessionmaker(pair.room_engine)() as db, db.begin():
        await keys.trust(db, stranger.public, ACTOR, role="office")
    try:
        relayed = Signed(pair, stranger).declare(data)
        assert relayed.status_code == 403 and relayed.json()["error"] == "push_signer_mismatch"
        async with create_sessionmaker(pair.office_engine)() as db, db.begin():
            elsewhere = await export_wave(db, pair.sitting_id, pair.office, stranger.public, ACTOR)
        wrong_room = Signed(pair, pair.office).declare(elsewhere)
        assert wrong_room.status_code == 422
        assert wrong_room.json()["error"] == "not_for_this_server"
    finally:
        async with create_sessionmaker(pair.room_engine)() as db, db.begin():
            row = await keys.active_key(db, stranger.fingerprint)
            assert row is not None
            await keys.revoke(db, row.id, ACTOR)
    assert await _uploads_of(pair, package_id) == (0, 0)


async def test_oversize_and_malformed_declarations_are_refused(pair: Pair) -> None:
    data = await _wave(pair)
    send = Signed(pair, pair.office)
    package_id = json.loads(header_line(data))["package_id"]
    big = send.declare(data, size=MAX_BYTES + 1)
    assert big.status_code == 413 and big.json()["error"] == "package_too_large"
    for changes in (
        {"size": 0},
        {"size": 10},
        {"sha256": "xyz"},
        {"header_line": "{}"},
        {"header_line": "not json"},
        {"extra": 1},
    ):
        assert send.declare(data, **changes).status_code == 422, changes
    assert send("POST", "/api/packages/uploads", b"[").status_code == 422
    assert await _uploads_of(pair, package_id) == (0, 0)
    # A different file declared for a package already received is a conflict.
    await asyncio.to_thread(push, data, pair.url, pair.office)
    conflict = send.declare(data, sha256="1" * 64)
    assert conflict.status_code == 409 and conflict.json()["error"] == "upload_conflict"
    with pytest.raises(PushRefused):
        await asyncio.to_thread(push, data + b"", pair.url, stranger_of(pair))


def stranger_of(pair: Pair) -> Identity:
    return init_identity(pair.office_dir.parent / f"s-{uuid.uuid4().hex[:6]}", "Asing")


def _cli(pair: Pair, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CACT_DATABASE_URL": pair.office_url,
        "CACT_DATA_DIR": str(pair.office_dir),
        "CACT_ENVIRONMENT": "test",
        "CACT_SECRET_KEY": TEST_SECRET,
    }
    return subprocess.run(
        [CACT, "package", "push", *args], env=env, capture_output=True, text=True, timeout=120
    )


async def test_the_command_pushes_records_sent_and_acknowledged(pair: Pair, tmp_path: Path) -> None:
    data = await _wave(pair)
    file = tmp_path / "wave.cactpkg"
    file.write_bytes(data)
    done = await asyncio.to_thread(_cli, pair, str(file), "--to", pair.url, "--chunk-kib", "16")
    assert done.returncode == 0, done.stderr
    assert "acknowledged by Lab SMKN 1" in done.stdout and "applied" in done.stdout
    package_id = uuid.UUID(json.loads(header_line(data))["package_id"])
    async with create_sessionmaker(pair.office_engine)() as db:
        row = await db.scalar(select(SentPackage).where(SentPackage.package_id == package_id))
    assert row is not None and row.acknowledged_at is not None and row.destination == pair.url
    assert row.receipt is not None and row.receipt["receiver_name"] == "Lab SMKN 1"
    assert row.size == len(data) and row.recipient == pair.room.fingerprint

    again = await asyncio.to_thread(_cli, pair, str(file), "--to", pair.url)
    assert again.returncode == 0 and "already received before" in again.stdout
    async with create_sessionmaker(pair.office_engine)() as db:
        count = await db.scalar(
            select(func.count())
            .select_from(SentPackage)
            .where(SentPackage.package_id == package_id)
        )
    assert count == 1

    nowhere = await asyncio.to_thread(
        _cli, pair, str(file), "--to", "http://127.0.0.1:18599", "--retries", "1"
    )
    assert nowhere.returncode == 1 and "run the same command again" in nowhere.stderr
    async with create_sessionmaker(pair.office_engine)() as db:
        destinations = set(
            await db.scalars(
                select(SentPackage.destination).where(SentPackage.package_id == package_id)
            )
        )
    assert destinations == {pair.url}  # a push that never arrived is not "sent"
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a package")
    refused = await asyncio.to_thread(_cli, pair, str(junk), "--to", pair.url)
    assert refused.returncode == 1 and "not a CACT package" in refused.stderr


async def _admin(engine: AsyncEngine, username: str) -> None:
    async with create_sessionmaker(engine)() as db, db.begin():
        await create_staff(db, "admin", username=username)


async def _sign_in(context: BrowserContext, base: str, target: str, username: str) -> Page:
    page = await context.new_page()
    await page.goto(f"{base}/login?next={target}")
    await page.locator('input[name="username"]').fill(username)
    await page.locator('input[name="password"]').fill(PASSWORD)
    await page.locator('main button[type="submit"]').click()
    await page.wait_for_url(f"{base}{target}")
    return page


async def test_the_room_dashboard_and_the_programme_page_show_what_was_sent_at_1024(
    pair: Pair,
    browser: Browser,  # noqa: F811  the fixture imported above
) -> None:
    """After the pushes above: the room's dashboard shows the wave it received; the office's
    programme page shows the wave sent and acknowledged, results still awaited."""
    data = await _wave(pair)
    pushed = await asyncio.to_thread(push, data, pair.url, pair.office)
    async with create_sessionmaker(pair.office_engine)() as db, db.begin():
        await sent.record_sent(db, data, pair.url, acknowledgement=pushed.acknowledgement)
        programme = Programme(code="PRG-PUSH", title="Pemetaan 2026", validity_months=24)
        db.add(programme)
        await db.flush()
        sitting = await db.get(Sitting, pair.sitting_id)
        assert sitting is not None
        sitting.programme_id = programme.id
        external_id, programme_id = sitting.external_id, programme.id
    async with create_sessionmaker(pair.room_engine)() as db:
        room_sitting = await db.scalar(select(Sitting.id).where(Sitting.external_id == external_id))
    await _admin(pair.room_engine, "admin-ruang")
    await _admin(pair.office_engine, "admin-kantor")
    office_server = ServerProcess(
        pair.office_url, port=ROOM_PORT + 1, extra_env={"CACT_DATA_DIR": str(pair.office_dir)}
    )
    await asyncio.to_thread(office_server.start)
    context = await browser.new_context(viewport={"width": 1024, "height": 768}, locale="id-ID")
    try:
        room_page = await _sign_in(
            context, pair.url, f"/proctor/sittings/{room_sitting}", "admin-ruang"
        )
        box = room_page.get_by_test_id("transfer-status")
        await expect(box).to_be_visible()
        await expect(room_page.get_by_test_id("wave-received").locator("time")).to_have_count(1)
        await expect(room_page.get_by_test_id("results-sent")).to_have_attribute("data-state", "no")
        await box.scroll_into_view_if_needed()
        await room_page.screenshot(path=str(SHOTS / "push21-room-dashboard.png"))
        shown = await room_page.get_by_test_id("transfer").bounding_box()
        assert shown is not None and shown["x"] >= 0 and shown["x"] + shown["width"] <= 1024

        office_page = await _sign_in(
            context, office_server.base_url, f"/admin/programmes/{programme_id}", "admin-kantor"
        )
        table = office_page.get_by_test_id("transfer-table")
        await expect(table).to_be_visible()
        await expect(office_page.locator("[data-col=wave-acknowledged] time")).to_have_count(1)
        await expect(office_page.get_by_test_id("transfer-all")).to_have_attribute(
            "data-all-in", "no"
        )
        await table.scroll_into_view_if_needed()
        await office_page.screenshot(path=str(SHOTS / "push21-programme.png"))
        assert await office_page.evaluate("document.documentElement.scrollWidth") <= 1024
    finally:
        await context.close()
        await asyncio.to_thread(office_server.stop)
