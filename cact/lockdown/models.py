"""A sitting's browser policy, and the latest refusal of each attempt's kiosk."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ARRAY, BigInteger, CheckConstraint, ForeignKey, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from cact.kit.db import Base


class BrowserKind(StrEnum):
    ANY = "any"
    SEB = "seb"  # Safe Exam Browser: Config Key and/or Browser Exam Keys
    EXAM_APP = "exam_app"  # an Exam Browser app: User-Agent marker + secret in the start URL


def _kinds() -> str:
    return ", ".join(f"'{kind.value}'" for kind in BrowserKind)


class BrowserPolicy(Base):
    """No row = any browser. One row per sitting that asks for more."""

    __tablename__ = "browser_policy"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_kinds()})", name="known_kind"),
        CheckConstraint(
            "kind <> 'seb' OR seb_check_config_key OR cardinality(seb_browser_exam_keys) > 0",
            name="seb_has_a_key",
        ),
        CheckConstraint(
            "kind <> 'exam_app' OR (app_user_agent_marker IS NOT NULL AND app_secret IS NOT NULL)",
            name="exam_app_complete",
        ),
    )

    sitting_id: Mapped[int] = mapped_column(
        ForeignKey("sitting.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), default=BrowserKind.ANY)
    seb_check_config_key: Mapped[bool] = mapped_column(default=True, server_default="true")
    seb_browser_exam_keys: Mapped[list[str]] = mapped_column(
        ARRAY(String(64)), default=list, server_default=text("'{}'")
    )
    seb_quit_password_hash: Mapped[str | None] = mapped_column(String(64))
    app_user_agent_marker: Mapped[str | None] = mapped_column(String(100))
    app_secret: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_by: Mapped[str | None] = mapped_column(String(200))


class BrowserRefusal(Base):
    """The latest time an attempt's kiosk was refused for its browser (the proctor's tile)."""

    __tablename__ = "browser_refusal"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True
    )
    sitting_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("sitting.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(40))
    refused_at: Mapped[datetime]
    count: Mapped[int] = mapped_column(default=1)
    audited_at: Mapped[datetime]
