"""What `cact demo` loads: everything a visitor needs to try CACT in one command."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.auth.models import StaffUser
from cact.auth.passwords import hash_password_async
from cact.auth.repository import StaffUserRepository
from cact.bank import service as bank
from cact.blueprints import service as blueprints
from cact.blueprints.repository import BlueprintRepository
from cact.competencies import service as competencies
from cact.demo import analysis, people
from cact.demo.assessment import load_assessment
from cact.demo.programme import load_programme
from cact.exam import opening
from cact.exam.models import Sitting, SittingProctor
from cact.exam.repository import SittingRepository
from cact.participants.models import Participant
from cact.participants.repository import ParticipantRepository
from cact.rooms import service as rooms
from cact.sittings import seating
from cact.sittings import service as sittings
from cact.standards.models import Position
from cact.standards.repository import PositionRepository
from cact.standards.service import load_demo_standards
from item_bank.blueprint import load_blueprint
from item_bank.loader import Upload, load_items

DEMO_ACTOR = Actor.system("cact demo")
DEMO_BANK = Path(__file__).resolve().parents[2] / "item_bank" / "demo"
DEMO_PARTICIPANTS = 30


@dataclass(frozen=True)
class DemoStaff:
    username: str
    password: str
    roles: list[str]
    full_name: str


DEMO_STAFF = (
    DemoStaff("admin", "demo-admin-2026", ["admin"], "Admin Demo"),
    DemoStaff("editor", "demo-editor-2026", ["editor"], "Penyusun Soal Demo"),
    DemoStaff("proktor", "demo-proktor-2026", ["proctor"], "Pengawas Demo"),
    DemoStaff("asesor", "demo-asesor-2026", ["assessor"], "Dr. Hendra Wijaya (Asesor Demo)"),
    DemoStaff(
        "ketua", "demo-ketua-2026", ["lead_assessor"], "Prof. Ratna Kusuma (Asesor Utama Demo)"
    ),
)


@dataclass
class DemoData:
    staff: list[dict[str, object]] = field(default_factory=list)
    competencies: list[str] = field(default_factory=list)
    sitting: dict[str, object] | None = None
    participants: list[str] = field(default_factory=list)
    programme: dict[str, object] | None = None
    analysis: dict[str, object] | None = None
    assessment: dict[str, object] | None = None


async def _ensure_staff(db: AsyncSession, staff: DemoStaff) -> bool:
    """Create the account; an account that exists is never changed. True when created."""
    users = StaffUserRepository(db)
    if await users.by_username(staff.username) is not None:
        return False
    await users.add(
        StaffUser(
            username=staff.username,
            full_name=staff.full_name,
            roles=staff.roles,
            password_hash=await hash_password_async(staff.password),
        )
    )
    return True


async def _assign_proctors(db: AsyncSession, sitting: Sitting) -> None:
    """The printed proctor login opens the demo sitting's dashboard (issue 13)."""
    users = StaffUserRepository(db)
    for staff in DEMO_STAFF:
        user = await users.by_username(staff.username)
        if user is not None and "proctor" in staff.roles:
            db.add(SittingProctor(sitting_id=sitting.id, staff_user_id=user.id))
    await db.flush()


async def load_bank(db: AsyncSession) -> None:
    """The demo item sets and blueprint from item_bank/demo (unchanged items stay as they are)."""
    known = await competencies.known_codes(db)
    sets = sorted(DEMO_BANK.glob("*.yaml"))
    loaded = load_items(
        [Upload(p.name, p.read_bytes()) for p in sets if p.name != "blueprint.yaml"],
        known_competencies=known,
    )
    if loaded.problems:
        raise RuntimeError(f"the demo bank is invalid: {loaded.problems[0].message('en')}")
    await bank.import_item_sets(db, loaded.item_sets, {}, DEMO_ACTOR)
    design = load_blueprint("blueprint.yaml", (DEMO_BANK / "blueprint.yaml").read_bytes())
    assert design.blueprint is not None, design.problems
    existing = await BlueprintRepository(db).by_code(design.blueprint.code)
    if existing is None or not await BlueprintRepository(db).in_use(existing.id):
        await blueprints.save(db, design.blueprint, DEMO_ACTOR)


async def _positions(db: AsyncSession) -> list[Position]:
    found = []
    for code, name, group in people.POSITIONS:
        position = (await PositionRepository(db).by_codes([code])).get(code)
        if position is None:
            position = Position(code=code, name=name, group=group)
            db.add(position)
            await db.flush()
        found.append(position)
    return found


async def _participants(db: AsyncSession, count: int) -> list[Participant]:
    positions = await _positions(db)
    found = []
    for n in range(1, count + 1):
        number = f"DEMO-{n:03d}"
        participant = (await ParticipantRepository(db).by_numbers([number])).get(number)
        if participant is None:
            participant = Participant(
                participant_no=number,
                nip=people.nip(n),
                name=people.name(n),
                position_id=positions[n % len(positions)].id,
                unit="BKPSDM Kabupaten Demo",
                agency="Pemerintah Kabupaten Demo",
            )
            db.add(participant)
        found.append(participant)
    await db.flush()
    return found


