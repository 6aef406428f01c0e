"""Scoring policy versions: listed, created (validated, never edited) and chosen per sitting."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.exam import service as exam
from cact.exam.models import Sitting
from cact.kit.errors import Conflict, NotFound
from cact.scoring.models import ScoringPolicy
from cact.scoring.policy import PolicyBody, body_json
from cact.scoring.repository import PolicyRepository
from cact.scoring.service import ensure_default_policy


class PolicyNotFound(NotFound):
    code = "scoring_policy_not_found"
    message = "Kebijakan penilaian tidak ditemukan. / Scoring policy not found."


class PolicyVersionTaken(Conflict):
    code = "scoring_policy_version_taken"
    message = (
        "Versi kebijakan ini baru saja dibuat orang lain; coba lagi. / "
        "Someone else just created this policy version; try again."
    )


async def list_policies(db: AsyncSession) -> list[ScoringPolicy]:
    await ensure_default_policy(db)
    repository = PolicyRepository(db)
    return list(await repository.all(repository.ordered()))


async def get_policy(db: AsyncSession, policy_id: int) -> ScoringPolicy:
    found = await PolicyRepository(db).get(policy_id)
    if found is None:
        raise PolicyNotFound()
    return found


async def create_policy(
    db: AsyncSession, code: str, body: PolicyBody, actor: Actor
) -> ScoringPolicy:
    """A new version of ``code``: versions are never edited, so old results stay explained."""
    repository = PolicyRepository(db)
    latest = await repository.latest(code)
    policy = ScoringPolicy(code=code, version=(latest.version + 1) if latest else 1)
    policy.body = body_json(body)
    try:
        async with db.begin_nested():
            await repository.add(policy)
    except IntegrityError as error:
        raise PolicyVersionTaken() from error
    await audit.record(
        db,
        actor,
        "scoring_policy.create",
        target_type="scoring_policy",
        target_id=policy.id,
        details={"code": code, "version": policy.version},
    )
    return policy


async def set_sitting_policy(
    db: AsyncSession, sitting_id: int, policy_id: int | None, actor: Actor
) -> Sitting:
    """The policy a sitting is scored (and re-scored) with; None: the newest default."""
    sitting = await exam.sitting_for_update(db, sitting_id)
    if policy_id is not None:
        await get_policy(db, policy_id)
    before, sitting.scoring_policy_id = sitting.scoring_policy_id, policy_id
    await db.flush()
    await audit.record(
        db,
        actor,
        "sitting.scoring_policy",
        target_type="sitting",
        target_id=sitting.id,
        sitting_id=sitting.id,
        details={"from": before, "to": policy_id},
    )
    return sitting
