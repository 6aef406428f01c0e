from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cact.kit.db import Base, CreatedAt

SITTING_STATUSES = ("scheduled", "open", "running", "paused", "closed")


class Sitting(CreatedAt, Base):
    """A scheduled wave ("sesi / gelombang") in one room on one blueprint."""

    __tablename__ = "sitting"
    __table_args__ = (
        CheckConstraint(
            "status IN ('scheduled', 'open', 'running', 'paused', 'closed')", name="known_status"
        ),
        CheckConstraint("end_screen IN ('completion', 'results')", name="known_end_screen"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="RESTRICT"), index=True)
    blueprint_id: Mapped[int] = mapped_column(ForeignKey("blueprint.id", ondelete="RESTRICT"))
    scoring_policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("scoring_policy.id", ondelete="RESTRICT")
    )
    starts_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    token: Mapped[str | None] = mapped_column(String(6))
    token_released_at: Mapped[datetime | None]
    previous_token: Mapped[str | None] = mapped_column(String(6))
    previous_token_valid_until: Mapped[datetime | None]
    token_rotate_minutes: Mapped[int | None]
    end_screen: Mapped[str] = mapped_column(String(16), default="completion")
    paused_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # Issue 13: the proctor owns the start; a sitting set to start by itself does so at starts_at.
    auto_start: Mapped[bool] = mapped_column(default=False, server_default="false")
    started_at: Mapped[datetime | None]
    started_by: Mapped[str | None] = mapped_column(String(200))


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
        CheckConstraint(
            "attendance IN ('registered', 'present', 'absent')", name="known_attendance"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sitting.id", ondelete="RESTRICT"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="RESTRICT"), index=True
    )
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("seat.id", ondelete="RESTRICT"))
    attendance: Mapped[str] = mapped_column(String(16), default="registered")
