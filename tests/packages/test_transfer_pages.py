"""The sent / acknowledged status: the room's dashboard fragment (in the room's zone) and the
office's programme page fragment ("status terupload semua" once every sitting's results are in)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam.models import Sitting
from cact.keys.identity import Identity
from cact.packages import sent
from cact.packages.models import PackageReceipt, SentPackage
from cact.packages.service import export_wave
from cact.programmes.models import Programme
from cact.rooms.models import Room
from tests.fixtures.factories import create_staff, login
from tests.packages.conftest import ACTOR, scheduled_wave


def _element(html: str, selector: str) -> str:
    """The start tag and text of the first element with ``selector`` (``data-x="v"``), to its
    closing tag: the fragments are small and flat."""
    match = re.search(rf"<(\w+)[^>]*{re.escape(selector)}[^>]*>.*?</\1>", html, re.S)
    assert match is not None, selector
    return match.group(0)


def _state(html: str, selector: str, attribute: str = "data-state") -> str:
    match = re.search(rf'{attribute}="([^"]*)"', _element(html, selector))
    assert match is not None
    return match.group(1)


ACK = {
    "receiver": "0" * 16,
    "receiver_name": "Kantor BKPSDM",
    "applied": True,
    "already_applied": False,
    "summary": {"created.attempt": 12},
    "acknowledged_at": "2026-12-03T06:00:00+00:00",
}


def _receipt(sitting: Sitting, kind: str) -> PackageReceipt:
    return PackageReceipt(
        package_id=uuid.uuid4(),
        kind=kind,
        sender="1" * 16,
        sitting_external_id=sitting.external_id,
        version=1,
        sha256="2" * 64,
        received_at=datetime(2026, 12, 3, 1, 0, tzinfo=UTC),
        applied_at=datetime(2026, 12, 3, 1, 0, tzinfo=UTC),
        summary={},
    )


async def test_the_room_dashboard_shows_results_sent_and_acknowledged_in_its_zone(
    db: AsyncSession, client: AsyncClient, office: Identity, room: Identity
) -> None:
    sitting = await scheduled_wave(db, participants=3)
    (await db.get(Room, sitting.room_id)).time_zone = "Asia/Makassar"  # type: ignore[union-attr]
    await login(client, await create_staff(db, "admin"))
    page = await client.get(f"/proctor/sittings/{sitting.id}/transfer")
    assert page.status_code == 200
    html = page.text
    assert _state(html, 'data-testid="results-sent"') == "no"
    assert "belum" in _element(html, 'data-testid="results-sent"')

    db.add(_receipt(sitting, "wave"))
    data = await export_wave(db, sitting.id, room, office.public, ACTOR)  # stands in for results
    await sent.record_sent(db, data, "https://kantor.example")
    await db.flush()
    page = await client.get(f"/proctor/sittings/{sitting.id}/transfer")
    assert _state(page.text, 'data-testid="results-sent"') == "no"  # that was a wave
    row = await db.scalar(
        select(SentPackage).where(SentPackage.sitting_external_id == sitting.external_id)
    )
    assert row is not None
    row.kind = "results"
    row.sent_at = datetime(2026, 12, 3, 5, 58, tzinfo=UTC)
    await db.flush()
    await sent.record_sent(db, data, "https://kantor.example", acknowledgement=ACK)
    row.kind = "results"
    row.acknowledged_at = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
    await db.flush()
    page = await client.get(f"/proctor/sittings/{sitting.id}/transfer")
    html = page.text
    ack = _element(html, 'data-testid="results-acknowledged"')
    assert _state(html, 'data-testid="results-acknowledged"') == "yes"
    assert "14:00 WITA" in ack and "Kantor BKPSDM" in ack  # 06:00 UTC in Makassar
    assert "09:00 WITA" in _element(html, 'data-testid="wave-received"')

    proctor = await create_staff(db, "proctor")
    await login(client, proctor)
    refused = await client.get(f"/proctor/sittings/{sitting.id}/transfer")
    assert refused.status_code == 403  # not this proctor's sitting
    assert (await client.get("/proctor/sittings/999999/transfer")).status_code == 404


async def test_the_programme_page_says_status_terupload_semua_when_every_result_is_in(
    db: AsyncSession, client: AsyncClient, office: Identity, room: Identity
) -> None:
    sitting = await scheduled_wave(db, participants=3)
    programme = Programme(code="PRG-PUSH", title="Program Push", validity_months=24)
    db.add(programme)
    await db.flush()
    sitting.programme_id = programme.id
    await db.flush()
    await login(client, await create_staff(db, "admin"))

    page = await client.get(f"/admin/programmes/{programme.id}/transfer")
    html = page.text
    assert _state(html, 'data-testid="transfer-all"', "data-all-in") == "no"
    assert _state(html, 'data-col="results-received"') == "no"

    data = await export_wave(db, sitting.id, office, room.public, ACTOR)
    await sent.record_sent(db, data, sent.FILE)
    await sent.record_sent(db, data, "https://lab.example", acknowledgement=ACK)
    db.add(_receipt(sitting, "results"))
    await db.flush()
    html = (await client.get(f"/admin/programmes/{programme.id}/transfer")).text
    assert _state(html, 'data-testid="transfer-all"', "data-all-in") == "yes"
    assert "Status terupload semua" in _element(html, 'data-testid="transfer-all"')
    assert "<time>" in _element(html, 'data-col="wave-acknowledged"')
    assert _state(html, 'data-col="results-received"') == "yes"

    english = await client.get(f"/admin/programmes/{programme.id}/transfer?lang=en")
    assert "Every result uploaded" in english.text
    # The programme page itself carries the box the script fills.
    whole = (await client.get(f"/admin/programmes/{programme.id}")).text
    source = f'data-transfer-src="/admin/programmes/{programme.id}/transfer"'
    assert source in whole and "/static/staff/transfer.js" in whole
    empty = (await client.get("/admin/programmes/999999/transfer?lang=id")).text
    assert "belum punya sesi" in empty
