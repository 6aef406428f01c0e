"""Multi-method assessment: the methods, which method evidences which competency in a
programme (the matrix), assessors assigned to participants, and their versioned ratings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

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
)
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
