"""Closing triggers scoring: every close path of every workflow goes through here."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.exam import service as exam
from cact.exam.models import Attempt
from cact.scoring import service as scoring

SCORER = Actor.system("scoring")
logger = logging.getLogger("cact.scoring")


async def close_and_score(
    db: AsyncSession,
    attempt: Attempt,
    now: datetime,
    status: str,
    reason: str,
    *,
    score: bool = True,
) -> None:
    """Close the (locked) attempt exactly once; scoring follows in the same transaction
    (``score=False``: the caller scores a batch with ``score_closed``)."""
    await exam.close_attempt(db, attempt, now, status, reason)
    if score:
        await score_closed(db, [attempt.id], reason)


async def score_closed(db: AsyncSession, attempt_ids: list[int], reason: str) -> None:
    """Score closed attempts inside a savepoint: a result is written whole or not at all, and a
    scoring failure never undoes a close (the sweeper scores what is left, scored_at is null)."""
    if not attempt_ids:
        return
    try:
        async with db.begin_nested():
            await scoring.score_attempts(db, attempt_ids, reason=f"close: {reason}", actor=SCORER)
    except Exception:  # logged and retried by the sweeper; the close itself stands
        logger.exception("scoring failed for attempts %s; it will be retried", attempt_ids[:10])
