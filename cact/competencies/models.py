from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cact.kit.db import Base, CreatedAt


class Competency(CreatedAt, Base):
    __tablename__ = "competency"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # managerial | sociocultural | technical | ...
    name_id: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    definition_id: Mapped[str] = mapped_column(Text, default="")
    definition_en: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200), default="")

    levels: Mapped[list[CompetencyLevel]] = relationship(
        lazy="raise", order_by="CompetencyLevel.level", cascade="all, delete-orphan"
    )


class CompetencyLevel(Base):
    __tablename__ = "competency_level"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level_1_to_5"),)

    competency_code: Mapped[str] = mapped_column(
        ForeignKey("competency.code", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    title_id: Mapped[str] = mapped_column(Text, default="")
    title_en: Mapped[str] = mapped_column(Text, default="")
    descriptor_id: Mapped[str] = mapped_column(Text)
    descriptor_en: Mapped[str] = mapped_column(Text, default="")
    indicators_id: Mapped[list[str]] = mapped_column(JSONB, default=list)
    indicators_en: Mapped[list[str]] = mapped_column(JSONB, default=list)
