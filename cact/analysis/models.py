from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Identity, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from cact.kit.db import Base


class ItemCalibration(Base):
    """One item version's Rasch calibration in one sitting (docs/item-analysis.md): the
    difficulty on its scale's logit frame (items centred on 0), for equating and drift."""

    __tablename__ = "item_calibration"
    __table_args__ = (UniqueConstraint("item_version_id", "sitting_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    item_version_id: Mapped[int] = mapped_column(
        ForeignKey("item_version.id", ondelete="RESTRICT"), index=True
    )
    sitting_id: Mapped[int] = mapped_column(
        ForeignKey("sitting.id", ondelete="RESTRICT"), index=True
    )
    competency_code: Mapped[str] = mapped_column(ForeignKey("competency.code", ondelete="RESTRICT"))
    difficulty: Mapped[float] = mapped_column(Float)
    se: Mapped[float | None] = mapped_column(Float)
    infit: Mapped[float | None] = mapped_column(Float)
    outfit: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int]
    model: Mapped[str] = mapped_column(String(16))
    calibrated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ItemStatistic(Base):
    """One item version's classical statistics in one closed sitting, kept beside its
    calibration when the sitting's analysis is stored: the item's history across sittings
    (docs/item-analysis.md, "Exposure and history") without analysing every sitting again."""

    __tablename__ = "item_statistic"
    __table_args__ = (UniqueConstraint("item_version_id", "sitting_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    item_version_id: Mapped[int] = mapped_column(
        ForeignKey("item_version.id", ondelete="RESTRICT"), index=True
    )
    sitting_id: Mapped[int] = mapped_column(
        ForeignKey("sitting.id", ondelete="RESTRICT"), index=True
    )
    competency_code: Mapped[str] = mapped_column(ForeignKey("competency.code", ondelete="RESTRICT"))
    n: Mapped[int]
    max_score: Mapped[float] = mapped_column(Float)
    mean_score: Mapped[float] = mapped_column(Float)
    facility: Mapped[float | None] = mapped_column(Float)
    discrimination: Mapped[float | None] = mapped_column(Float)
    discrimination_basis: Mapped[str] = mapped_column(String(8))
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())
