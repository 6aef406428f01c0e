"""A re-score of the CACT part (here: a stricter scoring policy) after a sign-off marks the
integrated profile for review and leaves its final levels as they were signed."""

from __future__ import annotations

from decimal import Decimal

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors import service
from cact.assessors.schemas import MatrixBody, MatrixCell
from cact.exam.models import Attempt
from cact.programmes.models import Programme, ProgrammeMember
from cact.scoring import policies
from cact.scoring.models import Result, ResultCompetency
from cact.scoring.policy import PolicyBody, default_policy
from cact.scoring.service import rescore, score_attempt
from cact.standards.service import load_demo_standards
from tests.assessors.support import ACTOR, as_user
from tests.fixtures.factories import create_staff
from tests.fixtures.sittings import KioskClient, open_sitting
from tests.scoring.sat import sit

# every index below 0.9996 is level 1: a policy that changes the levels of a real attempt
STRICT = [Decimal("0.9996"), Decimal("0.9997"), Decimal("0.9998"), Decimal("0.9999")]


async def _levels(db: AsyncSession, attempt_id: int) -> dict[str, int]:
    rows = await db.execute(
        select(ResultCompetency.competency_code, ResultCompetency.attained_level)
        .join(Result, Result.id == ResultCompetency.result_id)
        .where(Result.attempt_id == attempt_id, Result.is_current)
        .execution_options(populate_existing=True)
    )
    return {code: level for code, level in rows}


async def test_a_rescore_that_changes_a_cact_level_marks_the_profile_for_review(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db, participants=1)
    await load_demo_standards(db, ACTOR)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await sit(kiosk)
    attempt = await db.get_one(Attempt, kiosk.attempt_id)
    if not await _levels(db, attempt.id):
        await score_attempt(db, attempt.id, actor=ACTOR)
    programme = Programme(code=f"AC-RS-{attempt.id}", title="Re-score")
    db.add(programme)
    await db.flush()
    opened.sitting.programme_id = programme.id
    db.add(ProgrammeMember(programme_id=programme.id, participant_id=attempt.participant_id))
    signed_levels = await _levels(db, attempt.id)
    cells = [MatrixCell(competency=c, method="CACT", weight=Decimal(1)) for c in signed_levels]
    await service.set_matrix(db, programme.id, MatrixBody(cells=cells), ACTOR)
    lead = await create_staff(db, "lead_assessor")
    await as_user(client, lead)
    api = f"/api/programmes/{programme.id}/integration/{attempt.participant_id}"
    view = (await client.get(api)).json()
    assert {r["competency"]: r["proposed_level"] for r in view["rows"]} == signed_levels
    finals = [{"competency": c, "level": lv} for c, lv in signed_levels.items()]
    assert (await client.post(f"{api}/sign-off", json={"levels": finals})).status_code == 201

    body = default_policy().body().model_dump()
    strict = await policies.create_policy(
        db, "strict", PolicyBody.model_validate({**body, "level_cutoffs": STRICT}), ACTOR
    )
    await policies.set_sitting_policy(db, opened.sitting.id, strict.id, ACTOR)
    await rescore(db, sitting_id=opened.sitting.id, reason="kebijakan baru", actor=ACTOR)
    rescored = await _levels(db, attempt.id)
    assert rescored != signed_levels  # the stricter cut-offs lowered a level

    after = (await client.get(api)).json()
    assert after["needs_review"] is True
    assert "kebijakan baru" in after["review_reasons"][0]
    changed = next(c for c in signed_levels if rescored[c] != signed_levels[c])
    assert f"{changed}: {signed_levels[changed]} → {rescored[changed]}" in after["review_reasons"]
    rows = {r["competency"]: r for r in after["rows"]}
    assert {c: r["final_level"] for c, r in rows.items()} == signed_levels  # not silently changed
    assert rows[changed]["cact_level"] == rescored[changed]
    assert after["signed"]["version"] == 1
    await as_user(client, await create_staff(db, "admin"))
    flagged = (await client.get(f"/api/reports/attempts/{attempt.id}")).json()
    assert flagged["integrated"]["needs_review"] is True
    assert {c["competency"]: c["attained_level"] for c in flagged["competencies"]} == signed_levels
    await as_user(client, lead)
    # signing again, the same levels, is now allowed: the lead confirms against the new evidence
    again = await client.post(f"{api}/sign-off", json={"levels": finals})
    assert again.status_code == 422  # the proposals moved: a final that differs needs a reason
    reasoned = [
        dict(f, reason="Bukti asesor lebih kuat")
        if f["level"] != rows[str(f["competency"])]["proposed_level"]
        else f
        for f in finals
    ]
    confirmed = await client.post(f"{api}/sign-off", json={"levels": reasoned})
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["needs_review"] is False and confirmed.json()["signed"]["version"] == 2

    await as_user(client, await create_staff(db, "admin"))
    report = (await client.get(f"/api/reports/attempts/{attempt.id}")).json()
    assert report["integrated"]["version"] == 2
    assert {c["competency"]: c["attained_level"] for c in report["competencies"]} == signed_levels
