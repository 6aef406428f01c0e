"""Lockdown browsers: a browser policy per sitting and each attempt's latest browser refusal.

Revision ID: 5eb0c0f1a2b3
Revises: 1a3c5e7b9d13
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5eb0c0f1a2b3"
down_revision = "1a3c5e7b9d13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "browser_policy",
        sa.Column("sitting_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("seb_check_config_key", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "seb_browser_exam_keys",
            sa.ARRAY(sa.String(length=64)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("seb_quit_password_hash", sa.String(length=64), nullable=True),
        sa.Column("app_user_agent_marker", sa.String(length=100), nullable=True),
        sa.Column("app_secret", sa.String(length=64), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "kind IN ('any', 'seb', 'exam_app')", name=op.f("ck_browser_policy_known_kind")
        ),
        sa.CheckConstraint(
            "kind <> 'seb' OR seb_check_config_key OR cardinality(seb_browser_exam_keys) > 0",
            name=op.f("ck_browser_policy_seb_has_a_key"),
        ),
        sa.CheckConstraint(
            "kind <> 'exam_app' OR (app_user_agent_marker IS NOT NULL AND app_secret IS NOT NULL)",
            name=op.f("ck_browser_policy_exam_app_complete"),
        ),
        sa.ForeignKeyConstraint(
            ["sitting_id"],
            ["sitting.id"],
            name=op.f("fk_browser_policy_sitting_id_sitting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sitting_id", name=op.f("pk_browser_policy")),
    )
    op.create_table(
        "browser_refusal",
        sa.Column("attempt_id", sa.BigInteger(), nullable=False),
        sa.Column("sitting_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("audited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempt.id"],
            name=op.f("fk_browser_refusal_attempt_id_attempt"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sitting_id"],
            ["sitting.id"],
            name=op.f("fk_browser_refusal_sitting_id_sitting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_browser_refusal")),
    )
    op.create_index(
        op.f("ix_browser_refusal_sitting_id"), "browser_refusal", ["sitting_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_browser_refusal_sitting_id"), table_name="browser_refusal")
    op.drop_table("browser_refusal")
    op.drop_table("browser_policy")
