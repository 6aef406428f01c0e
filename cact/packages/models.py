from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Identity,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
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


class PackageUpload(Base):
    """A package arriving over the network (``cact package push``), chunk by chunk; declaring
    the same package again resumes it. The chunks go when it completes or goes stale."""

    __tablename__ = "package_upload"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    package_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(16))  # the signer's fingerprint
    sitting_external_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    header_line: Mapped[str] = mapped_column(Text)  # the package's header JSON, as declared
    size: Mapped[int] = mapped_column(BigInteger)  # of the whole file
    sha256: Mapped[str] = mapped_column(String(64))  # of the whole file
    received: Mapped[int] = mapped_column(BigInteger, default=0)  # bytes stored, from 0
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    completed_at: Mapped[datetime | None]
    acknowledgement: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class PackageUploadChunk(Base):
    __tablename__ = "package_upload_chunk"

    upload_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("package_upload.id", ondelete="CASCADE"), primary_key=True
    )
    offset: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class SentPackage(Base):
    """A package this server made and sent: written to a file, or pushed to a URL and (then)
    acknowledged by the receiver with a signed receipt."""

    __tablename__ = "sent_package"
    __table_args__ = (UniqueConstraint("package_id", "destination"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    package_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(16))
    sitting_external_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    version: Mapped[int] = mapped_column(BigInteger)
    destination: Mapped[str] = mapped_column(String(500))  # the URL, or 'file'
    recipient: Mapped[str] = mapped_column(String(16))  # the recipient's fingerprint
    size: Mapped[int] = mapped_column(BigInteger)  # bytes of the file
    sha256: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(server_default=func.now())
    acknowledged_at: Mapped[datetime | None]
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
