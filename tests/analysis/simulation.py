"""A simulated sitting in the real database: sampled forms (2 of 4 items per scale), Rasch
responses with known abilities and difficulties, and optionally one item harder for a group."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.bank.models import Item, ItemOption, ItemVersion
from cact.blueprints.models import BlueprintSection
from cact.competencies import service as competencies
from cact.exam.models import Attempt, AttemptItem, AttemptSection, Enrollment, Response
from cact.participants.models import Participant
from tests.fixtures.factories import create_blueprint, create_room, create_sitting

KEYED_SCALES = ("M.01", "M.02", "M.03", "M.04")
WEIGHTED_SCALE = "SK.01"
POOL, DRAWN = 4, 2


@dataclass
class Simulated:
    sitting_id: int
    attempts: int
    difficulty: dict[str, float]
    groups: dict[int, str] = field(default_factory=dict)  # attempt id → "male" / "female"


def _nip(n: int, female: bool) -> str:
    """Born 1980–1999, appointed 2010-01, gender digit, serial."""
    born = f"{1980 + n % 20}{1 + n % 12:02d}{1 + n % 28:02d}"
    return f"{born}201001{2 if female else 1}{n % 1000:03d}"


async def _items(db: AsyncSession, prefix: str, rng: random.Random) -> dict[str, ItemVersion]:
    versions: dict[str, ItemVersion] = {}
    for scale in (*KEYED_SCALES, WEIGHTED_SCALE):
        for k in range(1, POOL + 1):
            item_id = f"{prefix}-{scale}-{k}"
            keyed = scale != WEIGHTED_SCALE
            item = Item(id=item_id, competency_code=scale, kind="keyed" if keyed else "weighted")
            version = ItemVersion(item_id=item_id, version=1, stem_html="<p>?</p>", options=[])
            version.points = 1 if keyed else None
            for position, label in enumerate("ABCD", start=1):
                version.options.append(
                    ItemOption(
                        position=position,
                        label=label,
                        text_html=label,
                        correct=keyed and label == "A",
                        weight=None if keyed else position,
                    )
                )
            db.add_all([item, version])
            versions[item_id] = version
    await db.flush()
    return versions


async def simulated_sitting(
    db: AsyncSession,
    *,
    attempts: int = 300,
    seed: int = 18,
    dif_item: str | None = None,
    dif_logits: float = 1.5,
    focal_shift: float = -0.3,
) -> Simulated:
    """``attempts`` submitted attempts, half female (ability mean ``focal_shift``), on forms of
    2 of 4 items per scale; ``dif_item`` (a pool index like "M.01-1") is ``dif_logits`` harder
    for the female (focal) group at equal ability."""
    rng = random.Random(seed)
    await competencies.load_standard_dictionary(db, Actor.system("test"))
    room = await create_room(db, seats=1)
    blueprint = await create_blueprint(
        db, BlueprintSection(title="Simulasi", time_limit_seconds=600, rules=[])
    )
    sitting = await create_sitting(db, room, blueprint)
    prefix = f"SIM{sitting.id}"
    versions = await _items(db, prefix, rng)
    difficulty = {item_id: rng.uniform(-1.2, 1.2) for item_id in versions}
    simulated = Simulated(sitting.id, attempts, difficulty)
    now = datetime.now(UTC)
    for n in range(attempts):
        female = n % 2 == 1
        participant = Participant(
            participant_no=f"{prefix}-{n:04d}", nip=_nip(n, female), name=f"Peserta {n}"
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
            form_seed=n,
            status="submitted",
            close_reason="finished",
            started_at=now,
            closed_at=now,
        )
        db.add(attempt)
        await db.flush()
        section = AttemptSection(
            attempt_id=attempt.id,
            blueprint_section_id=blueprint.sections[0].id,
            position=1,
            time_limit_ms=600_000,
            status="closed",
        )
        db.add(section)
        await db.flush()
        simulated.groups[attempt.id] = "female" if female else "male"
        theta = rng.gauss(focal_shift if female else 0.0, 1.0)
        number = 0
        answers = []
        for scale in (*KEYED_SCALES, WEIGHTED_SCALE):
            for k in sorted(rng.sample(range(1, POOL + 1), DRAWN)):
                item_id = f"{prefix}-{scale}-{k}"
                version = versions[item_id]
                b = difficulty[item_id]
                if female and dif_item == f"{scale}-{k}":
                    b += dif_logits
                if scale == WEIGHTED_SCALE:  # 0–3 steps of a binomial: weight 1–4
                    steps = sum(rng.random() < 1 / (1 + math.exp(b - theta)) for _ in range(3))
                    option = version.options[steps]
                else:
                    right = rng.random() < 1 / (1 + math.exp(b - theta))
                    option = version.options[0 if right else rng.randint(1, 3)]
                number += 1
                answers.append((version, option, number))
        items = (
            await db.scalars(
                insert(AttemptItem).returning(AttemptItem.id),
                [
                    {
                        "attempt_id": attempt.id,
                        "attempt_section_id": section.id,
                        "item_version_id": v.id,
                        "number": num,
                        "option_order": [o.id for o in v.options],
                    }
                    for v, _, num in answers
                ],
            )
        ).all()
        await db.execute(
            insert(Response),
            [
                {
                    "attempt_item_id": attempt_item_id,
                    "attempt_id": attempt.id,
                    "option_id": option.id,
                    "seq": num,
                    "first_answered_at": now,
                }
                for attempt_item_id, (_, option, num) in zip(items, answers, strict=True)
            ],
        )
    await db.flush()
    return simulated
