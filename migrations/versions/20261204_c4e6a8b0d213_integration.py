"""The integration of multi-method evidence: a programme's rule, the signed-off versions of a
participant's integrated profile and their final level per competency.

Revision ID: c4e6a8b0d213
Revises: b21d5f0a7c34
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "c4e6a8b0d213"
down_revision = "b21d5f0a7c34"
branch_labels = None
depends_on = None

NOW = sa.text("now()")
EMPTY = sa.text("'{}'::jsonb")


def upgrade() -> None:
    op.create_table(
        "integration_rule",
        sa.Column("programme_id", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.String(24), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint(
            "rule IN ('weighted_mean', 'assessors_decide')",
            name=op.f("ck_integration_rule_known_rule"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_integration_rule_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_integration_rule")),
    )
    op.create_table(
        "integration",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("programme_id", sa.BigInteger(), nullable=False),
        sa.Column("participant_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(24), nullable=False),
        sa.Column("result_id", sa.BigInteger(), nullable=True),
        sa.Column("attempt_id", sa.BigInteger(), nullable=True),
        sa.Column("signed_off_by", sa.BigInteger(), nullable=False),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("jpm", sa.Numeric(6, 2), nullable=True),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("nine_box", sa.SmallInteger(), nullable=True),
        sa.Column("details", postgresql.JSONB(), server_default=EMPTY, nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_integration_version_from_1")),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_integration_programme_id_programme"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_integration_participant_id_participant"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["result.id"],
            name=op.f("fk_integration_result_id_result"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempt.id"],
            name=op.f("fk_integration_attempt_id_attempt"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["signed_off_by"],
            ["staff_user.id"],
            name=op.f("fk_integration_signed_off_by_staff_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration")),
        sa.UniqueConstraint(
            "programme_id", "participant_id", "version", name="uq_integration_one_version"
        ),
    )
    op.create_index(op.f("ix_integration_programme_id"), "integration", ["programme_id"])
    op.create_index(op.f("ix_integration_participant_id"), "integration", ["participant_id"])
    op.create_table(
        "integration_level",
        sa.Column("integration_id", sa.BigInteger(), nullable=False),
        sa.Column("competency_code", sa.String(32), nullable=False),
        sa.Column("cact_level", sa.SmallInteger(), nullable=True),
        sa.Column("cact_index", sa.Numeric(5, 4), nullable=True),
        sa.Column("methods", postgresql.JSONB(), server_default=EMPTY, nullable=False),
        sa.Column("weighted_mean", sa.Numeric(6, 4), nullable=True),
        sa.Column("proposed_level", sa.SmallInteger(), nullable=True),
        sa.Column("final_level", sa.SmallInteger(), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("required_level", sa.SmallInteger(), nullable=True),
        sa.Column("gap", sa.SmallInteger(), nullable=True),
        sa.CheckConstraint(
            "final_level BETWEEN 1 AND 5", name=op.f("ck_integration_level_final_level_1_to_5")
        ),
        sa.CheckConstraint(
            "proposed_level IS NULL OR proposed_level BETWEEN 1 AND 5",
            name=op.f("ck_integration_level_proposed_1_to_5"),
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integration.id"],
            name=op.f("fk_integration_level_integration_id_integration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["competency_code"],
            ["competency.code"],
            name=op.f("fk_integration_level_competency_code_competency"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "integration_id", "competency_code", name=op.f("pk_integration_level")
        ),
    )


def downgrade() -> None:
    op.drop_table("integration_level")
    op.drop_index(op.f("ix_integration_participant_id"), table_name="integration")
    op.drop_index(op.f("ix_integration_programme_id"), table_name="integration")
    op.drop_table("integration")
    op.drop_table("integration_rule")
