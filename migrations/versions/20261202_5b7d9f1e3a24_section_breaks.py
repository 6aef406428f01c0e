"""Breaks between sections: the blueprint's default and per-section override; each attempt
section's break and when it ends.

Revision ID: 5b7d9f1e3a24
Revises: 5eb0c0f1a2b3
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5b7d9f1e3a24"
down_revision: str | None = "5eb0c0f1a2b3"
branch_labels = None
depends_on = None

MAX_BREAK_SECONDS = 4 * 3600


def upgrade() -> None:
    # Existing blueprints get the default break for their next sittings; attempts already
    # generated keep running without one (break_ms 0).
    op.add_column(
        "blueprint", sa.Column("break_seconds", sa.Integer(), server_default="60", nullable=False)
    )
    op.create_check_constraint(
        op.f("ck_blueprint_break_range"), "blueprint", f"break_seconds BETWEEN 0 AND {MAX_BREAK_SECONDS}"
    )
    op.add_column(
        "blueprint_section", sa.Column("break_after_seconds", sa.Integer(), nullable=True)
    )
    op.create_check_constraint(
        op.f("ck_blueprint_section_break_after_range"),
        "blueprint_section",
        f"break_after_seconds BETWEEN 0 AND {MAX_BREAK_SECONDS}",
    )
    op.add_column(
        "attempt_section",
        sa.Column("break_ms", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.add_column(
        "attempt_section", sa.Column("break_ends_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_attempt_section_break_ends",
        "attempt_section",
        ["break_ends_at"],
        postgresql_where=sa.text("status = 'pending' AND break_ends_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_attempt_section_break_ends", table_name="attempt_section")
    op.drop_column("attempt_section", "break_ends_at")
    op.drop_column("attempt_section", "break_ms")
    op.drop_constraint(op.f("ck_blueprint_section_break_after_range"), "blueprint_section", type_="check")
    op.drop_column("blueprint_section", "break_after_seconds")
    op.drop_constraint(op.f("ck_blueprint_break_range"), "blueprint", type_="check")
    op.drop_column("blueprint", "break_seconds")
