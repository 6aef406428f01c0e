"""Multi-method assessment: the methods, which method evidences which competency in a
programme (the matrix), assessors assigned to participants, and their versioned ratings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from cact.kit.db import Base, CreatedAt

METHOD_KINDS = ("computer", "psychometric", "interview", "exercise")
RATING_SOURCES = ("page", "sheet", "api")
LEVELS = range(1, 6)


class AssessmentMethod(CreatedAt, Base):
    """One tool of an assessment centre (CACT, interview, LGD, in-tray …): data, not code."""

    __tablename__ = "assessment_method"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('computer', 'psychometric', 'interview', 'exercise')", name="known_kind"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_id: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(default=True, server_default="true")


class MethodWeight(Base):
    """One cell of a programme's matrix: ``method`` evidences ``competency`` with ``weight``
    for the programme's position group (``''``: every member without a group of its own)."""

    __tablename__ = "method_matrix"
    __table_args__ = (
        CheckConstraint("weight > 0", name="weight_positive"),
        UniqueConstraint(
            "programme_id",
            "position_group",
            "competency_code",
            "method_id",
            name="uq_method_matrix_one_cell",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    position_group: Mapped[str] = mapped_column(String(64), default="", server_default="")
    competency_code: Mapped[str] = mapped_column(ForeignKey("competency.code", ondelete="RESTRICT"))
    method_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_method.id", ondelete="RESTRICT"), index=True
    )
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2))


class AssessorAssignment(CreatedAt, Base):
    """An assessor rates one participant with one method, for a programme or one sitting."""

    __tablename__ = "assessor_assignment"
    __table_args__ = (
        CheckConstraint("num_nonnulls(programme_id, sitting_id) = 1", name="programme_or_sitting"),
        Index(
            "uq_assessor_assignment_in_programme",
            "assessor_id",
            "participant_id",
            "method_id",
            "programme_id",
            unique=True,
            postgresql_where="programme_id IS NOT NULL",
        ),
        Index(
            "uq_assessor_assignment_in_sitting",
            "assessor_id",
            "participant_id",
            "method_id",
            "sitting_id",
            unique=True,
            postgresql_where="sitting_id IS NOT NULL",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    assessor_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="RESTRICT"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="RESTRICT"), index=True
    )
    method_id: Mapped[int] = mapped_column(ForeignKey("assessment_method.id", ondelete="RESTRICT"))
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme.id", ondelete="RESTRICT"), index=True
    )
    sitting_id: Mapped[int | None] = mapped_column(
        ForeignKey("sitting.id", ondelete="RESTRICT"), index=True
    )
    assigned_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )


class AssessorRating(Base):
    """One version of an assessor's level for one competency: a change adds a version; the
    rows before it stay (the current rating is the highest version)."""

    __tablename__ = "assessor_rating"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level_1_to_5"),
        CheckConstraint("version >= 1", name="version_from_1"),
        CheckConstraint("source IN ('page', 'sheet', 'api')", name="known_source"),
        UniqueConstraint(
            "assignment_id", "competency_code", "version", name="uq_assessor_rating_one_version"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assessor_assignment.id", ondelete="RESTRICT"), index=True
    )
    competency_code: Mapped[str] = mapped_column(ForeignKey("competency.code", ondelete="RESTRICT"))
    level: Mapped[int] = mapped_column(SmallInteger)
    evidence: Mapped[str] = mapped_column(Text, default="", server_default="")
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(8))
    rated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    rated_by: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="RESTRICT"))


INTEGRATION_RULES = ("weighted_mean", "assessors_decide")


class IntegrationRule(Base):
    """How a programme proposes an integrated level: the matrix's weighted mean, or none."""

    __tablename__ = "integration_rule"
    __table_args__ = (
        CheckConstraint("rule IN ('weighted_mean', 'assessors_decide')", name="known_rule"),
    )

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True
    )
    rule: Mapped[str] = mapped_column(String(24))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Integration(Base):
    """One signed-off version of a participant's integrated profile in a programme: a change
    after a sign-off is a new version; the versions before it stay."""

    __tablename__ = "integration"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_from_1"),
        UniqueConstraint(
            "programme_id", "participant_id", "version", name="uq_integration_one_version"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="RESTRICT"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="RESTRICT"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(24))
    # the CACT result read at the sign-off (none when the person has no CACT result)
    result_id: Mapped[int | None] = mapped_column(ForeignKey("result.id", ondelete="RESTRICT"))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempt.id", ondelete="RESTRICT"))
    signed_off_by: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="RESTRICT"))
    signed_off_at: Mapped[datetime] = mapped_column(server_default=func.now())
    jpm: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    category: Mapped[str | None] = mapped_column(String(64))
    nine_box: Mapped[int | None] = mapped_column(SmallInteger)
    # every scale's category, potential, combined score and parts, untested required levels
    details: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )


class IntegrationLevel(Base):
    """One competency of a signed-off version: the evidence read, the proposal, the final."""

    __tablename__ = "integration_level"
    __table_args__ = (
        CheckConstraint("final_level BETWEEN 1 AND 5", name="final_level_1_to_5"),
        CheckConstraint(
            "proposed_level IS NULL OR proposed_level BETWEEN 1 AND 5", name="proposed_1_to_5"
        ),
    )

    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integration.id", ondelete="CASCADE"), primary_key=True
    )
    competency_code: Mapped[str] = mapped_column(
        ForeignKey("competency.code", ondelete="RESTRICT"), primary_key=True
    )
    cact_level: Mapped[int | None] = mapped_column(SmallInteger)
    cact_index: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    # method code → the current levels read at the sign-off ([{assessor, level, version}])
    methods: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    weighted_mean: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    proposed_level: Mapped[int | None] = mapped_column(SmallInteger)
    final_level: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    required_level: Mapped[int | None] = mapped_column(SmallInteger)
    gap: Mapped[int | None] = mapped_column(SmallInteger)
