"""The demo shows the multi-method assessment (issue 20): the printed assessor sees and has rated
people of the demo programme, the printed lead assessor opens an integration with a proposal
and signs it off; a second load changes nothing."""

from __future__ import annotations

from pathlib import Path

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors.models import AssessorAssignment, AssessorRating
from cact.demo import service as demo


async def _login(client: AsyncClient, data: demo.DemoData, role: str) -> None:
    login = next(s for s in data.staff if role in s["roles"])  # type: ignore[operator]
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    answer = await client.post(
        "/api/auth/login", json={"username": login["username"], "password": login["password"]}
    )
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]


async def test_the_demo_assessor_and_lead_have_something_to_do(
    client: AsyncClient, db: AsyncSession, tmp_path: Path
) -> None:
    data = await demo.load(db)
    assert data.assessment is not None and data.programme is not None
    assert {"asesor", "ketua"} <= {s["username"] for s in data.staff}
    assert demo.summary("http://x", data)["assessment"] == data.assessment
    shown = demo.describe("http://x", data, tmp_path / "demo.json")
    assert "ketua" in shown and f"/integration/programmes/{data.programme['id']}" in shown

    await _login(client, data, "assessor")
    mine = (await client.get("/api/assessor/assignments")).json()
    assert len(mine) == 12 and {a["method"] for a in mine} == {"WAWANCARA", "LGD"}
    rated = data.assessment["rated"]
    assert isinstance(rated, list) and len(rated) == 3
    first = next(a for a in mine if a["participant_no"] == rated[0] and a["method"] == "LGD")
    sheet = (await client.get(f"/api/assessor/assignments/{first['id']}")).json()
    assert all(c["current"] for c in sheet["competencies"])

    await _login(client, data, "lead_assessor")
    pid = data.programme["id"]
    people = await client.get(f"/integration/programmes/{pid}")
    assert people.status_code == 200 and rated[0] in people.text
    api = f"/api/programmes/{pid}/integration/{first['participant_id']}"
    view = (await client.get(api)).json()
    rows = [r for r in view["rows"] if r["proposed_level"] is not None]
    assert view["cact_result"] and rows  # the CACT result and the ratings side by side
    assert all(r["ratings"] for r in rows if r["competency"] in ("M.02", "M.03"))
    levels = [
        {"competency": r["competency"], "level": r["proposed_level"] or r["cact_level"] or 3}
        | {"reason": "Demo: level CACT dipakai."}
        for r in view["rows"]
    ]
    signed = await client.post(f"{api}/sign-off", json={"levels": levels})
    assert signed.status_code == 201, signed.text

    count = await db.scalar(select(func.count()).select_from(AssessorRating))
    again = await demo.load(db)
    assert again.assessment is not None and "rated" not in again.assessment
    assert await db.scalar(select(func.count()).select_from(AssessorRating)) == count
    assert await db.scalar(select(func.count()).select_from(AssessorAssignment)) == 12
