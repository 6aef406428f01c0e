from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from cact.kit.db import Base, CreatedAt

DEFAULT_VALIDITY_MONTHS = 36  # Peraturan BKN 26/2019: a result stays valid for three years


class Programme(CreatedAt, Base):
    """An assessment programme ("Pemetaan Kompetensi Guru 2026 — gelombang 3") over many waves."""

    __tablename__ = "programme"
    __table_args__ = (
        CheckConstraint("validity_months BETWEEN 1 AND 240", name="validity_1_to_240_months"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # How long a result of this programme's sittings stays valid (data, not code).
    validity_months: Mapped[int] = mapped_column(
        SmallInteger, default=DEFAULT_VALIDITY_MONTHS, server_default=str(DEFAULT_VALIDITY_MONTHS)
    )


class ProgrammeMember(Base):
    """One person of the target population, as the agency's staff list gave them."""

    __tablename__ = "programme_member"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position_group: Mapped[str | None] = mapped_column(String(64))
    source_row: Mapped[int | None]  # the staff-list row it came from (for questions back)
    added_at: Mapped[datetime] = mapped_column(server_default=func.now())
