"""The participant register: who may sit a test. Rosters come in through
``cact.rosters.service``."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cact.participants.models import Participant
from cact.participants.repository import ParticipantRepository
from cact.participants.schemas import ParticipantFilter, ParticipantRead
from cact.standards.models import Position


def participant_read(participant: Participant, position: Position | None) -> ParticipantRead:
    return ParticipantRead(
        id=participant.id,
        participant_no=participant.participant_no,
        nip=participant.nip,
        name=participant.name,
        position_code=position.code if position else None,
        position_name=position.name if position else None,
        unit=participant.unit,
        agency=participant.agency,
        birth_date=participant.birth_date,
        has_pin=participant.pin_hash is not None,
        performance_rating=participant.performance_rating,
        created_at=participant.created_at,
    )


async def search(
    db: AsyncSession, filters: ParticipantFilter, *, limit: int, offset: int
) -> tuple[list[ParticipantRead], int]:
    rows, total = await ParticipantRepository(db).page(filters, limit=limit, offset=offset)
    return [participant_read(p, position) for p, position in rows], total
