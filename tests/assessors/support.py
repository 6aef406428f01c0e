"""A programme with a matrix, three people (two members), two assessors and their work."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors import service
from cact.assessors.schemas import AssignmentCreate, MatrixBody, MatrixCell
from cact.audit.service import Actor
from cact.auth.models import StaffUser
from cact.participants.models import Participant
from cact.programmes.models import Programme, ProgrammeMember
from tests.fixtures.factories import create_participant, create_staff, login

ACTOR = Actor.system("test")
_n = itertools.count(1)


@dataclass
class World:
    programme: Programme
    people: list[Participant]  # the first two are members, the third is not
    assessor: StaffUser
    other: StaffUser
    mine: dict[str, int]  # "participant_no method" → assignment id (the assessor's)
    theirs: int  # the other assessor's assignment (people[1], LGD)


MATRIX = {
    "WAWANCARA": {"M.01": Decimal("2"), "M.02": Decimal("1")},
    "LGD": {"M.01": Decimal("1"), "M.03": Decimal("1.5")},
}


async def world(db: AsyncSession) -> World:
    n = next(_n)
    programme = Programme(code=f"AC-{n}", title=f"Assessment centre {n}")
    db.add(programme)
    await db.flush()
    people = [await create_participant(db, name) for name in ("Ani", "Budi", "Citra")]
    db.add_all(ProgrammeMember(programme_id=programme.id, participant_id=p.id) for p in people[:2])
    await db.flush()
    cells = [
        MatrixCell(competency=code, method=method, weight=weight)
        for method, codes in MATRIX.items()
        for code, weight in codes.items()
    ]
    await service.set_matrix(db, programme.id, MatrixBody(cells=cells), ACTOR)
    assessor = await create_staff(db, "assessor")
    assessor.full_name = "Dewi Asesor"
    other = await create_staff(db, "assessor")
    numbers = [p.participant_no for p in people[:2]]
    for method in ("WAWANCARA", "LGD"):
        await service.assign(
            db,
            AssignmentCreate(
                assessor_id=assessor.id,
                method=method,
                programme_id=programme.id,
                participants=numbers,
            ),
            ACTOR,
        )
    await service.assign(
        db,
        AssignmentCreate(
            assessor_id=other.id, method="LGD", programme_id=programme.id, participants=numbers[1:]
        ),
        ACTOR,
    )
    mine = {
        f"{r.participant_no} {r.method_code}": r.id
        for r in await service.my_assignments(db, assessor)
    }
    theirs = (await service.my_assignments(db, other))[0].id
    return World(programme, people, assessor, other, mine, theirs)


async def as_user(client: AsyncClient, user: StaffUser) -> None:
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    await login(client, user)
