"""Three closed sittings that share items, with forms and answers chosen so that every
exposure count, rate and facility can be worked out by hand (tests/analysis/test_exposure.py
and the browser test of the history page).

Sittings 1 and 2 (60 started attempts each, plus 2 never started in sitting 1), room in
Asia/Makassar (WITA); attempt i (0–59) is shown:

- X (M.01) always, right when i % 3 != 0: 60/60 seen, p 40/60 — over-exposed (rate 1.0)
- Y (M.01) when i < 30, right when i is even: 30/60, p 0.5 in both — never flagged
- D (M.01) when i ≥ 30, right for the first 24 (sitting 1) / 9 (sitting 2): 30/60,
  p 0.8 then 0.3 — drifting
- F1–F4 (M.01) when (i + k) is even: 30/60 each, fillers that keep the scale's centre steady
- S (M.02) when i < 10, right for the first 9 (sitting 1) / 2 (sitting 2): 10/60,
  p 0.9 then 0.2 — a move far beyond the threshold, but on n 10: no flag
- G (M.02) when 10 ≤ i < 40, right when i % 4 != 0

Sitting 3 (10 started attempts, later): W (M.03) to all 10 and H (M.03) to 5: rate 1.0 in a
sitting below the minimum size — not over-exposed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.bank.models import Item, ItemOption, ItemVersion
from cact.blueprints.models import BlueprintSection
from cact.competencies import service as competencies
from cact.exam.models import (
    Attempt,
    AttemptItem,
    AttemptSection,
    Enrollment,
    Response,
    Sitting,
)
from cact.participants.models import Participant
from cact.rooms.models import Room
from tests.fixtures.factories import create_blueprint

ZONE = "Asia/Makassar"
STARTS = (
    datetime(2026, 10, 5, 0, 30, tzinfo=UTC),  # 08:30 WITA
    datetime(2026, 11, 9, 1, 0, tzinfo=UTC),  # 09:00 WITA
    datetime(2026, 11, 30, 2, 0, tzinfo=UTC),  # 10:00 WITA
)
SCALES = {
    "X": "M.01",
    "Y": "M.01",
    "D": "M.01",
    **{f"F{k}": "M.01" for k in range(1, 5)},
    "S": "M.02",
    "G": "M.02",
    "W": "M.03",
    "H": "M.03",
}
Form = Callable[[int], list[tuple[str, bool]]]


def big_form(sitting: int) -> Form:
    d_right, s_right = (24, 9) if sitting == 1 else (9, 2)

    def form(i: int) -> list[tuple[str, bool]]:
        shown = [("X", i % 3 != 0)]
        if i < 30:
            shown.append(("Y", i % 2 == 0))
        else:
            shown.append(("D", i - 30 < d_right))
        for k in range(1, 5):
            if (i + k) % 2 == 0:
                shown.append((f"F{k}", (i * 7 + k) % 3 != 0))
        if i < 10:
            shown.append(("S", i < s_right))
        elif i < 40:
            shown.append(("G", i % 4 != 0))
        return shown

    return form


def small_form(i: int) -> list[tuple[str, bool]]:
    shown = [("W", i % 2 == 0)]
    if i < 5:
        shown.append(("H", i < 3))
    return shown


@dataclass
class Shared:
    prefix: str
    sittings: list[int]
    versions: dict[str, ItemVersion] = field(default_factory=dict)

    def item(self, key: str) -> str:
        return f"{self.prefix}-{key}"


async def _items(db: AsyncSession, prefix: str) -> dict[str, ItemVersion]:
    versions: dict[str, ItemVersion] = {}
    for key, scale in SCALES.items():
        item_id = f"{prefix}-{key}"
        version = ItemVersion(item_id=item_id, version=1, stem_html="<p>?</p>", points=1)
        version.options = [
            ItemOption(position=p, label=label, text_html=label, correct=label == "A")
            for p, label in enumerate("ABCD", start=1)
        ]
        db.add_all([Item(id=item_id, competency_code=scale, kind="keyed"), version])
        versions[key] = version
    await db.flush()
    return versions


async def _sitting(
    db: AsyncSession,
    shared: Shared,
    number: int,
    room: Room,
    section_id: int,
    blueprint_id: int,
    attempts: int,
    form: Form,
    *,
    never_started: int = 0,
) -> int:
    now = datetime.now(UTC)
    sitting = Sitting(
        code=f"{shared.prefix}-S{number}",
        title=f"Seleksi gelombang {number}",
        room_id=room.id,
        blueprint_id=blueprint_id,
        starts_at=STARTS[number - 1],
        status="closed",
        closed_at=now,
    )
    db.add(sitting)
    await db.flush()
    for i in range(attempts + never_started):
        started = i < attempts
        participant = Participant(
            participant_no=f"{shared.prefix}-{number}-{i:03d}",
            nip=f"{199001012020121000 + number * 1000 + i}",
            name=f"Peserta {number}-{i}",
        )
        db.add(participant)
        await db.flush()
        enrollment = Enrollment(sitting_id=sitting.id, participant_id=participant.id)
        db.add(enrollment)
        await db.flush()
        attempt = Attempt(
            enrollment_id=enrollment.id,
            sitting_id=sitting.id,
            participant_id=participant.id,
            form_seed=i,
            status="submitted" if started else "not_started",
            close_reason="finished" if started else None,
            started_at=now if started else None,
            closed_at=now if started else None,
        )
        db.add(attempt)
        await db.flush()
        section = AttemptSection(
            attempt_id=attempt.id,
            blueprint_section_id=section_id,
            position=1,
            time_limit_ms=600_000,
            status="closed" if started else "pending",
        )
        db.add(section)
        await db.flush()
        shown = form(i % attempts)  # a never-started attempt holds a form too
        ids = (
            await db.scalars(
                insert(AttemptItem).returning(AttemptItem.id),
                [
                    {
                        "attempt_id": attempt.id,
                        "attempt_section_id": section.id,
                        "item_version_id": shared.versions[key].id,
                        "number": n,
                        "option_order": [o.id for o in shared.versions[key].options],
                    }
                    for n, (key, _) in enumerate(shown, start=1)
                ],
            )
        ).all()
        if started:
            await db.execute(
                insert(Response),
                [
                    {
                        "attempt_item_id": attempt_item_id,
                        "attempt_id": attempt.id,
                        "option_id": shared.versions[key].options[0 if right else 1].id,
                        "seq": n,
                        "first_answered_at": now,
                    }
                    for n, (attempt_item_id, (key, right)) in enumerate(
                        zip(ids, shown, strict=True), start=1
                    )
                ],
            )
    await db.flush()
    return sitting.id


async def shared_sittings(db: AsyncSession, prefix: str = "EXP") -> Shared:
    await competencies.load_standard_dictionary(db, Actor.system("test"))
    room = Room(code=f"{prefix}-LAB", name="Lab paparan", time_zone=ZONE, seats=[])
    db.add(room)
    blueprint = await create_blueprint(
        db, BlueprintSection(title="Manajerial", time_limit_seconds=600, rules=[])
    )
    section_id = blueprint.sections[0].id
    shared = Shared(prefix, [], await _items(db, prefix))
    for number, attempts, form, never in (
        (1, 60, big_form(1), 2),
        (2, 60, big_form(2), 0),
        (3, 10, small_form, 0),
    ):
        shared.sittings.append(
            await _sitting(
                db,
                shared,
                number,
                room,
                section_id,
                blueprint.id,
                attempts,
                form,
                never_started=never,
            )
        )
    return shared