async def open_demo_sitting(db: AsyncSession, participants: int = DEMO_PARTICIPANTS) -> Sitting:
    """A new sitting in the demo lab with the demo roster, opened (forms generated, token out)."""
    room = await rooms.by_code(db, "LAB-DEMO") or await rooms.create_grid_room(
        db, "LAB-DEMO", "Lab Komputer Demo", rows=5, cols=8, actor=DEMO_ACTOR
    )
    blueprint = await BlueprintRepository(db).by_code("DEMO-2026")
    assert blueprint is not None, "load_bank() first"
    count = await SittingRepository(db).count(SittingRepository(db).select())
    sitting = await sittings.create_sitting(
        db,
        code=f"DEMO-SESI-{count + 1}",
        title=f"Sesi Demo {count + 1}",
        room_id=room.id,
        blueprint_id=blueprint.id,
        starts_at=datetime.now(UTC),
        actor=DEMO_ACTOR,
    )
    await db.refresh(room, ["seats"])
    await seating.enroll_in_seat_order(
        db, sitting, await _participants(db, participants), room.seats, DEMO_ACTOR
    )
    return await opening.open_sitting(db, sitting.id, DEMO_ACTOR)


async def load_analysis_sitting(db: AsyncSession, now: datetime | None = None) -> Sitting:
    """The closed sitting the item analysis is shown on: the demo roster (DEMO-001 …
    DEMO-120) on the demo blueprint, answered and closed (cact/demo/analysis.py)."""
    roster = await _participants(db, analysis.PARTICIPANTS)
    return await analysis.load_analysis_sitting(db, roster, DEMO_ACTOR, now or datetime.now(UTC))


async def load(db: AsyncSession) -> DemoData:
    data = DemoData()
    data.competencies = await competencies.load_standard_dictionary(db, DEMO_ACTOR)
    for staff in DEMO_STAFF:
        created = await _ensure_staff(db, staff)
        login = {key: value for key, value in asdict(staff).items() if key != "full_name"}
        if not created:
            login["password"] = None  # its own password, which the demo neither knows nor sets
        data.staff.append(login)
    await load_bank(db)
    await load_demo_standards(db, DEMO_ACTOR)
    programme = await load_programme(db, DEMO_ACTOR)
    data.programme = {"id": programme.id, "code": programme.code}
    assessor = await StaffUserRepository(db).by_username("asesor")
    data.assessment = await load_assessment(
        db, programme, assessor if assessor and assessor.has_role("assessor") else None, DEMO_ACTOR
    )
    sitting = await open_demo_sitting(db)
    await _assign_proctors(db, sitting)
    data.sitting = {"id": sitting.id, "code": sitting.code, "token": sitting.token}
    closed = await load_analysis_sitting(db)
    data.analysis = {"id": closed.id, "code": closed.code}
    data.participants = [f"DEMO-{n:03d}" for n in range(1, DEMO_PARTICIPANTS + 1)]
    return data


def urls(base_url: str) -> dict[str, str]:
    return {
        "kiosk": f"{base_url}/kiosk",
        "dashboard": f"{base_url}/proctor",
        "admin": f"{base_url}/staff",
        "login": f"{base_url}/login",
    }


def summary(base_url: str, data: DemoData) -> dict[str, object]:
    """The shape SPEC §6 promises in ``demo.json``, so scripts can drive the demo."""
    return {
        "urls": urls(base_url),
        "staff": data.staff,
        "sitting": data.sitting,
        "participants": data.participants,
        "competencies": data.competencies,
        "programme": data.programme,
        "analysis": data.analysis,
        "assessment": data.assessment,
    }


def describe(base_url: str, data: DemoData, demo_file: Path) -> str:
    lines = ["", "CACT demo siap / ready", ""]
    lines += [f"  {name:<10} {url}" for name, url in urls(base_url).items()]
    lines += ["", "  Staff logins (username / password / roles):"]
    for login in data.staff:
        password = login["password"] or "(akun lama, sandi tidak diubah / existing, unchanged)"
        roles = login["roles"]
        assert isinstance(roles, list)
        lines.append(f"    {login['username']!s:<10} {password!s:<20} {', '.join(roles)}")
    if data.sitting:
        lines += ["", f"  Sitting {data.sitting['id']}: token {data.sitting['token']}"]
    if data.participants:
        lines.append(f"  Participants: {', '.join(data.participants[:5])} …")
    if data.analysis:
        lines.append(
            f"  Item analysis (closed sitting {data.analysis['code']}): "
            f"{base_url}/admin/sittings/{data.analysis['id']}/item-analysis"
        )
    if data.assessment:
        lines.append(
            "  Asesmen multi-metode / multi-method assessment: "
            f"{base_url}/assessor (asesor, ketua), {base_url}{data.assessment['integration']}"
        )
    lines += ["", f"  Written to {demo_file}", ""]
    return "\n".join(lines)
