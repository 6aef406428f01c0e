"""Reports of real finished attempts: sat through the kiosk protocol, scored on finish."""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.exam.models import Attempt, Enrollment
from cact.proctoring import service as proctoring
from cact.scoring.models import Result, ResultCompetency
from cact.scoring.summary import participant_summary
from cact.standards.service import load_demo_standards
from tests.fixtures.factories import create_staff, login
from tests.fixtures.sittings import KioskClient, OpenSitting, open_sitting
from tests.scoring.sat import sit

ACTOR = Actor.system("test")
FORBIDDEN_WORDS = ("weight", "bobot", "correct", "points", "option", "raw_score", "max_score")


def _blank(number: int, options: list[int]) -> int | None:
    return None


@pytest.fixture
async def opened(db: AsyncSession) -> OpenSitting:
    sitting = await open_sitting(db, participants=3)
    await load_demo_standards(db, ACTOR)
    return sitting


async def _finish(client: AsyncClient, opened: OpenSitting, index: int, blank: bool) -> int:
    kiosk = KioskClient(client, opened.participant_nos[index], opened.token)
    if blank:
        await sit(kiosk, _blank)
    else:
        await sit(kiosk)
    return kiosk.attempt_id


async def _current(db: AsyncSession, attempt_id: int) -> tuple[Result, list[ResultCompetency]]:
    result = await db.scalar(
        select(Result)
        .where(Result.attempt_id == attempt_id, Result.is_current)
        .execution_options(populate_existing=True)
    )
    assert result is not None, "finishing should have scored the attempt"
    rows = await db.scalars(
        select(ResultCompetency)
        .where(ResultCompetency.result_id == result.id)
        .order_by(ResultCompetency.competency_code)
    )
    return result, list(rows)


