"""The integration: the hand table of docs/scoring.md, the sign-off and its versions, and
the job-person match from the final levels."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors import integration_rule
from cact.audit.models import AuditEvent
from tests.assessors.integration_support import FINAL, Hand, hand
from tests.assessors.support import as_user
from tests.fixtures.factories import create_staff


@pytest.fixture
async def h(client: AsyncClient, db: AsyncSession) -> Hand:
    return await hand(client, db)


def test_the_rule_rounds_half_up_in_exact_fractions() -> None:
    assert integration_rule.half_up(Fraction(5, 2)) == 3
    assert integration_rule.half_up(Fraction(249, 100)) == 2
    assert integration_rule.half_up(Fraction(27, 8)) == 3  # 3.375
    assert integration_rule.method_level([2, 3]) == Fraction(5, 2)
    weights = {"CACT": Decimal("1"), "WAWANCARA": Decimal("2"), "LGD": Decimal("1")}
    levels = {"CACT": Fraction(3), "WAWANCARA": Fraction(4), "LGD": Fraction(5, 2)}
    assert integration_rule.proposal("weighted_mean", weights, levels) == (Fraction(27, 8), 3)
    assert integration_rule.proposal("assessors_decide", weights, levels) == (None, None)
    # a method without evidence is left out of both sums
    assert integration_rule.weighted_mean(weights, {"CACT": Fraction(2)}) == 2
    assert integration_rule.weighted_mean(weights, {}) is None


async def test_the_page_data_is_the_hand_table(client: AsyncClient, h: Hand) -> None:
    answer = await client.get(h.api)
    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert view["rule"] == "weighted_mean" and view["signed"] is None
    assert view["methods"] == ["CACT", "WAWANCARA", "LGD"]
    rows = {r["competency"]: r for r in view["rows"]}
    assert [
        (c, r["cact_level"], r["weighted_mean"], r["proposed_level"]) for c, r in rows.items()
    ] == [
        ("M.01", 3, "3.3750", 3),
        ("M.02", 2, "2.5000", 3),
        ("M.03", None, "4.0000", 4),
    ]
    assert rows["M.01"]["method_levels"] == {
        "CACT": "3.0000",
        "WAWANCARA": "4.0000",
        "LGD": "2.5000",
    }
    assert rows["M.01"]["weights"] == {"CACT": "1.00", "WAWANCARA": "2.00", "LGD": "1.00"}
    assert sorted(e["level"] for e in rows["M.01"]["ratings"]["LGD"]) == [2, 3]
    assert rows["M.01"]["ratings"]["WAWANCARA"][0]["evidence"] == "catatan M.01"
    assert [r["required_level"] for r in rows.values()] == [3, 3, 3]
    # the CACT index is the result's own (13/20, 10/20), in its level's band of the cutoffs
    assert [r["cact_index"] for r in rows.values()] == ["0.6500", "0.5000", None]


async def test_a_sign_off_records_the_final_levels_and_the_jpm_from_them(
    client: AsyncClient, db: AsyncSession, h: Hand
) -> None:
    answer = await client.post(f"{h.api}/sign-off", json={"levels": FINAL})
    assert answer.status_code == 201, answer.text
    view = answer.json()
    signed = view["signed"]
    assert signed["version"] == 1 and signed["signed_off_by"] == "Rina Asesor Utama"
    # (3 + 2 + min(4, 3)) / (3 + 3 + 3) × 100 = 88.89 → Cukup Optimal (CACT alone: 83.33)
    assert signed["jpm"] == "88.89" and signed["category"] == "Cukup Optimal"
    assert [(r["competency"], r["final_level"], r["reason"]) for r in view["rows"]] == [
        ("M.01", 3, ""),
        ("M.02", 2, "Presentasi tidak mendukung"),
        ("M.03", 4, ""),
    ]
    assert view["needs_review"] is False
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "integration.sign_off"))
    assert event is not None and event.details["version"] == 1
    assert {"competency": "M.02", "proposed": 3, "final": 2} in event.details["levels"]


async def test_changing_after_a_sign_off_is_a_new_version_and_the_old_stays(
    client: AsyncClient, db: AsyncSession, h: Hand
) -> None:
    await client.post(f"{h.api}/sign-off", json={"levels": FINAL})
    again = await client.post(f"{h.api}/sign-off", json={"levels": FINAL})
    assert again.status_code == 409 and again.json()["error"] == "already_signed_off"
    changed = [dict(FINAL[0], level=4, reason="Wawancara kuat"), *FINAL[1:]]
    answer = await client.post(f"{h.api}/sign-off", json={"levels": changed})
    assert answer.status_code == 201, answer.text
    view = answer.json()
    assert [v["version"] for v in view["history"]] == [2, 1]
    assert view["history"][1]["jpm"] == "88.89" and view["signed"]["jpm"] == "88.89"  # capped
    assert view["rows"][0]["final_level"] == 4
    events = await db.scalars(select(AuditEvent).where(AuditEvent.action == "integration.sign_off"))
    assert [e.details["version"] for e in events] == [1, 2]


async def test_assessors_decide_proposes_nothing_and_needs_every_level(
    client: AsyncClient, db: AsyncSession, h: Hand
) -> None:
    await as_admin(client, db)
    rule = f"/api/programmes/{h.w.programme.id}/integration-rule"
    assert (await client.put(rule, json={"rule": "assessors_decide"})).status_code == 200
    assert (await client.get(rule)).json() == {"rule": "assessors_decide"}
    bad = await client.put(rule, json={"rule": "median"})
    assert bad.status_code == 422
    view = (await client.get(h.api)).json()
    assert {r["proposed_level"] for r in view["rows"]} == {None}
    short = await client.post(f"{h.api}/sign-off", json={"levels": FINAL[:2]})
    assert short.status_code == 422
    assert [(d["at"], d["code"]) for d in short.json()["detail"]] == [("M.03", "missing_level")]
    levels = [{"competency": c, "level": 5} for c in ("M.01", "M.02", "M.03")]
    answer = await client.post(f"{h.api}/sign-off", json={"levels": levels})
    assert answer.status_code == 201, answer.text
    assert answer.json()["signed"]["rule"] == "assessors_decide"


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([{"competency": "M.01", "level": 0}], ("M.01", "level_out_of_range")),
        ([{"competency": "M.01", "level": 6}], ("M.01", "level_out_of_range")),
        ([{"competency": "M.01", "level": 5}], ("M.01", "reason_required")),
        ([{"competency": "X.99", "level": 3}], ("X.99", "unknown_competency")),
        (
            [{"competency": "M.01", "level": 3}, {"competency": "M.01", "level": 3}],
            ("M.01", "duplicate_competency"),
        ),
        ([{"competency": "M.01", "level": 3, "reason": "x" * 2001}], ("M.01", "reason_too_long")),
    ],
)
async def test_bad_final_levels_are_each_refused_and_nothing_is_signed(
    client: AsyncClient,
    db: AsyncSession,
    h: Hand,
    levels: list[dict[str, object]],
    expected: tuple[str, str],
) -> None:
    rest = [f for f in FINAL if f["competency"] not in {lv["competency"] for lv in levels}]
    answer = await client.post(f"{h.api}/sign-off", json={"levels": [*levels, *rest]})
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"] == "invalid_integration"
    found = [(d["at"], d["code"]) for d in body["detail"]]
    assert expected in found
    assert (await client.get(h.api)).json()["signed"] is None


async def test_a_malformed_body_is_a_422(client: AsyncClient, h: Hand) -> None:
    for body in ({}, {"levels": "3"}, {"levels": [{"competency": "M.01"}]}, {"levels": [], "x": 1}):
        answer = await client.post(f"{h.api}/sign-off", json=body)
        assert answer.status_code == 422, body


async def as_admin(client: AsyncClient, db: AsyncSession) -> None:
    await as_user(client, await create_staff(db, "admin"))


async def test_the_report_follows_the_final_levels_after_the_sign_off(
    client: AsyncClient, db: AsyncSession, h: Hand
) -> None:
    await as_admin(client, db)
    report = f"/api/reports/attempts/{h.attempt.id}"
    before = (await client.get(report)).json()
    assert before["integrated"] is None and before["jpm"] == "83.33"
    assert [u["competency"] for u in before["untested"]] == ["M.03"]
    await as_user(client, h.lead)
    assert (await client.post(f"{h.api}/sign-off", json={"levels": FINAL})).status_code == 201
    await as_admin(client, db)
    after = (await client.get(report)).json()
    assert after["jpm"] == "88.89" and after["category"] == "Cukup Optimal"
    assert [(c["competency"], c["attained_level"], c["gap"]) for c in after["competencies"]] == [
        ("M.01", 3, 0),
        ("M.02", 2, -1),
        ("M.03", 4, 1),
    ]
    assert after["untested"] == []
    assert [r["competency"] for r in after["recommendations"]] == ["M.02"]
    part = after["integrated"]
    assert part["signed_off_by"] == "Rina Asesor Utama" and part["cact_jpm"] == "83.33"
    assert part["needs_review"] is False
    m01 = part["rows"][0]
    assert m01["methods"] == {"WAWANCARA": [4], "LGD": [2, 3]} and m01["cact_level"] == 3
    page = await client.get(f"/reports/attempts/{h.attempt.id}")
    assert page.status_code == 200
    assert "Profil terintegrasi" in page.text and "Rina Asesor Utama" in page.text
