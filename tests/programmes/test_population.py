"""The target population from the agency's staff list: all or nothing, problems by row."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.participants.models import Participant
from cact.programmes.models import ProgrammeMember
from tests.programmes import seed

GOOD = (
    "nip,nama,kode_jabatan,unit_kerja,kelompok_jabatan\r\n"
    "198001012005011001,Ani Wijaya,POP-GURU,SD 1,guru\r\n"
    "198001012005011002,Budi Santoso,POP-GURU,SD 2,\r\n"
)
BAD = (
    "nip,nama,kode_jabatan,unit_kerja,kelompok_jabatan\r\n"
    "19800101200501100,Ani Wijaya,POP-GURU,SD 1,guru\r\n"
    "198001012005011002,Budi Santoso,NOPE,SD 2,guru\r\n"
    "198001012005011002,Cici,POP-GURU,SD 2," + "x" * 70 + "\r\n"
)


async def _members(db: AsyncSession, programme_id: int) -> int:
    return int(
        await db.scalar(
            select(func.count())
            .select_from(ProgrammeMember)
            .where(ProgrammeMember.programme_id == programme_id)
        )
        or 0
    )


async def test_a_bad_staff_list_reports_every_row_and_saves_nothing(
    admin_client: AsyncClient, db: AsyncSession
) -> None:
    prog = await seed.programme(db)
    await seed.position(db, "POP-GURU", "guru", {"M.01": 3})
    people_before = await db.scalar(select(func.count()).select_from(Participant))
    response = await admin_client.post(
        f"/api/programmes/{prog.id}/population",
        files={"file": ("pegawai.csv", BAD.encode(), "text/csv")},
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_staff_list"
    found = {(p["row"], p["code"]) for p in body["detail"]}
    assert found == {
        (2, "nip_not_18_digits"),
        (3, "unknown_position"),
        (4, "duplicate_nip"),
        (4, "value_too_long"),
    }
    assert all("message_id" in p or "message" in p for p in body["detail"])
    assert await db.scalar(select(func.count()).select_from(Participant)) == people_before
    assert await _members(db, prog.id) == 0


async def test_a_good_list_becomes_the_population_and_a_dry_run_saves_nothing(
    admin_client: AsyncClient, db: AsyncSession
) -> None:
    prog = await seed.programme(db)
    await seed.position(db, "POP-GURU", "guru", {"M.01": 3})
    url = f"/api/programmes/{prog.id}/population"
    files = {"file": ("pegawai.csv", GOOD.encode(), "text/csv")}
    dry = await admin_client.post(url, files=files, data={"dry_run": "true"})
    assert dry.status_code == 200 and dry.json()["dry_run"] is True
    assert await _members(db, prog.id) == 0
    done = await admin_client.post(url, files=files)
    assert done.status_code == 200, done.text
    assert (done.json()["added"], done.json()["kept"], done.json()["created"]) == (2, 0, 2)
    again = await admin_client.post(url, files=files)
    assert (again.json()["added"], again.json()["kept"], again.json()["updated"]) == (0, 2, 2)
    assert await _members(db, prog.id) == 2
    coverage = (await admin_client.get(f"/api/programmes/{prog.id}/coverage")).json()
    assert coverage["counts"]["unscheduled"] == 2
    groups = {m["name"]: m["position_group"] for m in coverage["members"]}
    assert groups == {"Ani Wijaya": "guru", "Budi Santoso": "guru"}  # blank: the position's
    missing = await admin_client.post("/api/programmes/999999/population", files=files)
    assert missing.status_code == 404


async def test_programme_api_refuses_bad_input_and_non_admins(
    admin_client: AsyncClient, db: AsyncSession
) -> None:
    created = await admin_client.post(
        "/api/programmes", json={"code": "PRG-API", "title": "Program API"}
    )
    assert created.status_code == 201 and created.json()["validity_months"] == 36
    again = await admin_client.post("/api/programmes", json={"code": "PRG-API", "title": "x"})
    assert again.status_code == 409 and again.json()["error"] == "programme_code_taken"
    bad = await admin_client.post(
        "/api/programmes", json={"code": "bad code", "title": "", "validity_months": 0}
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["detail"]} >= {
        "body.code",
        "body.title",
        "body.validity_months",
    }
    pid = created.json()["id"]
    patched = await admin_client.patch(f"/api/programmes/{pid}", json={"validity_months": 24})
    assert patched.status_code == 200 and patched.json()["validity_months"] == 24
    assert (await admin_client.put(f"/api/programmes/{pid}/sittings/999999")).status_code == 404
    other = await seed.programme(db)
    wave = await seed.sitting(db, other, "TAKEN-W1")
    taken = await admin_client.put(f"/api/programmes/{pid}/sittings/{wave.id}")
    assert taken.status_code == 409 and taken.json()["error"] == "sitting_in_other_programme"
    not_mine = await admin_client.delete(f"/api/programmes/{pid}/sittings/{wave.id}")
    assert not_mine.status_code == 409
    admin_client.cookies.clear()
    assert (await admin_client.get("/api/programmes")).status_code == 401
