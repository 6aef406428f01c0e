"""The participant's own result on the kiosk's end screen, where the sitting shows it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cact.scoring import labels
from cact.scoring.presenters import present
from cact.scoring.repository import PolicyRepository, ScoringRepository


async def participant_summary(db: AsyncSession, attempt_id: int) -> dict[str, Any] | None:
    """What the participant may see of their own CURRENT result on the end screen, or None when
    the sitting's ``end_screen`` is not "results" (or nothing is scored yet).

    Only names and levels, the JPM and the category: no scores, indices, weights or keys.
    ``jpm`` is a string with two decimals (as the API prints numbers), or null."""
    repository = ScoringRepository(db)
    if await repository.end_screen_of(attempt_id) != "results":
        return None
    result = await repository.current_of_attempt(attempt_id)
    if result is None:
        return None
    (shown,) = await present(db, [result], recommend=False)
    policy = (await PolicyRepository(db).by_ids([result.policy_id])).get(result.policy_id)
    scale = labels.stored_scale(policy)
    category = None
    if result.category is not None:
        label_id, label_en = labels.label(policy, scale or "", result.category)
        category = {"code": result.category, "label_id": label_id, "label_en": label_en}
    return {
        "attempt_id": attempt_id,
        "jpm": None if result.jpm is None else f"{result.jpm:.2f}",
        "category": category,
        "competencies": [
            {
                "competency": c.competency,
                "name_id": c.name_id,
                "name_en": c.name_en,
                "attained_level": c.attained_level,
                "required_level": c.required_level,
            }
            for c in shown.competencies
        ],
    }
