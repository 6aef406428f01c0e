from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cact.kit.db import Base, CreatedAt


class Participant(CreatedAt, Base):
    """A person on a roster ("peserta"), identified by NIP or a registration number."""

    __tablename__ = "participant"
    __table_args__ = (
        CheckConstraint("nip IS NULL OR nip ~ '^[0-9]{18}$'", name="nip_18_digits"),
        CheckConstraint(
            "performance_rating IS NULL OR performance_rating IN ('below', 'meets', 'above')",
            name="known_performance_rating",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    participant_no: Mapped[str] = mapped_column(String(32), unique=True)
    nip: Mapped[str | None] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    position_id: Mapped[int | None] = mapped_column(
        ForeignKey("position.id", ondelete="RESTRICT"), index=True
    )
    unit: Mapped[str | None] = mapped_column(String(200))
    agency: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[date | None]
    pin_hash: Mapped[str | None] = mapped_column(Text)
    performance_rating: Mapped[str | None] = mapped_column(String(8))
