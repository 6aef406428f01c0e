"""Item exposure and history across sittings (docs/item-analysis.md, "Exposure and history"):
three closed sittings sharing items (tests/analysis/exposure_support.py), counts and rates by
hand, the flags and their minimum n, the statistics the item analysis stored, the pages, the
API and who may read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.analysis import exposure
from cact.analysis.exposure import SittingEntry, VersionHistory
from cact.analysis.models import ItemCalibration, ItemStatistic
from cact.audit.models import AuditEvent
from cact.bank.models import Item, ItemVersion
from tests.analysis.exposure_support import Shared, shared_sittings
from tests.fixtures.factories import create_staff, login
from tests.fixtures.sittings import KioskClient, open_sitting
from tests.participants.support import HTML

# --- the rules on plain numbers --------------------------------------------------------------

DAY = datetime(2026, 1, 1, tzinfo=UTC)


def entry(
    k: int,
    *,
    seen: int = 10,
    started: int = 40,
    n: int | None = 40,
    p: float | None = 0.5,
    b: float | None = None,
    se: float | None = None,
) -> SittingEntry:
    return SittingEntry(
        k,
        f"S{k}",
        "Sesi",
        DAY + timedelta(days=k),
        "Asia/Jakarta",
        "closed",
        seen,
        started,
        n=n,
        facility=p,
        difficulty=b,
        difficulty_se=se,
        calibration_n=n if b is not None else None,
    )


def assessed(*entries: SittingEntry) -> VersionHistory:
    return exposure.assess(VersionHistory("I-1", 1, 1, "M.01", list(entries)))


def test_a_rate_above_half_in_a_big_enough_sitting_is_over_exposure() -> None:
    assert assessed(entry(1, seen=21, started=40)).flags == ["over_exposed"]
    assert assessed(entry(1, seen=20, started=40)).flags == []  # exactly half: not above
    # Everyone saw it, but the sitting is below the minimum size: no flag.
    small = exposure.MIN_EXPOSURE_ATTEMPTS - 1
    assert assessed(entry(1, seen=small, started=small)).flags == []
    flagged = assessed(entry(1, seen=30, started=30))
    assert flagged.flags == ["over_exposed"] and flagged.reasons == ["rate"]
    assert flagged.sittings[0].flags == ["over_exposed"]


def test_many_sittings_or_many_people_is_over_exposure() -> None:
    quiet = [entry(k, seen=5, started=40) for k in range(exposure.MAX_SITTINGS)]
    assert assessed(*quiet).flags == []
    many = assessed(*quiet, entry(99, seen=5, started=40))
    assert many.flags == ["over_exposed"] and many.reasons == ["sittings"]
    assert all(s.flags == [] for s in many.sittings)  # no single sitting is to blame
    crowd = assessed(
        entry(1, seen=500, started=1000, n=500), entry(2, seen=501, started=1002, n=501)
    )
    assert crowd.seen == 1001 and crowd.reasons == ["seen"]


def test_drift_in_facility_needs_the_minimum_n_on_both_sides() -> None:
    moved = assessed(entry(1, p=0.8), entry(2, p=0.6))
    assert moved.flags == ["drifting"] and moved.reasons == ["facility"]
    assert moved.sittings[1].flags == ["drifting"]
    assert moved.sittings[1].facility_change == pytest.approx(-0.2)
    assert assessed(entry(1, p=0.8), entry(2, p=0.66)).flags == []  # 0.14 ≤ 0.15
    few = exposure.DRIFT_MIN_N - 1
    assert assessed(entry(1, p=0.9), entry(2, p=0.1, n=few)).flags == []
    # The small sitting is skipped: the next one is compared with the first.
    skipped = assessed(entry(1, p=0.8), entry(2, p=0.1, n=few), entry(3, p=0.78))
    assert skipped.flags == [] and skipped.sittings[2].facility_change == pytest.approx(-0.02)


def test_drift_in_difficulty_needs_the_threshold_and_its_standard_errors() -> None:
    sure = assessed(entry(1, b=-0.4, se=0.1), entry(2, b=0.3, se=0.1))
    assert sure.flags == ["drifting"] and sure.reasons == ["difficulty"]
    assert sure.sittings[1].difficulty_change == pytest.approx(0.7)
    # 0.7 logit, but within 2 joint SE (2 · 0.5 · √2 ≈ 1.41): chance.
    assert assessed(entry(1, b=-0.4, se=0.5), entry(2, b=0.3, se=0.5)).flags == []
    assert assessed(entry(1, b=0.0, se=0.05), entry(2, b=0.45, se=0.05)).flags == []  # ≤ 0.5
    few = assessed(entry(1, b=-1.0, se=0.1), entry(2, b=1.0, se=0.1, n=10))
    assert few.flags == []


def test_difficulties_are_compared_once_the_two_frames_are_linked() -> None:
    """Each sitting centres its scale on 0: when every item moves by the same 0.8 logit the
    frame moved, not the item; the link is the median change over the common items."""
    before, after = entry(1, b=-0.4, se=0.1), entry(2, b=0.4, se=0.1)
    common = [
        exposure.Calibrated("M.01", sitting, version, b + (0.8 if sitting == 2 else 0), 40)
        for version, b in ((2, -1.0), (3, 0.0), (4, 1.0))
        for sitting in (1, 2)
    ]
    own = [exposure.Calibrated("M.01", 1, 1, -0.4, 40), exposure.Calibrated("M.01", 2, 1, 0.4, 40)]
    linked = exposure.Link([*common, *own])
    assert linked.shift("M.01", 1, 2) == pytest.approx(0.8)
    steady = exposure.assess(VersionHistory("I-1", 1, 1, "M.01", [before, after]), linked)
    assert steady.flags == [] and steady.sittings[1].difficulty_change == pytest.approx(0.0)
    # Two common items (or calibrations on n < the minimum) cannot link: not compared.
    thin = exposure.Link([c for c in common if c.item_version_id not in {3, 4}] + own)
    assert thin.shift("M.01", 1, 2) is None
    unlinked = exposure.assess(VersionHistory("I-1", 1, 1, "M.01", [before, after]), thin)
    assert unlinked.flags == [] and unlinked.sittings[1].difficulty_change is None
    small = [
        exposure.Calibrated(c.competency, c.sitting_id, c.item_version_id, c.difficulty, 29)
        for c in common
    ]
    assert exposure.Link(small + own).shift("M.01", 1, 2) is None


def test_the_overview_keeps_every_flagged_version_and_the_most_exposed_others() -> None:
    histories = [
        VersionHistory(f"I-{k}", 1, k, "M.01", [entry(k, seen=k, started=100)]) for k in range(1, 6)
    ]
    histories.append(VersionHistory("I-hot", 1, 9, "M.01", [entry(9, seen=90, started=100)]))
    ranked = exposure.ranked(histories, limit=3)
    assert [h.item_id for h in ranked] == ["I-hot", "I-5", "I-4", "I-3"]
    assert [h.item_id for h in exposure.ranked(histories, limit=0)] == ["I-hot"]


# --- three sittings in the database ----------------------------------------------------------


def _version(body: dict[str, Any]) -> dict[str, Any]:
    versions = body["versions"]
    assert len(versions) == 1
    return dict(versions[0])


async def _history(client: AsyncClient, shared: Shared, key: str) -> dict[str, Any]:
    response = await client.get(f"/api/items/{shared.item(key)}/history")
    assert response.status_code == 200, response.text
    return _version(response.json())


@pytest.fixture
async def shared(db: AsyncSession) -> Shared:
    return await shared_sittings(db)


async def test_counts_rates_and_flags_across_sittings(
    client: AsyncClient, db: AsyncSession, shared: Shared
) -> None:
    editor = await create_staff(db, "editor")
    await login(client, editor)
    first, second, third = shared.sittings

    x = await _history(client, shared, "X")
    assert [(s["sitting_id"], s["seen"], s["started"]) for s in x["sittings"]] == [
        (first, 60, 60),  # the two attempts never started held X on their forms: not counted
        (second, 60, 60),
    ]
    assert [s["exposure_rate"] for s in x["sittings"]] == [1.0, 1.0]
    assert (x["seen"], x["started"], x["sitting_count"], x["n"]) == (120, 120, 2, 120)
    assert [s["facility"] for s in x["sittings"]] == [pytest.approx(40 / 60, abs=1e-4)] * 2
    assert x["flags"] == ["over_exposed"] and x["reasons"] == ["rate"]
    assert [s["flags"] for s in x["sittings"]] == [["over_exposed"], ["over_exposed"]]
    assert all(s["discrimination"] is not None for s in x["sittings"])
    assert all(s["difficulty"] is not None and s["difficulty_se"] for s in x["sittings"])

    y = await _history(client, shared, "Y")
    assert [(s["seen"], s["started"], s["exposure_rate"]) for s in y["sittings"]] == [
        (30, 60, 0.5),
        (30, 60, 0.5),
    ]
    assert [s["facility"] for s in y["sittings"]] == [0.5, 0.5]
    assert y["flags"] == [] and y["facility"] == 0.5

    d = await _history(client, shared, "D")
    assert [(s["n"], s["facility"]) for s in d["sittings"]] == [(30, 0.8), (30, 0.3)]
    assert d["flags"] == ["drifting"] and "facility" in d["reasons"]
    assert d["sittings"][0]["flags"] == [] and d["sittings"][1]["flags"] == ["drifting"]
    assert d["sittings"][1]["facility_change"] == pytest.approx(-0.5)
    assert d["facility"] == pytest.approx(0.55)  # (24 + 9) / 60
    assert d["latest_facility"] == 0.3

    # S moved from 0.9 to 0.2, far beyond the threshold, but on n 10: no flag.
    s = await _history(client, shared, "S")
    assert [(e["seen"], e["n"], e["facility"]) for e in s["sittings"]] == [
        (10, 10, 0.9),
        (10, 10, 0.2),
    ]
    assert s["sittings"][1]["exposure_rate"] == pytest.approx(10 / 60, abs=1e-4)
    assert s["flags"] == [] and s["sittings"][1]["facility_change"] is None

    # Everyone in sitting 3 saw W, but the sitting had 10 attempts: below the minimum.
    w = await _history(client, shared, "W")
    assert [(e["sitting_id"], e["seen"], e["started"]) for e in w["sittings"]] == [(third, 10, 10)]
    assert w["sittings"][0]["exposure_rate"] == 1.0 and w["flags"] == []
    assert w["sittings"][0]["time_zone"] == "Asia/Makassar"


async def test_the_history_reuses_the_item_analysis_and_stores_it_once(
    client: AsyncClient, db: AsyncSession, shared: Shared
) -> None:
    editor = await create_staff(db, "editor")
    admin = await create_staff(db, "admin")
    first, second, third = shared.sittings
    assert await db.scalar(select(func.count()).select_from(ItemStatistic)) == 0

    await login(client, editor)
    d = await _history(client, shared, "D")
    # D was shown in sittings 1 and 2: their analyses were computed and stored, not sitting 3's.
    stored = (
        await db.execute(
            select(ItemStatistic.sitting_id, func.count()).group_by(ItemStatistic.sitting_id)
        )
    ).all()
    assert dict(stored) == {first: 9, second: 9}  # X Y D F1–F4 S G
    events = await db.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "analysis.calibrated")
    )
    assert events == 2
    await _history(client, shared, "X")
    await _history(client, shared, "D")
    assert (
        await db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "analysis.calibrated")
        )
        == 2
    )

    # The numbers are the item analysis's own, and the difficulty is the stored calibration.
    await login(client, admin)
    analysis = (await client.get(f"/api/sittings/{first}/item-analysis")).json()
    item = next(i for i in analysis["items"] if i["item_id"] == shared.item("D"))
    row = d["sittings"][0]
    assert row["facility"] == pytest.approx(item["facility"], abs=1e-4)
    assert row["discrimination"] == pytest.approx(item["discrimination"], abs=1e-4)
    assert row["discrimination_basis"] == item["discrimination_basis"]
    calibration = await db.scalar(
        select(ItemCalibration).where(
            ItemCalibration.sitting_id == first,
            ItemCalibration.item_version_id == shared.versions["D"].id,
        )
    )
    assert calibration is not None
    assert row["difficulty"] == pytest.approx(calibration.difficulty, abs=1e-4)
    assert row["difficulty_se"] == pytest.approx(calibration.se, abs=1e-4)
    assert row["calibration_n"] == calibration.n == 30

    # The overview needs every sitting: the third is stored now too.
    overview = (await client.get("/api/exposure")).json()
    assert overview["versions"] == 11
    assert third in set(await db.scalars(select(ItemStatistic.sitting_id).distinct()))


async def test_the_overview_lists_the_flagged_first_then_the_most_exposed(
    client: AsyncClient, db: AsyncSession, shared: Shared
) -> None:
    await login(client, await create_staff(db, "editor"))
    body = (await client.get("/api/exposure")).json()
    assert (body["versions"], body["over_exposed"], body["drifting"]) == (11, 1, 1)
    listed = [(i["item_id"].split("-", 1)[1], i["seen"], i["flags"]) for i in body["items"]]
    assert listed[:2] == [("X", 120, ["over_exposed"]), ("D", 60, ["drifting"])]
    assert [key for key, _, _ in listed[2:]] == ["F1", "F2", "F3", "F4", "G", "Y", "S", "W", "H"]
    assert body["thresholds"]["max_exposure_rate"] == exposure.MAX_EXPOSURE_RATE
    short = (await client.get("/api/exposure", params={"limit": 1})).json()
    assert [i["item_id"] for i in short["items"]] == [
        shared.item("X"),
        shared.item("D"),
        shared.item("F1"),
    ]
    for bad in ("0", "1001", "-1", "many", ""):
        refused = await client.get("/api/exposure", params={"limit": bad})
        assert refused.status_code == 422, bad


async def test_the_history_page_and_the_overview_page(
    client: AsyncClient, db: AsyncSession, shared: Shared
) -> None:
    await login(client, await create_staff(db, "editor"))
    item_page = await client.get(f"/editor/items/{shared.item('X')}", headers=HTML)
    assert f'href="/editor/items/{shared.item("X")}/history"' in item_page.text

    page = await client.get(f"/editor/items/{shared.item('D')}/history", headers=HTML)
    assert page.status_code == 200, page.text
    text = page.text
    assert "Bergeser" in text and "Terlalu terpapar" not in text.split('data-testid="rules"')[0]
    assert "30 / 60" in text and "50%" in text and "0.80" in text and "0.30" in text
    assert "(-0.50)" in text
    assert "2026-10-05 08:30 WITA" in text and "2026-11-09 09:00 WITA" in text
    english = await client.get(
        f"/editor/items/{shared.item('X')}/history", params={"lang": "en"}, headers=HTML
    )
    assert "Over-exposed" in english.text and "60 / 60" in english.text

    overview = await client.get("/editor/exposure", params={"lang": "id"}, headers=HTML)
    assert overview.status_code == 200
    assert f'href="/editor/items/{shared.item("X")}/history"' in overview.text
    assert "11 versi butir pernah ditampilkan · 1 terlalu terpapar · 1 bergeser" in overview.text


async def test_a_version_never_shown_and_an_unknown_item(
    client: AsyncClient, db: AsyncSession, shared: Shared
) -> None:
    await login(client, await create_staff(db, "editor"))
    version = ItemVersion(item_id="EXP-NEVER", version=1, stem_html="<p>?</p>", points=1)
    db.add_all([Item(id="EXP-NEVER", competency_code="M.01", kind="keyed"), version])
    await db.flush()
    unseen = await client.get("/api/items/EXP-NEVER/history")
    assert unseen.status_code == 200, unseen.text
    body = _version(unseen.json())
    assert (body["sittings"], body["seen"], body["flags"]) == ([], 0, [])
    page = await client.get("/editor/items/EXP-NEVER/history", headers=HTML)
    assert page.status_code == 200 and 'data-testid="unseen-v1"' in page.text

    for path in ("/api/items/NO-SUCH-ITEM/history", f"/api/items/{'x' * 300}/history"):
        missing = await client.get(path)
        assert missing.status_code == 404 and missing.json()["error"] == "item_not_found"
    page = await client.get("/editor/items/NO-SUCH-ITEM/history", headers=HTML)
    assert page.status_code == 404


async def test_only_editors_and_admins_read_exposure(
    client: AsyncClient, db: AsyncSession, shared: Shared
) -> None:
    paths = (f"/api/items/{shared.item('X')}/history", "/api/exposure")
    pages = (f"/editor/items/{shared.item('X')}/history", "/editor/exposure")
    for path in paths:
        assert (await client.get(path)).status_code == 401
    # A participant's kiosk token is not a staff session.
    opened = await open_sitting(db, participants=1)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    for path in paths:
        assert (await client.get(path, headers=kiosk.headers)).status_code == 401
    await login(client, await create_staff(db, "proctor"))
    for path in (*paths, *pages):
        refused = await client.get(path, headers=HTML if path.startswith("/editor") else None)
        assert refused.status_code == 403, path
    await login(client, await create_staff(db, "admin"))
    for path in (*paths, *pages):
        assert (await client.get(path)).status_code == 200, path
