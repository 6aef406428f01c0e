"""Ratings: level 1–5 per competency the matrix gives the method, all or nothing, versioned
(a change adds a version, the old one stays) and audited; the evidence seam groups by method."""

from __future__ import annotations

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors import service
from cact.assessors.models import AssessorAssignment, AssessorRating
from cact.audit.models import AuditEvent
from cact.programmes.models import ProgrammeMember
from cact.standards.models import Position
from tests.assessors.support import World, as_user, world
from tests.fixtures.factories import create_staff


@pytest.fixture
async def w(db: AsyncSession) -> World:
    return await world(db)


async def _count(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(AssessorRating)) or 0)


async def _rate(client: AsyncClient, assignment: int, *ratings: dict[str, object]) -> Response:
    return await client.put(
        f"/api/assessor/assignments/{assignment}/ratings", json={"ratings": list(ratings)}
    )


async def test_the_rating_sheet_gives_the_matrix_competencies_for_the_method(
    client: AsyncClient, w: World
) -> None:
    await as_user(client, w.assessor)
    interview = w.mine[f"{w.people[0].participant_no} WAWANCARA"]
    sheet = (await client.get(f"/api/assessor/assignments/{interview}")).json()
    assert [(c["code"], c["weight"]) for c in sheet["competencies"]] == [
        ("M.01", "2.00"),
        ("M.02", "1.00"),
    ]
    assert sheet["assignment"]["method"] == "WAWANCARA"


@pytest.mark.parametrize(
    ("rating", "code"),
    [
        ({"competency": "M.01", "level": 0}, "level_out_of_range"),
        ({"competency": "M.01", "level": 6}, "level_out_of_range"),
        ({"competency": "M.03", "level": 3}, "competency_not_for_method"),  # LGD's, not here
        ({"competency": "X.99", "level": 3}, "competency_not_for_method"),
        ({"competency": "M.01", "level": 3, "evidence": "x" * 4001}, "evidence_too_long"),
    ],
)
async def test_a_bad_rating_is_refused_and_nothing_is_saved(
    client: AsyncClient, db: AsyncSession, w: World, rating: dict[str, object], code: str
) -> None:
    await as_user(client, w.assessor)
    interview = w.mine[f"{w.people[0].participant_no} WAWANCARA"]
    good = {"competency": "M.02", "level": 4}
    answer = await _rate(client, interview, good, rating)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"] == "invalid_ratings"
    assert [d["code"] for d in body["detail"]] == [code]
    assert await _count(db) == 0


async def test_wrong_shapes_are_refused(client: AsyncClient, db: AsyncSession, w: World) -> None:
    await as_user(client, w.assessor)
    interview = w.mine[f"{w.people[0].participant_no} WAWANCARA"]
    bodies: tuple[dict[str, object], ...] = (
        {"ratings": []},
        {"ratings": [{"competency": "M.01", "level": "tiga"}]},
        {"ratings": [{"competency": "M.01"}]},
        {"ratings": [{"competency": "M.01", "level": 3, "extra": 1}]},
        {"ratings": [{"competency": "M.01", "level": 3}, {"competency": "M.01", "level": 2}]},
    )
    for body in bodies:
        answer = await client.put(f"/api/assessor/assignments/{interview}/ratings", json=body)
        assert answer.status_code == 422, body
    assert await _count(db) == 0


async def test_ratings_are_versioned_and_audited(
    client: AsyncClient, db: AsyncSession, w: World
) -> None:
    await as_user(client, w.assessor)
    interview = w.mine[f"{w.people[0].participant_no} WAWANCARA"]
    first = await _rate(client, interview, {"competency": "M.01", "level": 3, "evidence": "Jelas"})
    assert first.json() == {"changed": 1, "unchanged": 0}
    same = await _rate(client, interview, {"competency": "M.01", "level": 3, "evidence": "Jelas"})
    assert same.json() == {"changed": 0, "unchanged": 1}
    changed = await _rate(
        client,
        interview,
        {"competency": "M.01", "level": 4, "evidence": "Jelas, dengan contoh"},
        {"competency": "M.02", "level": 2},
    )
    assert changed.json() == {"changed": 2, "unchanged": 0}
    history = (await client.get(f"/api/assessor/assignments/{interview}/history")).json()
    assert [(h["competency_code"], h["version"], h["level"]) for h in history] == [
        ("M.01", 1, 3),
        ("M.01", 2, 4),
        ("M.02", 1, 2),
    ]
    assert {h["source"] for h in history} == {"api"}
    sheet = (await client.get(f"/api/assessor/assignments/{interview}")).json()
    current = {c["code"]: c["current"] for c in sheet["competencies"]}
    assert current["M.01"]["version"] == 2 and current["M.01"]["evidence"] == "Jelas, dengan contoh"
    events = (
        await db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "assessor.rate", AuditEvent.target_id == str(interview)
            )
        )
    ).all()
    assert len(events) == 2  # the unchanged save wrote nothing
    assert events[-1].details["ratings"] == [
        {"competency": "M.01", "level": 4, "version": 2},
        {"competency": "M.02", "level": 2, "version": 1},
    ]


