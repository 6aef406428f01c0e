from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Identity, String, func
from sqlalchemy.orm import Mapped, mapped_column

from cact.kit.db import Base

ROLES = ("office", "room")


class TrustedKey(Base):
    """Another server's public keys, trusted by an admin; packages are accepted only from them."""

    __tablename__ = "trusted_key"
    __table_args__ = (CheckConstraint("role IN ('office', 'room')", name="known_role"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    signing_public: Mapped[str] = mapped_column(String(64))  # base64
    encryption_public: Mapped[str] = mapped_column(String(64))  # base64
    fingerprint: Mapped[str] = mapped_column(String(16), unique=True)
    trusted_at: Mapped[datetime] = mapped_column(server_default=func.now())
    trusted_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(200))
