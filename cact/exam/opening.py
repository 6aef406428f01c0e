"""Opening a sitting generates every participant's form in one pass and releases the token."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.blueprints import forms
from cact.blueprints import service as blueprints
from cact.blueprints.models import Blueprint
from cact.exam import service as exam
from cact.exam.models import Sitting
from cact.exam.repository import (
    AttemptItemRepository,
    AttemptRepository,
    EnrollmentRepository,
    SectionRepository,
)
from cact.exam.statuses import AttemptStatus, SectionStatus, SittingStatus
from cact.exam.tokens import new_token
from cact.kit.errors import Conflict


class EmptyRoster(Conflict):
    code = "empty_roster"
    message = (
        "Sesi belum punya peserta; impor daftar peserta dulu. / "
        "The sitting has no participants yet; import the roster first."
    )


class SittingNotScheduled(Conflict):
    code = "sitting_not_scheduled"
    message = "Sesi sudah dibuka sebelumnya. / The sitting was already opened."


async def open_sitting(db: AsyncSession, sitting_id: int, actor: Actor) -> Sitting:
    """Generate every enrolled participant's form now, so that the start herd builds nothing."""
    sitting = await exam.sitting_for_update(db, sitting_id)
    if sitting.status != SittingStatus.SCHEDULED:
        raise SittingNotScheduled()
    enrollments = await EnrollmentRepository(db).for_sitting(sitting.id)
    if not enrollments:
        raise EmptyRoster()
    blueprint = await blueprints.get(db, sitting.blueprint_id)
    design = blueprints.design_of(blueprint)
    pool, _ = await blueprints.pool(db)
    missing = forms.shortfalls(design, pool)
    if missing:
        raise blueprints.BlueprintUnsatisfiable([vars(s) for s in missing])
    seeds = {e.id: secrets.randbits(62) for e in enrollments}
    participants = {e.id: e.participant_id for e in enrollments}
    attempt_ids = await _insert_attempts(db, sitting, seeds, participants)
    generated = {
        attempt_id: forms.generate(design, pool, seeds[enrollment_id])
        for enrollment_id, attempt_id in attempt_ids.items()
    }
    await _insert_forms(db, blueprint, generated)
    now = datetime.now(UTC)
    sitting.status, sitting.opened_at = SittingStatus.OPEN, now
    sitting.token, sitting.token_released_at = new_token(), now
    await db.flush()
    await exam.sitting_changed(db, sitting, "open")
    await audit.record(
        db,
        actor,
        "sitting.open",
        target_type="sitting",
        target_id=sitting.id,
        sitting_id=sitting.id,
        details={"attempts": len(attempt_ids)},
    )
    return sitting


async def _insert_attempts(
    db: AsyncSession, sitting: Sitting, seeds: dict[int, int], participants: dict[int, int]
) -> dict[int, int]:
    if not seeds:
        return {}
    rows = [
        {
            "enrollment_id": eid,
            "sitting_id": sitting.id,
            "participant_id": participants[eid],
            "form_seed": seed,
            "status": AttemptStatus.NOT_STARTED,
            "paused": False,
        }
        for eid, seed in seeds.items()
    ]
    return await AttemptRepository(db).insert_forms_attempts(rows)


async def _insert_forms(
    db: AsyncSession,
    blueprint: Blueprint,
    generated: dict[int, list[forms.FormSection]],
) -> None:
    """Two statements for the whole sitting: every attempt's sections, then every item."""
    breaks = blueprints.breaks_before(blueprint)
    section_rows = [
        {
            "attempt_id": attempt_id,
            "blueprint_section_id": design.id,
            "position": position,
            "status": SectionStatus.PENDING,
            "time_limit_ms": design.time_limit_seconds * 1000,
            "extra_ms": 0,
            "paused_ms": 0,
            "break_ms": breaks[position - 1] * 1000,
        }
        for attempt_id in generated
        for position, design in enumerate(blueprint.sections, start=1)
    ]
    if not section_rows:
        return
    section_ids = iter(await SectionRepository(db).insert_returning_ids(section_rows))
    item_rows = []
    for attempt_id, form in generated.items():
        number = 0
        for section in form:
            section_id = next(section_ids)
            for item in section.items:
                number += 1
                item_rows.append(
                    {
                        "attempt_id": attempt_id,
                        "attempt_section_id": section_id,
                        "item_version_id": item.version_id,
                        "number": number,
                        "option_order": list(item.option_order),
                    }
                )
    await AttemptItemRepository(db).insert_rows(item_rows)