async def test_the_database_refuses_a_level_outside_1_to_5(db: AsyncSession, w: World) -> None:
    with pytest.raises(IntegrityError):
        async with db.begin_nested():
            db.add(
                AssessorRating(
                    assignment_id=next(iter(w.mine.values())),
                    competency_code="M.01",
                    level=7,
                    version=1,
                    source="api",
                    rated_by=w.assessor.id,
                )
            )
            await db.flush()


async def test_a_position_group_of_its_own_has_its_own_matrix(
    client: AsyncClient, db: AsyncSession, w: World
) -> None:
    member = await db.get(ProgrammeMember, (w.programme.id, w.people[0].id))
    assert member is not None
    member.position_group = "JPT"
    await db.flush()
    await as_user(client, await create_staff(db, "admin"))
    put = await client.put(
        f"/api/programmes/{w.programme.id}/method-matrix",
        json={
            "position_group": "JPT",
            "cells": [{"competency": "M.05", "method": "wawancara", "weight": 3}],
        },
    )
    assert put.status_code == 200, put.text
    await as_user(client, w.assessor)
    own = (
        await client.get(
            f"/api/assessor/assignments/{w.mine[f'{w.people[0].participant_no} WAWANCARA']}"
        )
    ).json()
    everyone = (
        await client.get(
            f"/api/assessor/assignments/{w.mine[f'{w.people[1].participant_no} WAWANCARA']}"
        )
    ).json()
    assert [c["code"] for c in own["competencies"]] == ["M.05"]
    assert [c["code"] for c in everyone["competencies"]] == ["M.01", "M.02"]


async def test_the_position_group_falls_back_to_the_positions_group(
    db: AsyncSession, w: World
) -> None:
    position = Position(code="POS-JF", name="Analis", group="JF")
    db.add(position)
    await db.flush()
    w.people[1].position_id = position.id
    await db.flush()
    rows = await service.my_assignments(db, w.assessor)
    groups = {r.participant_no: r.position_group for r in rows}
    assert groups == {w.people[0].participant_no: "", w.people[1].participant_no: "JF"}


async def test_the_evidence_seam_groups_current_ratings_by_method(
    client: AsyncClient, db: AsyncSession, w: World
) -> None:
    person = w.people[1]
    await as_user(client, w.assessor)
    await _rate(
        client, w.mine[f"{person.participant_no} WAWANCARA"], {"competency": "M.01", "level": 3}
    )
    await _rate(client, w.mine[f"{person.participant_no} LGD"], {"competency": "M.01", "level": 2})
    await _rate(client, w.mine[f"{person.participant_no} LGD"], {"competency": "M.01", "level": 4})
    await as_user(client, w.other)
    await _rate(client, w.theirs, {"competency": "M.01", "level": 5, "evidence": "Memimpin"})
    refused = await client.get(f"/api/assessment-evidence?participant_id={person.id}")
    assert refused.status_code == 403  # an assessor reads no one else's ratings
    await as_user(client, await create_staff(db, "lead_assessor"))
    answer = await client.get(
        f"/api/assessment-evidence?participant_id={person.id}&programme_id={w.programme.id}"
    )
    assert answer.status_code == 200, answer.text
    [row] = answer.json()
    assert row["competency"] == "M.01"
    assert {m: sorted(r["level"] for r in rs) for m, rs in row["by_method"].items()} == {
        "WAWANCARA": [3],
        "LGD": [4, 5],  # the current version of each assessor's rating
    }
    assert await service.evidence(db, [w.people[2].id]) == []


async def test_an_assignment_with_ratings_stays(
    client: AsyncClient, db: AsyncSession, w: World
) -> None:
    await as_user(client, w.assessor)
    rated = w.mine[f"{w.people[0].participant_no} WAWANCARA"]
    await _rate(client, rated, {"competency": "M.01", "level": 3})
    await as_user(client, await create_staff(db, "admin"))
    assert (await client.delete(f"/api/assessor-assignments/{rated}")).status_code == 409
    unrated = w.mine[f"{w.people[0].participant_no} LGD"]
    assert (await client.delete(f"/api/assessor-assignments/{unrated}")).status_code == 204
    assert await db.get(AssessorAssignment, unrated) is None
    assert (await client.delete(f"/api/assessor-assignments/{unrated}")).status_code == 404
