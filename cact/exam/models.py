"""The exam's shared state: sittings and their rosters, attempts, their sections, items as
presented, answers and the answer log. Every workflow reads and changes these."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    String,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from cact.exam.statuses import (
    AttemptStatus,
    Attendance,
    SectionStatus,
    SittingStatus,
    known,
    sql_list,
)
from cact.kit.db import Base, CreatedAt


class Sitting(CreatedAt, Base):
    """A scheduled wave ("sesi / gelombang") in one room on one blueprint."""

    __tablename__ = "sitting"
    __table_args__ = (
        CheckConstraint(known(SittingStatus), name="known_status"),
        CheckConstraint("end_screen IN ('completion', 'results')", name="known_end_screen"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    # The id every server knows the sitting by (packages between the office and the room).
    external_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, unique=True, default=uuid.uuid4, server_default=func.gen_random_uuid()
    )
    title: Mapped[str] = mapped_column(String(200))
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="RESTRICT"), index=True)
    blueprint_id: Mapped[int] = mapped_column(ForeignKey("blueprint.id", ondelete="RESTRICT"))
    scoring_policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("scoring_policy.id", ondelete="RESTRICT")
    )
    starts_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=SittingStatus.SCHEDULED)
    token: Mapped[str | None] = mapped_column(String(6))
    token_released_at: Mapped[datetime | None]
    previous_token: Mapped[str | None] = mapped_column(String(6))
    previous_token_valid_until: Mapped[datetime | None]
    token_rotate_minutes: Mapped[int | None]
    end_screen: Mapped[str] = mapped_column(String(16), default="completion")
    paused_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The proctor owns the start; a sitting set to start by itself does so at starts_at.
    auto_start: Mapped[bool] = mapped_column(default=False, server_default="false")
    started_at: Mapped[datetime | None]
    started_by: Mapped[str | None] = mapped_column(String(200))
    # The programme (wave series) this sitting belongs to, if any (cact/programmes).
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme.id", ondelete="RESTRICT"), index=True
    )


class SittingProctor(Base):
    __tablename__ = "sitting_proctor"

    sitting_id: Mapped[int] = mapped_column(
        ForeignKey("sitting.id", ondelete="CASCADE"), primary_key=True
    )
    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )


class Enrollment(CreatedAt, Base):
    """A participant on a sitting's roster, with a seat."""

    __tablename__ = "enrollment"
    __table_args__ = (
        UniqueConstraint("sitting_id", "participant_id"),
        UniqueConstraint("sitting_id", "seat_id"),
        CheckConstraint(f"attendance IN ({sql_list(Attendance)})", name="known_attendance"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sitting.id", ondelete="RESTRICT"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="RESTRICT"), index=True
    )
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("seat.id", ondelete="RESTRICT"))
    attendance: Mapped[str] = mapped_column(String(16), default=Attendance.REGISTERED)


class Attempt(CreatedAt, Base):
    """One participant's attempt at one sitting, with the form generated when the sitting opens."""

    __tablename__ = "attempt"
    __table_args__ = (CheckConstraint(known(AttemptStatus), name="known_status"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollment.id", ondelete="RESTRICT"), unique=True
    )
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sitting.id", ondelete="RESTRICT"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16), default=AttemptStatus.NOT_STARTED)
    form_seed: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(String(32))
    close_note: Mapped[str | None] = mapped_column(String(500))  # the proctor's reason to terminate
    paused: Mapped[bool] = mapped_column(default=False)
    kiosk_session_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    kiosk_session_started_at: Mapped[datetime | None]
    reset_requested_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    last_ip: Mapped[str | None] = mapped_column(String(64))
    scored_at: Mapped[datetime | None]
    # The id every server knows the attempt by (results packages, room → office); on the
    # office, the room whose results package wrote it and that package's version.
    external_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, unique=True, default=uuid.uuid4, server_default=func.gen_random_uuid()
    )
    origin_server: Mapped[str | None] = mapped_column(String(16))
    origin_version: Mapped[int | None] = mapped_column(BigInteger)

    __mapper_args__ = {"eager_defaults": True}


class AttemptSection(Base):
    """A section of an attempt; its deadline is stored, never computed by a client."""

    __tablename__ = "attempt_section"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        CheckConstraint(known(SectionStatus), name="known_status"),
        Index(
            "ix_attempt_section_open_deadline",
            "deadline_at",
            postgresql_where=f"status = '{SectionStatus.OPEN}'",
        ),
        Index(
            "ix_attempt_section_break_ends",
            "break_ends_at",
            postgresql_where=f"status = '{SectionStatus.PENDING}' AND break_ends_at IS NOT NULL",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="RESTRICT"))
    blueprint_section_id: Mapped[int] = mapped_column(
        ForeignKey("blueprint_section.id", ondelete="RESTRICT")
    )
    position: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=SectionStatus.PENDING)
    time_limit_ms: Mapped[int] = mapped_column(BigInteger)
    extra_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    paused_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    started_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(String(32))
    # The break before this section (copied from the blueprint when the sitting opens). When the
    # section before closes, a section with a break stays pending until break_ends_at: its clock
    # starts then, or at the participant's click if that comes first.
    break_ms: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    break_ends_at: Mapped[datetime | None]


class AttemptItem(Base):
    """An item as presented in one attempt: its number and its option order."""

    __tablename__ = "attempt_item"
    __table_args__ = (UniqueConstraint("attempt_id", "number"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="RESTRICT"))
    attempt_section_id: Mapped[int] = mapped_column(
        ForeignKey("attempt_section.id", ondelete="RESTRICT"), index=True
    )
    item_version_id: Mapped[int] = mapped_column(
        ForeignKey("item_version.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int]  # presented position within the attempt, 1-based
    option_order: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))  # item_option ids


class Response(Base):
    """The current answer per attempt × item."""

    __tablename__ = "response"

    attempt_item_id: Mapped[int] = mapped_column(
        ForeignKey("attempt_item.id", ondelete="RESTRICT"), primary_key=True
    )
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempt.id", ondelete="RESTRICT"), index=True
    )
    option_id: Mapped[int | None] = mapped_column(ForeignKey("item_option.id"))
    doubtful: Mapped[bool] = mapped_column(default=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    first_answered_at: Mapped[datetime | None]
    saved_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # How often the chosen option took a new value (the first choice and a clearing count; the
    # same option again or a ragu-ragu toggle does not): docs/exports.md, responses.
    change_count: Mapped[int] = mapped_column(default=1)


class AnswerLog(Base):
    """Every accepted change, append-only (a trigger refuses UPDATE and DELETE)."""

    __tablename__ = "answer_log"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempt.id", ondelete="RESTRICT"), index=True
    )
    attempt_item_id: Mapped[int] = mapped_column(ForeignKey("attempt_item.id", ondelete="RESTRICT"))
    option_id: Mapped[int | None] = mapped_column(BigInteger)
    doubtful: Mapped[bool]
    seq: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
    ip: Mapped[str | None] = mapped_column(String(64))
