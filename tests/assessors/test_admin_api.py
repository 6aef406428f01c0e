"""Methods are data an admin edits; the matrix and the assignments are checked whole, every
bad entry listed, nothing saved."""

from __future__ import annotations

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors.models import AssessorAssignment, MethodWeight
from cact.exam.models import Enrollment
from tests.assessors.support import World, as_user, world
from tests.fixtures.factories import create_participant, create_sitting, create_staff

SEEDED = ["CACT", "WAWANCARA", "LGD", "INBASKET", "PRESENTASI", "PSIKOTES"]


@pytest.fixture
async def w(db: AsyncSession) -> World:
    return await world(db)


@pytest.fixture
async def admin(client: AsyncClient, db: AsyncSession) -> AsyncClient:
    await as_user(client, await create_staff(db, "admin"))
    return client


async def test_the_seeded_methods_and_an_admins_changes(admin: AsyncClient) -> None:
    listed = (await admin.get("/api/assessment-methods")).json()
    assert [m["code"] for m in listed] == SEEDED
    created = await admin.post(
        "/api/assessment-methods",
        json={
            "code": "studi-kasus",
            "name_id": "Studi kasus",
            "name_en": "Case study",
            "kind": "exercise",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["code"] == "STUDI-KASUS"
    again = await admin.post(
        "/api/assessment-methods",
        json={"code": "Studi-Kasus", "name_id": "x", "name_en": "x", "kind": "exercise"},
    )
    assert again.status_code == 409 and again.json()["error"] == "method_code_taken"
    for bad in (
        {"code": "A B", "name_id": "x", "name_en": "x", "kind": "exercise"},
        {"code": "X", "name_id": "", "name_en": "x", "kind": "exercise"},
        {"code": "X", "name_id": "x", "name_en": "x", "kind": "dance"},
        {"code": "X" * 33, "name_id": "x", "name_en": "x", "kind": "exercise"},
    ):
        assert (await admin.post("/api/assessment-methods", json=bad)).status_code == 422, bad
    method_id = created.json()["id"]
    patched = await admin.patch(
        f"/api/assessment-methods/{method_id}",
        json={"name_en": "Case analysis", "is_active": False},
    )
    assert patched.json()["name_en"] == "Case analysis" and patched.json()["is_active"] is False
    assert (await admin.patch("/api/assessment-methods/999999", json={})).status_code == 404
    bad_kind = await admin.patch(f"/api/assessment-methods/{method_id}", json={"kind": "x"})
    assert bad_kind.status_code == 422


async def test_an_editor_cannot_edit_methods(client: AsyncClient, db: AsyncSession) -> None:
    await as_user(client, await create_staff(db, "editor"))
    assert (await client.get("/api/assessment-methods")).status_code == 403


async def test_a_bad_matrix_lists_every_cell_and_saves_nothing(
    admin: AsyncClient, db: AsyncSession, w: World
) -> None:
    url = f"/api/programmes/{w.programme.id}/method-matrix"
    before = (await admin.get(url)).json()
    assert len(before) == 4
    answer = await admin.put(
        url,
        json={
            "cells": [
                {"competency": "M.01", "method": "WAWANCARA", "weight": 1},
                {"competency": "X.99", "method": "WAWANCARA", "weight": 1},
                {"competency": "M.02", "method": "TARIAN", "weight": 1},
                {"competency": "M.03", "method": "LGD", "weight": 0},
                {"competency": "M.04", "method": "LGD", "weight": -2},
                {"competency": "M.05", "method": "LGD", "weight": 101},
                {"competency": "M.01", "method": "wawancara", "weight": 2},
            ]
        },
    )
    assert answer.status_code == 422, answer.text
    assert [d["code"] for d in answer.json()["detail"]] == [
        "unknown_competency",
        "unknown_method",
        "bad_weight",
        "bad_weight",
        "bad_weight",
        "duplicate_cell",
    ]
    assert (await admin.get(url)).json() == before
    shapes = (
        {"cells": [{"competency": "M.01", "method": "LGD", "weight": "berat"}]},
        {"cells": [{"competency": "M.01", "method": "LGD", "weight": 1.234}]},
        {"cells": [{"competency": "M.01", "method": "LGD", "weight": "NaN"}]},
        {"cells": [{"competency": "M.01", "method": "LGD"}]},
        {"position_group": "x" * 65, "cells": []},
        {"cells": [], "extra": True},
    )
    for body in shapes:
        assert (await admin.put(url, json=body)).status_code == 422, body
    assert (await admin.get(url)).json() == before


async def test_a_matrix_replaces_the_groups_cells(admin: AsyncClient, w: World) -> None:
    url = f"/api/programmes/{w.programme.id}/method-matrix"
    saved = await admin.put(
        url, json={"cells": [{"competency": "M.04", "method": "INBASKET", "weight": "2.5"}]}
    )
    assert saved.status_code == 200, saved.text
    assert saved.json() == [
        {"position_group": "", "competency": "M.04", "method": "INBASKET", "weight": "2.50"}
    ]
    assert (await admin.get("/api/programmes/999999/method-matrix")).status_code == 404
    assert (
        await admin.put("/api/programmes/999999/method-matrix", json={"cells": []})
    ).status_code == 404


async def test_the_database_refuses_a_weight_of_zero(db: AsyncSession, w: World) -> None:
    with pytest.raises(IntegrityError):
        async with db.begin_nested():
            db.add(
                MethodWeight(
                    programme_id=w.programme.id, competency_code="M.08", method_id=2, weight=0
                )
            )
            await db.flush()


async def _assign(admin: AsyncClient, **body: object) -> Response:
    return await admin.post("/api/assessor-assignments", json=body)


async def test_a_bad_assignment_lists_every_problem_and_saves_nothing(
    admin: AsyncClient, db: AsyncSession, w: World
) -> None:
    before = await db.scalar(select(func.count()).select_from(AssessorAssignment))
    editor = await create_staff(db, "editor")
    answer = await _assign(
        admin,
        assessor_id=editor.id,
        method="CACT",
        programme_id=w.programme.id,
        participants=[w.people[0].participant_no, w.people[2].participant_no, "NOBODY"],
    )
    assert answer.status_code == 422
    assert [d["code"] for d in answer.json()["detail"]] == [
        "not_an_assessor",
        "not_rated_by_assessors",
        "outside_scope",
        "unknown_participant",
    ]
    both = await _assign(
        admin,
        assessor_id=w.assessor.id,
        method="LGD",
        programme_id=w.programme.id,
        sitting_id=1,
        participants=["x"],
    )
    assert both.status_code == 422
    neither = await _assign(admin, assessor_id=w.assessor.id, method="LGD", participants=["x"])
    assert neither.status_code == 422
    missing = await _assign(
        admin, assessor_id=w.assessor.id, method="LGD", programme_id=999999, participants=["x"]
    )
    assert missing.status_code == 404
    empty = await _assign(
        admin, assessor_id=w.assessor.id, method="LGD", programme_id=w.programme.id, participants=[]
    )
    assert empty.status_code == 422
    assert await db.scalar(select(func.count()).select_from(AssessorAssignment)) == before


async def test_bulk_assignment_in_a_sitting_and_again(
    admin: AsyncClient, db: AsyncSession, w: World
) -> None:
    loose = await create_sitting(db)
    inside = await create_sitting(db)
    inside.programme_id = w.programme.id
    newcomer = await create_participant(db, "Dodi")
    db.add_all(
        Enrollment(sitting_id=inside.id, participant_id=p.id) for p in (newcomer, w.people[2])
    )
    await db.flush()
    numbers = [newcomer.participant_no, w.people[2].participant_no]
    no_programme = await _assign(
        admin,
        assessor_id=w.other.id,
        method="PRESENTASI",
        sitting_id=loose.id,
        participants=numbers,
    )
    assert no_programme.status_code == 422
    codes = [d["code"] for d in no_programme.json()["detail"]]
    assert codes[0] == "sitting_without_programme"
    done = await _assign(
        admin,
        assessor_id=w.other.id,
        method="PRESENTASI",
        sitting_id=inside.id,
        participants=numbers,
    )
    assert done.json() == {"created": 2, "already": 0}
    again = await _assign(
        admin,
        assessor_id=w.other.id,
        method="PRESENTASI",
        sitting_id=inside.id,
        participants=numbers,
    )
    assert again.json() == {"created": 0, "already": 2}
    listed = (await admin.get(f"/api/assessor-assignments?programme_id={w.programme.id}")).json()
    via_sitting = [a for a in listed if a["sitting_id"] == inside.id]
    assert sorted(a["participant_no"] for a in via_sitting) == sorted(numbers)
    assert {a["programme_id"] for a in via_sitting} == {w.programme.id}  # the sitting's matrix
    outside = await _assign(
        admin,
        assessor_id=w.other.id,
        method="PRESENTASI",
        sitting_id=inside.id,
        participants=[w.people[0].participant_no],
    )
    assert [d["code"] for d in outside.json()["detail"]] == ["outside_scope"]
    gone = await _assign(
        admin, assessor_id=w.other.id, method="PRESENTASI", sitting_id=999999, participants=numbers
    )
    assert gone.status_code == 404
