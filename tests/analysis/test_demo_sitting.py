"""The demo's closed sitting for the item analysis (cact/demo/analysis.py): scored through the
proctor's close path, reliability and a converged Rasch calibration on every scale of the
demo blueprint's sampled forms, and loaded once."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.analysis import service
from cact.audit.service import Actor
from cact.bank.models import ItemVersion
from cact.demo import analysis
from cact.demo import service as demo
from cact.exam.models import Attempt, Sitting
from cact.scoring.models import Result
from cact.standards.service import load_demo_standards

SCALES = {*(f"M.0{k}" for k in range(1, 9)), "SK.01", "T.ADM.01"}


async def test_the_demo_analysis_sitting_has_reliability_and_a_calibration_on_every_scale(
    db: AsyncSession,
) -> None:
    await demo.load_bank(db)
    await load_demo_standards(db, Actor.system("test"))
    sitting = await demo.load_analysis_sitting(db)
    assert sitting.code == analysis.CODE and sitting.status == "closed"
    statuses = dict(
        (
            await db.execute(
                select(Attempt.status, func.count())
                .where(Attempt.sitting_id == sitting.id)
                .group_by(Attempt.status)
            )
        ).all()
    )
    absent = analysis.PARTICIPANTS // analysis.ABSENT_EVERY
    assert statuses == {"submitted": analysis.PARTICIPANTS - absent, "not_started": absent}
    scored = await db.scalar(
        select(func.count())
        .select_from(Result)
        .join(Attempt, Attempt.id == Result.attempt_id)
        .where(Attempt.sitting_id == sitting.id, Result.is_current)
    )
    assert scored == analysis.PARTICIPANTS - absent

    result = await service.item_analysis(db, sitting.id)
    assert {s.competency for s in result.scales} == SCALES
    for scale in result.scales:
        assert scale.n == analysis.PARTICIPANTS - absent, scale.competency
        assert scale.alpha_form is not None and scale.alpha_form > 0, scale
        assert scale.person_reliability is not None and scale.person_reliability > 0, scale
        assert scale.sem is not None and scale.sd_total is not None
    assert set(result.calibrations) == SCALES
    assert all(c.converged for c in result.calibrations.values())
    # The answers follow the items' target levels: level-4 items come out harder than level-2.
    levels = dict((await db.execute(select(ItemVersion.id, ItemVersion.level))).all())
    by_level: dict[int, list[float]] = defaultdict(list)
    for calibration in result.calibrations.values():
        for item in calibration.items:
            if item.difficulty is not None:
                by_level[levels[item.key]].append(item.difficulty)
    assert sum(by_level[4]) / len(by_level[4]) > sum(by_level[2]) / len(by_level[2]) + 0.5

    again = await demo.load_analysis_sitting(db)
    assert again.id == sitting.id
    count = await db.scalar(
        select(func.count()).select_from(Sitting).where(Sitting.code == analysis.CODE)
    )
    assert count == 1
