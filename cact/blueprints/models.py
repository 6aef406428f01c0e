from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cact.kit.db import Base, CreatedAt


class Blueprint(CreatedAt, Base):
    """A test design: ordered, timed sections and how each picks its items."""

    __tablename__ = "blueprint"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")

    sections: Mapped[list[BlueprintSection]] = relationship(
        lazy="raise", order_by="BlueprintSection.position", cascade="all, delete-orphan"
    )


class BlueprintSection(Base):
    __tablename__ = "blueprint_section"
    __table_args__ = (
        UniqueConstraint("blueprint_id", "position"),
        CheckConstraint("time_limit_seconds > 0", name="positive_time_limit"),
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
