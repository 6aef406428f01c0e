from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Identity, String, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from cact.kit.db import Base


class PackageReceipt(Base):
    """A package this server has applied: importing it again changes nothing."""

    __tablename__ = "package_receipt"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    package_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(16))  # the signer's fingerprint
    sitting_external_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    version: Mapped[int] = mapped_column(BigInteger)  # ms since the epoch for waves
    sha256: Mapped[str] = mapped_column(String(64))  # of the whole file
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
    applied_at: Mapped[datetime | None]
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class ResultsSource(Base):
    """A server whose results package for a sitting this office merged (the first one first)."""

    __tablename__ = "results_source"

    sitting_external_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    sender: Mapped[str] = mapped_column(String(16), primary_key=True)
    first_package_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())


class PackageRefusal(Base):
    """A results package refused for a conflict (kept although the import rolled back)."""

    __tablename__ = "package_refusal"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    package_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(16))
    sitting_external_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    attempt_external_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    participant_no: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    refused_at: Mapped[datetime] = mapped_column(server_default=func.now())
