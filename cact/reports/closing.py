"""How each attempt ended, as the reports show it: the close reason of every closed attempt,
the proctor's reason for a termination, who never came, and whether an attempt counts in the
sitting's distributions (scoring-policy data: ``terminated.in_distributions``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam.models import Attempt, Enrollment
from cact.participants.models import Participant

# attempt.close_reason → what a reader is told (SPEC §4: every closed attempt carries it).
CLOSE_REASONS = ("finished", "deadline", "sitting_closed", "terminated")
LABELS_ID = {
    "finished": "diselesaikan peserta",
    "deadline": "waktu habis",
    "sitting_closed": "ditutup bersama sesi oleh pengawas",
    "terminated": "dihentikan pengawas",
}
LABELS_EN = {
    "finished": "finished by the participant",
    "deadline": "time ran out",
    "sitting_closed": "closed with the sitting by the proctor",
    "terminated": "terminated by the proctor",
}


def reason_of(close_reason: str | None) -> str | None:
    """The stored reason in the documented vocabulary ("submitted" predates "finished")."""
    return "finished" if close_reason == "submitted" else close_reason


@dataclass(frozen=True)
class Ending:
    attempt_id: int
    participant_no: str
    name: str
    close_reason: str | None
    close_note: str | None

    @property
    def label_id(self) -> str:
        return LABELS_ID.get(self.close_reason or "", self.close_reason or "")

    @property
    def label_en(self) -> str:
        return LABELS_EN.get(self.close_reason or "", self.close_reason or "")


def counts_in_distributions(policy_body: dict[str, Any] | None, close_reason: str | None) -> bool:
    """Terminated attempts stay out of the distributions unless the policy says otherwise."""
    if reason_of(close_reason) != "terminated":
        return True
    terminated = (policy_body or {}).get("terminated") or {}
    return bool(terminated.get("in_distributions", False))


async def endings(db: AsyncSession, sitting_id: int) -> dict[int, Ending]:
    """Every closed attempt of the sitting, by attempt id."""
    rows = await db.execute(
        select(
            Attempt.id,
            Participant.participant_no,
            Participant.name,
            Attempt.close_reason,
            Attempt.close_note,
        )
        .join(Participant, Participant.id == Attempt.participant_id)
        .where(Attempt.sitting_id == sitting_id, Attempt.closed_at.is_not(None))
        .order_by(Participant.participant_no)
    )
    return {r[0]: Ending(r[0], r[1], r[2], reason_of(r[3]), r[4]) for r in rows}


async def absent(db: AsyncSession, sitting_id: int) -> list[tuple[str, str]]:
    """(participant number, name) of everyone on the roster who never started."""
    rows = await db.execute(
        select(Participant.participant_no, Participant.name)
        .join(Enrollment, Enrollment.participant_id == Participant.id)
        .outerjoin(
            Attempt,
            (Attempt.participant_id == Participant.id) & (Attempt.sitting_id == sitting_id),
        )
        .where(
            Enrollment.sitting_id == sitting_id,
            or_(Enrollment.attendance == "absent", Attempt.started_at.is_(None)),
        )
        .order_by(Participant.participant_no)
    )
    return [(r[0], r[1]) for r in rows]
