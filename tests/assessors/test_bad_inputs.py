"""Bad inputs sent straight to the API and to the pages' forms (not through the page's own
controls): each gets a clear error, and nothing is saved or signed."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors.models import AssessorRating, Integration, IntegrationRule
from tests.assessors.integration_support import FINAL, Hand, hand
from tests.assessors.support import as_user, world
from tests.fixtures.factories import create_staff

HTML = {"Accept": "text/html"}


@pytest.fixture
async def h(client: AsyncClient, db: AsyncSession) -> Hand:
    return await hand(client, db)


async def _count(db: AsyncSession, table: Any) -> int:
    return int(await db.scalar(select(func.count()).select_from(table)) or 0)


def _error(answer: Any) -> str:
    return str(answer.json().get("error"))


@pytest.mark.parametrize(
    "body",
    [
        {"levels": "M.01=3"},
        {"levels": [{"competency": "M.01", "level": "tiga"}]},
        {"levels": [{"competency": "M.01", "level": 3.5}]},
        {"levels": [{"competency": "M.01", "level": None}]},
        {"levels": [{"competency": ["M.01"], "level": 3}]},
        {"levels": [{"competency": "M" * 33, "level": 3}]},
        {"levels": [{"competency": "M.01", "level": 3, "grade": "A"}]},
        {"levels": [{"competency": f"X.{i}", "level": 3} for i in range(201)]},
        {"level": FINAL},
        [],
    ],
)
async def test_a_sign_off_of_the_wrong_shape_is_refused(
    client: AsyncClient, db: AsyncSession, h: Hand, body: Any
) -> None:
    answer = await client.post(f"{h.api}/sign-off", json=body)
    assert answer.status_code == 422, answer.text
    assert _error(answer) == "invalid" and answer.json()["detail"]
    assert await _count(db, Integration) == 0


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"level": 10**40}, "level_out_of_range"),
        ({"level": -3}, "level_out_of_range"),
        ({"level": 0}, "level_out_of_range"),
        ({"level": 2, "reason": "x" * 2001}, "reason_too_long"),
        ({"competency": "'; DROP TABLE integration; --"}, "unknown_competency"),
    ],
)
async def test_a_sign_off_with_bad_values_lists_them_and_saves_nothing(
    client: AsyncClient, db: AsyncSession, h: Hand, change: dict[str, Any], code: str
) -> None:
    levels = [dict(FINAL[0], **change), *FINAL[1:]]
    answer = await client.post(f"{h.api}/sign-off", json={"levels": levels})
    assert answer.status_code == 422, answer.text
    assert _error(answer) == "invalid_integration"
    assert code in {d["code"] for d in answer.json()["detail"]}
    assert all(d["message"] for d in answer.json()["detail"])
    assert await _count(db, Integration) == 0


async def test_a_body_over_the_limit_is_refused_before_it_is_read(
    client: AsyncClient, db: AsyncSession, h: Hand
) -> None:
    levels = [dict(FINAL[0], reason="x" * (2 * 1024 * 1024)), *FINAL[1:]]
    answer = await client.post(f"{h.api}/sign-off", json={"levels": levels})
    assert answer.status_code == 413, answer.text
    assert await _count(db, Integration) == 0


async def test_another_programmes_participant_is_not_found(
    client: AsyncClient, db: AsyncSession, h: Hand
) -> None:
    other = await world(db)  # a second programme with its own members
    stranger = other.people[0].id
    for method, path in (
        ("GET", f"/api/programmes/{h.w.programme.id}/integration/{stranger}"),
        ("POST", f"/api/programmes/{h.w.programme.id}/integration/{stranger}/sign-off"),
        ("GET", f"/api/programmes/{other.programme.id}/integration/{h.budi}"),
        ("POST", f"/api/programmes/{other.programme.id}/integration/{h.budi}/sign-off"),
    ):
        answer = await client.request(method, path, json={"levels": FINAL})
        assert answer.status_code == 404, (path, answer.text)
        assert _error(answer) == "participant_not_in_programme"
    for path in (f"/api/programmes/abc/integration/{h.budi}/sign-off", f"{h.api}x/sign-off"):
        assert (await client.post(path, json={"levels": FINAL})).status_code == 422
    assert await _count(db, Integration) == 0


@pytest.mark.parametrize(
    "body",
    [{"rule": "median"}, {"rule": 1}, {"rule": None}, {}, {"rule": "weighted_mean", "x": 1}, "r"],
)
async def test_a_bad_rule_is_refused(
    client: AsyncClient, db: AsyncSession, h: Hand, body: Any
) -> None:
    await as_user(client, await create_staff(db, "admin"))
    path = f"/api/programmes/{h.w.programme.id}/integration-rule"
    answer = await client.put(path, json=body)
    assert answer.status_code == 422, answer.text
    assert _error(answer) == "invalid"
    assert await _count(db, IntegrationRule) == 0
    missing = await client.put(
        f"/api/programmes/{10**9}/integration-rule", json={"rule": "assessors_decide"}
    )
    assert missing.status_code == 404
    assert (await client.get(path)).json() == {"rule": "weighted_mean"}


async def test_a_lead_cannot_set_the_rule(client: AsyncClient, db: AsyncSession, h: Hand) -> None:
    path = f"/api/programmes/{h.w.programme.id}/integration-rule"
    answer = await client.put(path, json={"rule": "assessors_decide"})
    assert answer.status_code == 403 and _error(answer) == "wrong_role"
    assert await _count(db, IntegrationRule) == 0


@pytest.mark.parametrize(
    "ratings",
    [
        "M.01=3",
        [],
        [{"competency": "M.01", "level": "empat"}],
        [{"competency": "M.01", "level": 3.5}],
        [{"competency": "M.01", "level": 3, "evidence": ["a"]}],
        [{"competency": "M.01", "level": 3, "by": 7}],
        [{"competency": "M.01", "level": 3}] * 201,
    ],
)
async def test_ratings_of_the_wrong_shape_are_refused(
    client: AsyncClient, db: AsyncSession, ratings: Any
) -> None:
    w = await world(db)
    await as_user(client, w.assessor)
    target = next(iter(w.mine.values()))
    answer = await client.put(
        f"/api/assessor/assignments/{target}/ratings", json={"ratings": ratings}
    )
    assert answer.status_code == 422, answer.text
    assert _error(answer) == "invalid"
    assert await _count(db, AssessorRating) == 0


@pytest.mark.parametrize(
    ("rating", "code"),
    [
        ({"competency": "M.01", "level": 10**40}, "level_out_of_range"),
        ({"competency": "M.01", "level": 0}, "level_out_of_range"),
        ({"competency": "M.01", "level": 3, "evidence": "x" * 4001}, "evidence_too_long"),
        ({"competency": "M.03", "level": 3}, "competency_not_for_method"),
    ],
)
async def test_ratings_with_bad_values_are_listed_and_nothing_is_saved(
    client: AsyncClient, db: AsyncSession, rating: dict[str, Any], code: str
) -> None:
    w = await world(db)
    await as_user(client, w.assessor)
    target = w.mine[f"{w.people[0].participant_no} WAWANCARA"]
    good = {"competency": "M.02", "level": 3}
    answer = await client.put(
        f"/api/assessor/assignments/{target}/ratings", json={"ratings": [good, rating]}
    )
    assert answer.status_code == 422, answer.text
    assert _error(answer) == "invalid_ratings"
    assert code in {d["code"] for d in answer.json()["detail"]}
    assert await _count(db, AssessorRating) == 0


async def test_the_sheet_import_refuses_bad_uploads(client: AsyncClient, db: AsyncSession) -> None:
    w = await world(db)
    other = await world(db)  # another programme; its people are not assigned to this assessor
    await as_user(client, w.assessor)
    methods = {m["method"]: m for m in (await client.get("/api/assessor/assignments")).json()}
    assert methods
    ids = {r["code"]: r["id"] for r in (await _admin_methods(client, db))}
    await as_user(client, w.assessor)
    lgd = ids["LGD"]
    csv = "nomor_peserta,kode_kompetensi,level,catatan\n"
    cases: list[tuple[str, bytes, str]] = [
        ("kosong.csv", b"", "invalid_rating_sheet"),
        ("gambar.xlsx", b"\x89PNG\r\n\x1a\n not a workbook", "invalid_rating_sheet"),
        (
            "p.csv",
            (csv + f"{other.people[0].participant_no},M.01,3,\n").encode(),
            "invalid_rating_sheet",
        ),
        (
            "p.csv",
            (csv + f"{w.people[0].participant_no},M.01,3,{'x' * 4001}\n").encode(),
            "invalid_rating_sheet",
        ),
        (
            "p.csv",
            (csv + f"{w.people[0].participant_no},M.01,'3; DROP',\n").encode(),
            "invalid_rating_sheet",
        ),
    ]
    for name, data, error in cases:
        answer = await client.post(f"/api/assessor/sheet/{lgd}", files={"file": (name, data)})
        assert answer.status_code == 422, (name, answer.text)
        assert _error(answer) == error
        assert answer.json()["detail"], answer.text
    computer = await client.post(
        f"/api/assessor/sheet/{ids['CACT']}", files={"file": ("p.csv", csv.encode())}
    )
    assert computer.status_code in (404, 422), computer.text
    missing = await client.post(f"/api/assessor/sheet/{10**9}", files={"file": ("p.csv", b"x")})
    assert missing.status_code == 404
    no_file = await client.post(f"/api/assessor/sheet/{lgd}", data={"dry_run": "yes please"})
    assert no_file.status_code == 422 and _error(no_file) == "invalid"
    assert await _count(db, AssessorRating) == 0


async def _admin_methods(client: AsyncClient, db: AsyncSession) -> list[dict[str, Any]]:
    await as_user(client, await create_staff(db, "admin"))
    return list((await client.get("/api/assessment-methods")).json())


async def test_the_pages_forms_need_the_csrf_field(
    client: AsyncClient, db: AsyncSession, h: Hand
) -> None:
    """Every staff page's POST carries the session's CSRF token (the field or the header);
    without it a form is refused with 403 csrf_rejected and changes nothing."""
    client.headers.pop("X-CSRF-Token")
    pid = h.w.programme.id
    form = {"competency": ["M.01", "M.02", "M.03"], "level|M.01": "3", "level|M.02": "3"}
    form |= {"level|M.03": "4"}
    page = f"/integration/programmes/{pid}/participants/{h.budi}"
    for data in (form, {**form, "csrf_token": "forged"}):
        answer = await client.post(page, data=data, headers=HTML)
        assert answer.status_code == 403, answer.text
    refused = await client.post(f"{h.api}/sign-off", json={"levels": FINAL})
    assert refused.status_code == 403 and _error(refused) == "csrf_rejected"
    await as_user(client, h.w.assessor)
    client.headers.pop("X-CSRF-Token")
    target = next(iter(h.w.mine.values()))
    rated = await _count(db, AssessorRating)
    for path, data in (
        (f"/assessor/assignments/{target}", {"competency": "M.01", "level|M.01": "5"}),
        ("/assessor/sheet", {"method_id": "1", "action": "import"}),
    ):
        answer = await client.post(path, data=data, headers=HTML)
        assert answer.status_code == 403, (path, answer.text)
    await as_user(client, await create_staff(db, "admin"))
    client.headers.pop("X-CSRF-Token")
    rule = await client.post(
        f"/integration/programmes/{pid}/rule", data={"rule": "assessors_decide"}
    )
    assert rule.status_code == 403
    assert await _count(db, Integration) == 0 and await _count(db, IntegrationRule) == 0
    assert await _count(db, AssessorRating) == rated


async def test_the_page_sign_off_with_too_many_competencies_is_a_clear_refusal(
    client: AsyncClient, db: AsyncSession, h: Hand
) -> None:
    page = f"/integration/programmes/{h.w.programme.id}/participants/{h.budi}"
    codes = [f"X.{i}" for i in range(300)]
    form: dict[str, Any] = {"csrf_token": client.headers["X-CSRF-Token"], "competency": codes}
    form |= {f"level|{c}": "3" for c in codes}
    answer = await client.post(page, data=form, headers=HTML)
    assert answer.status_code == 422, answer.text[:300]
    assert "terlalu banyak kompetensi" in answer.text
    assert await _count(db, Integration) == 0


async def test_a_member_with_only_the_matrix_and_no_evidence_cannot_be_signed_off(
    client: AsyncClient, db: AsyncSession, h: Hand
) -> None:
    """The matrix lists what to assess, it is no evidence: without a CACT result or a rating,
    final levels for every listed competency are still refused."""
    ani = h.w.people[0].id  # a member, assigned, not rated, without a CACT result
    base = f"/api/programmes/{h.w.programme.id}/integration/{ani}"
    codes = [r["competency"] for r in (await client.get(base)).json()["rows"]]
    assert codes == ["M.01", "M.02", "M.03"]
    levels = [{"competency": c, "level": 3, "reason": "tanpa bukti"} for c in codes]
    answer = await client.post(f"{base}/sign-off", json={"levels": levels})
    assert answer.status_code == 422, answer.text
    assert {d["code"] for d in answer.json()["detail"]} == {"no_evidence"}
    assert await _count(db, Integration) == 0
