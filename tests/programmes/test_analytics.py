"""Analytics of a small programme computed by hand: heat map, training needs, nine-box."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from httpx import AsyncClient
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from tests.programmes import seed

STANDARD = {"M.01": 3, "M.02": 3, "SK.01": 2}


async def _small(db: AsyncSession) -> tuple[int, int, int]:
    """Four people in two units; one sitting outside the programme must not count."""
    prog = await seed.programme(db)
    guru = await seed.position(db, "GURU-X", "guru", STANDARD)
    kepala = await seed.position(db, "KEPSEK-X", "struktural", {"M.01": 4, "M.02": 3})
    w1 = await seed.sitting(db, prog, "SMALL-W1")
    w2 = await seed.sitting(db, prog, "SMALL-W2")
    other = await seed.sitting(db, None, "ELSEWHERE")
    ani = await seed.person(db, "Ani", "SD 1", guru, prog, "meets")
    budi = await seed.person(db, "Budi", "SD 1", kepala, prog, "above")
    cici = await seed.person(db, "Cici", "SD 2", guru, prog, "below")
    dedi = await seed.person(db, "Dedi", "SD 2", guru, prog)
    await seed.result(
        db, w1, ani, {"M.01": (2, 3), "M.02": (3, 3), "SK.01": (1, 2)}, jpm="71.43", nine_box=2
    )
    await seed.result(db, w1, budi, {"M.01": (2, 4), "M.02": (4, 3)}, jpm="71.43", nine_box=4)
    await seed.result(
        db, w2, cici, {"M.01": (3, 3), "M.02": (2, 3), "SK.01": (2, 2)}, jpm="87.50", nine_box=3
    )
    await seed.result(db, w2, dedi, {"M.01": (4, 3), "M.02": (3, 3), "SK.01": (2, 2)}, jpm="100.00")
    await seed.result(
        db, other, dedi, {"M.01": (1, 3), "M.02": (1, 3), "SK.01": (1, 2)}, jpm="37.50"
    )
    return prog.id, w1.id, w2.id


async def test_training_needs_equal_the_hand_computation(
    admin_client: AsyncClient, db: AsyncSession
) -> None:
    pid, w1, _ = await _small(db)
    response = await admin_client.get(f"/api/programmes/{pid}/analytics/training-needs")
    assert response.status_code == 200, response.text
    got = [
        (r["competency"], r["name"], r["attained"], r["required"], r["gap"])
        for r in response.json()
    ]
    # by hand: every (person, competency) with attained < required; per competency the
    # largest gap first, then by name. Dedi's result outside the programme does not count.
    assert got == [
        ("M.01", "Budi", 2, 4, -2),
        ("M.01", "Ani", 2, 3, -1),
        ("M.02", "Cici", 2, 3, -1),
        ("SK.01", "Ani", 1, 2, -1),
    ]
    unit = await admin_client.get(
        f"/api/programmes/{pid}/analytics/training-needs", params={"unit": "SD 2"}
    )
    assert [(r["competency"], r["name"]) for r in unit.json()] == [("M.02", "Cici")]
    wave = await admin_client.get(
        f"/api/programmes/{pid}/analytics/training-needs", params={"sitting_id": w1}
    )
    assert {r["name"] for r in wave.json()} == {"Ani", "Budi"}
    group = await admin_client.get(
        f"/api/programmes/{pid}/analytics/training-needs", params={"group": "struktural"}
    )
    assert [r["name"] for r in group.json()] == ["Budi"]
    xlsx = await admin_client.get(f"/api/programmes/{pid}/tables/training-needs.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("competency", "nip", "name")
    assert [(r[0], r[2], r[7]) for r in rows[1:]] == [(c, n, g) for c, n, _, _, g in got]


async def test_the_heat_map_equals_the_hand_computation(
    admin_client: AsyncClient, db: AsyncSession
) -> None:
    pid, _, _ = await _small(db)
    response = await admin_client.get(f"/api/programmes/{pid}/analytics/heat-map")
    assert response.status_code == 200, response.text
    cells = {(c["unit"], c["competency"]): c for c in response.json()}
    # SD 1, M.01: Ani -1, Budi -2 → 2 of 2 below, mean gap -1.5
    assert cells[("SD 1", "M.01")]["below"] == 2
    assert Decimal(cells[("SD 1", "M.01")]["share_below"]) == Decimal("1")
    assert Decimal(cells[("SD 1", "M.01")]["mean_gap"]) == Decimal("-1.5")
    # SD 2, M.02: Cici -1, Dedi 0 → 1 of 2, mean -0.5
    assert Decimal(cells[("SD 2", "M.02")]["share_below"]) == Decimal("0.5")
    assert Decimal(cells[("SD 2", "M.02")]["mean_gap"]) == Decimal("-0.5")
    # everyone, M.01: gaps -1, -2, 0, +1 → 2 of 4 below, mean -0.5
    assert cells[("", "M.01")]["assessed"] == 4 and cells[("", "M.01")]["below"] == 2
    assert Decimal(cells[("", "M.01")]["mean_gap"]) == Decimal("-0.5")
    # SK.01 in SD 1: Ani only (Budi's standard has no SK.01)
    assert cells[("SD 1", "SK.01")]["assessed"] == 1


async def test_the_nine_box_counts_and_names_by_unit(
    admin_client: AsyncClient, db: AsyncSession
) -> None:
    pid, _, _ = await _small(db)
    response = await admin_client.get(f"/api/programmes/{pid}/analytics/nine-box")
    cells = {(c["unit"], c["box"]): (c["count"], c["names"]) for c in response.json()}
    assert cells == {
        ("", 2): (1, ["Ani"]),
        ("", 3): (1, ["Cici"]),
        ("", 4): (1, ["Budi"]),
        ("SD 1", 2): (1, ["Ani"]),
        ("SD 1", 4): (1, ["Budi"]),
        ("SD 2", 3): (1, ["Cici"]),
    }
