"""Exam-day integrity: who started a sitting and when, auto-start, the terminate reason.

Revision ID: 1a3c5e7b9d13
Revises: 3f1c9a7d2b64
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1a3c5e7b9d13"
down_revision = "3f1c9a7d2b64"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "sitting", sa.Column("auto_start", sa.Boolean(), server_default="false", nullable=False)
    )
    op.add_column("sitting", sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("sitting", sa.Column("started_by", sa.String(200), nullable=True))
    op.add_column("attempt", sa.Column("close_note", sa.String(500), nullable=True))
    # Sittings already past their start keep it: the start is when they were opened.
    op.execute(
        "UPDATE sitting SET started_at = opened_at "
        "WHERE status IN ('running', 'paused', 'closed') AND opened_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_column("attempt", "close_note")
    op.drop_column("sitting", "started_by")
    op.drop_column("sitting", "started_at")
    op.drop_column("sitting", "auto_start")
