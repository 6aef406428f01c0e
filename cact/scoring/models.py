from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Identity,
    Index,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from cact.kit.db import Base, CreatedAt


class ScoringPolicy(CreatedAt, Base):
    """Cut-offs, cap policy, category scale, weighting, nine-box cut-offs: versioned data."""

    __tablename__ = "scoring_policy"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)


class Result(Base):
    """One scoring of one attempt; a re-score adds a version and keeps the old one."""

    __tablename__ = "result"
    __table_args__ = (
        UniqueConstraint("attempt_id", "version"),
        Index("uq_result_one_current", "attempt_id", unique=True, postgresql_where="is_current"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="RESTRICT"))
    version: Mapped[int]
    is_current: Mapped[bool] = mapped_column(default=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("scoring_policy.id", ondelete="RESTRICT"))
    scored_at: Mapped[datetime] = mapped_column(server_default=func.now())
    jpm: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    category: Mapped[str | None] = mapped_column(String(64))
    combined_score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    nine_box: Mapped[int | None] = mapped_column(SmallInteger)
    reason: Mapped[str | None] = mapped_column(String(200))
    # untested standard competencies, every scale's category, potential, rating, combined parts
    details: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )


class ResultCompetency(Base):
    __tablename__ = "result_competency"

    result_id: Mapped[int] = mapped_column(
        ForeignKey("result.id", ondelete="CASCADE"), primary_key=True
    )
    competency_code: Mapped[str] = mapped_column(
        ForeignKey("competency.code", ondelete="RESTRICT"), primary_key=True
    )
    raw_score: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    max_score: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    index: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    attained_level: Mapped[int] = mapped_column(SmallInteger)
    required_level: Mapped[int | None] = mapped_column(SmallInteger)
    gap: Mapped[int | None] = mapped_column(SmallInteger)
