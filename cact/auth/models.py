from __future__ import annotations

from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, CheckConstraint, ForeignKey, Identity, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cact.kit.db import Base, CreatedAt

ROLES = ("admin", "editor", "proctor", "assessor", "lead_assessor")


class StaffUser(CreatedAt, Base):
    __tablename__ = "staff_user"
    __table_args__ = (
        CheckConstraint(
            "roles <@ ARRAY['admin','editor','proctor','assessor','lead_assessor']::text[]",
            name="known_roles",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(Text)
    roles: Mapped[list[str]] = mapped_column(ARRAY(Text))
    is_active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]

    def has_role(self, role: str) -> bool:
        return role in self.roles


class StaffSession(CreatedAt, Base):
    """A logged-in browser: the cookie carries ``id`` signed; logout deletes the row."""

    __tablename__ = "staff_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    ip: Mapped[str | None] = mapped_column(String(64))
