"""What `cact demo` loads: everything a visitor needs to try CACT in one command."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.auth.models import StaffUser
from cact.auth.passwords import hash_password_async
from cact.auth.repository import StaffUserRepository
from cact.competencies import service as competencies

DEMO_ACTOR = Actor.system("cact demo")


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
)


@dataclass
class DemoData:
    staff: list[dict[str, object]] = field(default_factory=list)
    competencies: list[str] = field(default_factory=list)
    sitting: dict[str, object] | None = None
    participants: list[str] = field(default_factory=list)


async def _ensure_staff(db: AsyncSession, staff: DemoStaff) -> None:
    """Create the account, or put its printed password and roles back."""
    users = StaffUserRepository(db)
    user = await users.by_username(staff.username)
    password_hash = await hash_password_async(staff.password)
    if user is None:
        await users.add(
            StaffUser(
                username=staff.username,
                full_name=staff.full_name,
                roles=staff.roles,
                password_hash=password_hash,
            )
        )
    else:
        user.password_hash, user.roles, user.is_active = password_hash, staff.roles, True


async def load(db: AsyncSession) -> DemoData:
    data = DemoData()
    data.competencies = await competencies.load_standard_dictionary(db, DEMO_ACTOR)
    for staff in DEMO_STAFF:
        await _ensure_staff(db, staff)
        data.staff.append(
            {key: value for key, value in asdict(staff).items() if key != "full_name"}
        )
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
    }


def describe(base_url: str, data: DemoData, demo_file: Path) -> str:
    lines = ["", "CACT demo siap / ready", ""]
    lines += [f"  {name:<10} {url}" for name, url in urls(base_url).items()]
    lines += ["", "  Staff logins (username / password / roles):"]
    lines += [f"    {s.username:<10} {s.password:<20} {', '.join(s.roles)}" for s in DEMO_STAFF]
    if data.sitting:
        lines += ["", f"  Sitting {data.sitting['id']}: token {data.sitting['token']}"]
    if data.participants:
        lines.append(f"  Participants: {', '.join(data.participants[:5])} …")
    lines += ["", f"  Written to {demo_file}", ""]
    return "\n".join(lines)
