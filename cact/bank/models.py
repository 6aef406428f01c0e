from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cact.kit.db import Base, CreatedAt
from cact.kit.enums import known


class ItemStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class Item(CreatedAt, Base):
    """An item in the bank; its content lives in immutable versions. Retired, never deleted."""

    __tablename__ = "item"
    __table_args__ = (
        CheckConstraint("kind IN ('weighted', 'keyed')", name="known_kind"),
        CheckConstraint(known(ItemStatus), name="known_status"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    competency_code: Mapped[str] = mapped_column(
        ForeignKey("competency.code", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=ItemStatus.ACTIVE)
    current_version: Mapped[int] = mapped_column(default=1)
    retired_at: Mapped[datetime | None]

    versions: Mapped[list[ItemVersion]] = relationship(
        lazy="raise", order_by="ItemVersion.version", back_populates="item"
    )


class ItemVersion(CreatedAt, Base):
    __tablename__ = "item_version"
    __table_args__ = (
        UniqueConstraint("item_id", "version"),
        CheckConstraint("level IS NULL OR level BETWEEN 1 AND 5", name="level_1_to_5"),
        CheckConstraint("points IS NULL OR points >= 1", name="positive_points"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("item.id", ondelete="RESTRICT"))
    version: Mapped[int]
    level: Mapped[int | None] = mapped_column(SmallInteger)
    stem_html: Mapped[str] = mapped_column(Text)
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id", ondelete="RESTRICT"))
    media_alt: Mapped[str | None] = mapped_column(Text)
    points: Mapped[int | None]  # keyed items only
    source: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))

    item: Mapped[Item] = relationship(lazy="raise", back_populates="versions")
    options: Mapped[list[ItemOption]] = relationship(
        lazy="raise", order_by="ItemOption.position", cascade="all, delete-orphan"
    )


class ItemOption(Base):
    __tablename__ = "item_option"
    __table_args__ = (
        UniqueConstraint("item_version_id", "position"),
        UniqueConstraint("item_version_id", "label"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    item_version_id: Mapped[int] = mapped_column(
        ForeignKey("item_version.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(SmallInteger)  # order as written in the bank
    label: Mapped[str] = mapped_column(String(4))
    text_html: Mapped[str] = mapped_column(Text)
    weight: Mapped[int | None] = mapped_column(SmallInteger)  # weighted items
    correct: Mapped[bool] = mapped_column(default=False)  # keyed items


class Media(CreatedAt, Base):
    """An image used by item stems; served to kiosks by its content hash."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    meta: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