async def test_the_individual_report_shows_the_scored_result_and_no_item_weights(
    admin_client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    attempt_id = await _finish(admin_client, opened, 0, blank=True)
    result, rows = await _current(db, attempt_id)
    short = [r for r in rows if r.gap is not None and r.gap < 0]
    assert short, "a blank attempt must fall short somewhere"

    page = await admin_client.get(f"/reports/attempts/{attempt_id}", headers={"Accept": "*/*"})
    assert page.status_code == 200, page.text
    html = page.text
    assert result.jpm is not None and f'data-field="jpm">{result.jpm:.2f}<' in html
    assert result.category and result.category in html
    for scale, code in result.details["categories"].items():
        assert f'data-scale="{scale}"' in html and code in html
    for row in rows:
        assert f'data-competency="{row.competency_code}"' in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart radar"') == 1
    assert "<script" not in html
    recommended = html.split('class="recommendations"', 1)[1]
    for row in short:
        assert f'<li data-competency="{row.competency_code}">' in recommended
        assert f"hingga level {row.required_level}" in recommended
    assert recommended.count("<li data-competency=") == len(short)
    # the radar's own markup has "points" attributes: look at the page's text around it
    lowered = re.sub(r"<svg .*?</svg>", "", html, flags=re.S).lower()
    assert not [w for w in FORBIDDEN_WORDS if w in lowered]
    assert f"versi {result.version}" in html and "default v" in html

    english = await admin_client.get(f"/reports/attempts/{attempt_id}?lang=en")
    assert "Development recommendations" in english.text and "to level" in english.text

    data = (await admin_client.get(f"/api/reports/attempts/{attempt_id}")).json()
    assert Decimal(data["jpm"]) == result.jpm and data["category"] == result.category
    assert [c["competency"] for c in data["competencies"]] == [r.competency_code for r in rows]
    assert [c["gap"] for c in data["competencies"]] == [r.gap for r in rows]
    assert {r["competency"] for r in data["recommendations"]} == {r.competency_code for r in short}
    assert {c["scale"] for c in data["categories"]} == set(result.details["categories"])
    assert data["result_version"] == result.version and data["policy"]["code"] == "default"
    flat = json.dumps(data).lower()
    assert not [w for w in FORBIDDEN_WORDS if w in flat]


async def test_an_unscored_attempt_and_unknown_ids_are_answered_plainly(
    admin_client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    unscored = await db.scalar(select(Attempt.id).where(Attempt.sitting_id == opened.sitting.id))
    assert (await admin_client.get(f"/api/reports/attempts/{unscored}")).status_code == 409
    assert (await admin_client.get("/api/reports/attempts/987654321")).status_code == 404
    assert (await admin_client.get("/api/reports/sittings/987654321")).status_code == 404


async def test_the_sitting_report_counts_match_the_database(
    admin_client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    sitting_id = opened.sitting.id
    first = await _finish(admin_client, opened, 0, blank=False)
    await _finish(admin_client, opened, 1, blank=True)  # the third participant stays away
    await proctoring.incident(db, sitting_id, "Listrik padam <5 menit> & pulih", ACTOR, first)
    await proctoring.incident(db, sitting_id, "Ruangan dibuka", ACTOR)
    await db.flush()

    response = await admin_client.get(f"/api/reports/sittings/{sitting_id}")
    assert response.status_code == 200, response.text
    report = response.json()

    results = list(
        await db.scalars(
            select(Result)
            .join(Attempt, Attempt.id == Result.attempt_id)
            .where(Attempt.sitting_id == sitting_id, Result.is_current)
        )
    )
    assert report["results"] == len(results) == 2
    for distribution in report["distributions"]:
        expected = Counter(r.details["categories"].get(distribution["scale"]) for r in results)
        shown = {c["code"]: c["count"] for c in distribution["counts"]}
        assert {k: v for k, v in shown.items() if v} == {
            k: v for k, v in expected.items() if k is not None
        }
    stored = next(d for d in report["distributions"] if d["stored"])
    assert stored["scale"] == "pemetaan"
    assert [c["code"] for c in stored["counts"]] == ["Optimal", "Cukup Optimal", "Kurang Optimal"]

    registered = await db.scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.sitting_id == sitting_id)
    )
    started = await db.scalar(
        select(func.count())
        .select_from(Attempt)
        .where(Attempt.sitting_id == sitting_id, Attempt.started_at.is_not(None))
    )
    assert report["attendance"] == {
        "registered": registered,
        "present": started,
        "absent": registered - started,
        "finished": 2,
        "terminated": 0,
    }
    assert (registered, started) == (3, 2)

    means = await db.execute(
        select(
            ResultCompetency.competency_code,
            func.avg(ResultCompetency.attained_level),
            func.avg(ResultCompetency.required_level),
        )
        .where(ResultCompetency.result_id.in_([r.id for r in results]))
        .group_by(ResultCompetency.competency_code)
    )
    expected_means = {code: (a, q) for code, a, q in means}
    assert {c["competency"] for c in report["competencies"]} == set(expected_means)
    for c in report["competencies"]:
        attained, required = expected_means[c["competency"]]
        assert Decimal(c["mean_attained"]) == round(attained, 2)
        assert (c["mean_required"] is None) == (required is None)

    grid = report["nine_box"]
    assert [[cell["box"] for cell in row] for row in grid] == [[6, 8, 9], [3, 5, 7], [1, 2, 4]]
    assert sum(cell["count"] for row in grid for cell in row) + report["nine_box_unknown"] == 2
    assert [i["note"] for i in report["incidents"]] == [
        "Listrik padam <5 menit> & pulih",
        "Ruangan dibuka",
    ]
    assert report["incidents"][0]["participant"].endswith(f"({opened.participant_nos[0]})")

    page = await admin_client.get(f"/reports/sittings/{sitting_id}")
    assert page.status_code == 200, page.text
    html = page.text
    assert f'data-count="registered">{registered}<' in html
    assert f'data-count="present">{started}<' in html
    assert 'data-count="results">2<' in html
    assert "Listrik padam &lt;5 menit&gt; &amp; pulih" in html
    assert html.count('class="chart bars"') == 1 and "<script" not in html


@pytest.mark.parametrize("path", ["/reports/attempts/{a}", "/api/reports/attempts/{a}"])
async def test_reports_refuse_non_admins(
    client: AsyncClient, db: AsyncSession, opened: OpenSitting, path: str
) -> None:
    attempt_id = await _finish(client, opened, 0, blank=False)
    for url in (path.format(a=attempt_id), f"/api/reports/sittings/{opened.sitting.id}"):
        client.cookies.clear()
        assert (await client.get(url)).status_code == 401
        for role in ("editor", "proctor"):
            await login(client, await create_staff(db, role))
            refused = await client.get(url)
            assert refused.status_code == 403 and refused.json()["error"] == "wrong_role"
            client.cookies.clear()


async def test_the_participant_summary_follows_the_sittings_end_screen(
    client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    attempt_id = await _finish(client, opened, 0, blank=True)
    assert opened.sitting.end_screen == "completion"
    assert await participant_summary(db, attempt_id) is None

    opened.sitting.end_screen = "results"
    await db.flush()
    summary = await participant_summary(db, attempt_id)
    assert summary is not None
    result, rows = await _current(db, attempt_id)
    assert summary["jpm"] == f"{result.jpm:.2f}"
    assert summary["category"]["code"] == result.category
    assert summary["category"]["label_id"] == result.category  # pemetaan: code is the label
    assert [c["competency"] for c in summary["competencies"]] == [r.competency_code for r in rows]
    for shown, row in zip(summary["competencies"], rows, strict=True):
        assert set(shown) == {
            "competency",
            "name_id",
            "name_en",
            "attained_level",
            "required_level",
        }
        assert (shown["attained_level"], shown["required_level"]) == (
            row.attained_level,
            row.required_level,
        )
    flat = json.dumps(summary).lower()
    assert not [w for w in (*FORBIDDEN_WORDS, "index", "key", "details") if w in flat]
    assert await participant_summary(db, 987654321) is None
