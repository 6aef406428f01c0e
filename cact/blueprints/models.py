from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cact.kit.db import Base, CreatedAt
from item_bank.models import DEFAULT_BREAK_SECONDS, MAX_BREAK_SECONDS


class Blueprint(CreatedAt, Base):
    """A test design: ordered, timed sections and how each picks its items."""

    __tablename__ = "blueprint"
    __table_args__ = (
        CheckConstraint(f"break_seconds BETWEEN 0 AND {MAX_BREAK_SECONDS}", name="break_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")
    # The break between two sections unless a section says otherwise (0 = none).
    break_seconds: Mapped[int] = mapped_column(
        default=DEFAULT_BREAK_SECONDS, server_default=str(DEFAULT_BREAK_SECONDS)
    )

    sections: Mapped[list[BlueprintSection]] = relationship(
        lazy="raise", order_by="BlueprintSection.position", cascade="all, delete-orphan"
    )


class BlueprintSection(Base):
    __tablename__ = "blueprint_section"
    __table_args__ = (
        UniqueConstraint("blueprint_id", "position"),
        CheckConstraint("time_limit_seconds > 0", name="positive_time_limit"),
        CheckConstraint(
            f"break_after_seconds BETWEEN 0 AND {MAX_BREAK_SECONDS}", name="break_after_range"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    blueprint_id: Mapped[int] = mapped_column(ForeignKey("blueprint.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    time_limit_seconds: Mapped[int]
    shuffle_items: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    # [{"competency": "M.01", "count": 2, "level": 3 | null}] or null when item_ids is used
    rules: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    item_ids: Mapped[list[str] | None] = mapped_column(JSONB)
    # The break after this section, overriding the blueprint's (null: the blueprint's).
    break_after_seconds: Mapped[int | None]
