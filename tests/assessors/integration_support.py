"""The hand table of docs/scoring.md § "Integrasi · Integration", as a programme.

Budi (people[1]) has a CACT result (M.01 level 3, M.02 level 2; M.03 required but untested)
and the ratings below; the matrix weights CACT 1 on M.01 and M.02 beside the assessors' cells:

| competency | CACT (w) | WAWANCARA (w) | LGD (w) | weighted mean | proposed |
|---|---|---|---|---|---|
| M.01 | 3 (1) | 4 (2) | Dewi 2, other 3 → 2.5 (1) | 13.5 / 4 = 3.375 | 3 |
| M.02 | 2 (1) | 3 (1) | – | 5 / 2 = 2.5 | 3 (half up) |
| M.03 | – | – | Dewi 4, other 4 → 4 (1.5) | 6 / 1.5 = 4 | 4 |
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors import service
from cact.assessors.schemas import MatrixBody, MatrixCell
from cact.auth.models import StaffUser
from cact.exam.models import Attempt
from cact.scoring.models import Result
from tests.assessors.support import ACTOR, MATRIX, World, as_user, world
from tests.fixtures.factories import create_staff
from tests.programmes import seed

CACT_WEIGHTS = {"M.01": Decimal("1"), "M.02": Decimal("1")}


@dataclass
class Hand:
    w: World
    lead: StaffUser
    attempt: Attempt
    budi: int

    @property
    def api(self) -> str:
        return f"/api/programmes/{self.w.programme.id}/integration/{self.budi}"


async def with_cact_weights(db: AsyncSession, w: World) -> None:
    cells = [
        MatrixCell(competency=code, method=method, weight=weight)
        for method, codes in {**MATRIX, "CACT": CACT_WEIGHTS}.items()
        for code, weight in codes.items()
    ]
    await service.set_matrix(db, w.programme.id, MatrixBody(cells=cells), ACTOR)


async def rate(client: AsyncClient, assignment: int, levels: dict[str, int]) -> None:
    answer = await client.put(
        f"/api/assessor/assignments/{assignment}/ratings",
        json={
            "ratings": [
                {"competency": c, "level": lv, "evidence": f"catatan {c}"}
                for c, lv in levels.items()
            ]
        },
    )
    assert answer.status_code == 200, answer.text


async def hand(client: AsyncClient, db: AsyncSession) -> Hand:
    w = await world(db)
    await with_cact_weights(db, w)
    budi = w.people[1]
    wave = await seed.sitting(db, w.programme, f"SESI-INT-{w.programme.id}")
    levels = {"M.01": (3, 3), "M.02": (2, 3)}
    attempt = await seed.result(db, wave, budi, levels, jpm="83.33", nine_box=5)
    row = await db.scalar(select(Result).where(Result.attempt_id == attempt.id))
    assert row is not None
    row.details = {
        "untested": [{"competency": "M.03", "required_level": 3}],
        "performance_rating": "meets",
    }
    await db.flush()
    no = budi.participant_no
    await as_user(client, w.assessor)
    await rate(client, w.mine[f"{no} WAWANCARA"], {"M.01": 4, "M.02": 3})
    await rate(client, w.mine[f"{no} LGD"], {"M.01": 2, "M.03": 4})
    await as_user(client, w.other)
    await rate(client, w.theirs, {"M.01": 3, "M.03": 4})
    lead = await create_staff(db, "lead_assessor")
    lead.full_name = "Rina Asesor Utama"
    await db.flush()
    await as_user(client, lead)
    return Hand(w, lead, attempt, budi.id)


# Budi's final levels in the docs' example: M.02 set below the proposal, with a reason.
FINAL = [
    {"competency": "M.01", "level": 3},
    {"competency": "M.02", "level": 2, "reason": "Presentasi tidak mendukung"},
    {"competency": "M.03", "level": 4},
]
