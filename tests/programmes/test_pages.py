"""The programme pages render from the demo programme, in both languages, and their forms work."""

from __future__ import annotations

import re

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.kit.i18n import catalogue
from cact.programmes.models import Programme, ProgrammeMember
from tests.fixtures.factories import create_staff, login


async def test_every_programme_page_renders(
    admin_client: AsyncClient, db: AsyncSession, programme: Programme
) -> None:
    base = f"/admin/programmes/{programme.id}"
    overview = await admin_client.get(base)
    assert overview.status_code == 200, overview.text
    assert 'data-count="assessed"' in overview.text and "PEMETAAN-2026-G3-W1" in overview.text
    heat = await admin_client.get(f"{base}/heat-map")
    assert heat.status_code == 200 and heat.text.count('class="cell"') >= 10
    assert "<svg" in heat.text and "Semua unit" in heat.text
    needs = await admin_client.get(f"{base}/training-needs?unit=SMP+Negeri+1+Demo")
    assert needs.status_code == 200 and 'data-testid="needs-summary"' in needs.text
    box = await admin_client.get(f"{base}/nine-box")
    assert box.status_code == 200
    counts = [int(n) for n in re.findall(r'class="box" data-box="\d" data-count="(\d+)"', box.text)]
    assert len(counts) == 9 and sum(counts) > 0
    match = await admin_client.get(f"{base}/matching?position=JP-KABID")
    assert match.status_code == 200 and match.text.count("data-participant=") == 47
    en = await admin_client.get(f"{base}/matching?position=JP-KABID&lang=en")
    assert "Position matching" in en.text
    unknown = await admin_client.get(f"{base}/matching?position=NOPE&lang=id")
    assert unknown.status_code == 404 and "Jabatan tidak ditemukan" in unknown.text
    report = await admin_client.get(f"/reports/programmes/{programme.id}")
    assert report.status_code == 200 and "<svg" in report.text
    member = await db.scalar(
        select(ProgrammeMember).where(ProgrammeMember.programme_id == programme.id)
    )
    assert member is not None
    person = await admin_client.get(f"/admin/people/{member.participant_id}")
    assert person.status_code == 200 and 'data-testid="history"' in person.text
    assert (await admin_client.get("/admin/programmes/999999")).status_code == 404
    assert (await admin_client.get("/admin/people/999999")).status_code == 404
    listing = await admin_client.get("/admin/programmes")
    assert "PEMETAAN-2026-G3" in listing.text
    keys = [k for k in catalogue("id") if k.startswith(("programmes.", "admin.", "reports."))]
    for lang in ("id", "en"):
        for path in (
            base,
            f"{base}/heat-map",
            f"{base}/training-needs",
            f"{base}/nine-box",
            f"{base}/matching",
            f"/reports/programmes/{programme.id}",
            f"/admin/people/{member.participant_id}",
            "/admin/programmes",
        ):
            text = (await admin_client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")).text
            shown = set(re.findall(r"(?<=[>\s])[a-z_]+\.[a-z_.-]+(?=[<\s])", text))
            assert not shown & set(keys), (path, lang, shown & set(keys))


async def test_creating_a_programme_through_the_page(
    admin_client: AsyncClient, db: AsyncSession
) -> None:
    csrf = admin_client.headers["X-CSRF-Token"]
    made = await admin_client.post(
        "/admin/programmes",
        data={
            "csrf_token": csrf,
            "code": "PG-PAGE",
            "title": "Program Halaman",
            "validity_months": "24",
        },
    )
    assert made.status_code == 303
    assert made.headers["location"].endswith("?done=programme_created")
    page = await admin_client.get(made.headers["location"])
    assert "Program asesmen dibuat." in page.text
    twice = await admin_client.post(
        "/admin/programmes", data={"csrf_token": csrf, "code": "PG-PAGE", "title": "x"}
    )
    assert twice.status_code == 409 and "sudah dipakai" in twice.text
    bad = await admin_client.post(
        "/admin/programmes", data={"csrf_token": csrf, "code": "bad code", "title": "x"}
    )
    assert bad.status_code == 422


async def test_non_admins_are_refused(client: AsyncClient, db: AsyncSession) -> None:
    await login(client, await create_staff(db, "proctor"))
    assert (await client.get("/api/programmes")).status_code == 403
    assert (await client.get("/admin/programmes")).status_code == 403


async def test_the_overview_forms_import_attach_and_move(
    admin_client: AsyncClient, db: AsyncSession, programme: Programme
) -> None:
    from datetime import UTC, datetime, timedelta

    from cact.exam.models import Enrollment, Sitting
    from tests.fixtures.factories import create_room

    csrf = admin_client.headers["X-CSRF-Token"]
    base = f"/admin/programmes/{programme.id}"
    bad = "nip,nama,kode_jabatan\r\n123,Ani,NOPE\r\n"
    checked = await admin_client.post(
        f"{base}/population",
        data={"csrf_token": csrf, "action": "import"},
        files={"file": ("pegawai.csv", bad.encode(), "text/csv")},
    )
    assert checked.status_code == 422 and 'data-testid="problems"' in checked.text
    assert "nip_not_18_digits" in checked.text and "unknown_position" in checked.text
    source = await db.scalar(select(Sitting).where(Sitting.programme_id == programme.id))
    assert source is not None
    wave = Sitting(
        code="PAGE-W3",
        title="Gelombang 3",
        room_id=(await create_room(db, seats=20)).id,
        blueprint_id=source.blueprint_id,
        starts_at=datetime.now(UTC) + timedelta(days=2),
    )
    db.add(wave)
    await db.flush()
    attached = await admin_client.post(
        f"{base}/sittings", data={"csrf_token": csrf, "sitting_id": str(wave.id)}
    )
    assert attached.status_code == 303
    nobody = await admin_client.post(
        f"{base}/move", data={"csrf_token": csrf, "sitting_id": str(wave.id)}
    )
    assert nobody.status_code == 422
    moved = await admin_client.post(
        f"{base}/move",
        data={"csrf_token": csrf, "sitting_id": str(wave.id), "absent": "1", "unscheduled": "1"},
    )
    assert moved.status_code == 303 and moved.headers["location"].endswith("done=programme_moved")
    page = await admin_client.get(f"{base}?status=scheduled")
    assert page.text.count('data-status="scheduled"') == 13
    enrolled = await db.scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.sitting_id == wave.id)
    )
    assert enrolled == 13
    no_csrf = await admin_client.post(
        f"{base}/move",
        data={"sitting_id": str(wave.id), "absent": "1"},
        headers={"X-CSRF-Token": ""},
    )
    assert no_csrf.status_code == 403
