from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from cact.kit.db import Base, CreatedAt


class Position(CreatedAt, Base):
    """A job ("jabatan"); its required levels are data, never derived from grade."""

    __tablename__ = "position"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    group: Mapped[str | None] = mapped_column(String(64))  # picks the technical weighting


class CompetencyStandard(Base):
    __tablename__ = "competency_standard"
    __table_args__ = (CheckConstraint("required_level BETWEEN 1 AND 5", name="level_1_to_5"),)

    position_id: Mapped[int] = mapped_column(
        ForeignKey("position.id", ondelete="CASCADE"), primary_key=True
    )
    competency_code: Mapped[str] = mapped_column(
        ForeignKey("competency.code", ondelete="RESTRICT"), primary_key=True
    )
    required_level: Mapped[int] = mapped_column(SmallInteger)
