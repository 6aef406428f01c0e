"""Rasch difficulties per item version per sitting (item_calibration), for drift and equating.

Revision ID: a7c3e5f19b42
Revises: 5b7d9f1e3a20
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a7c3e5f19b42"
down_revision = "5b7d9f1e3a20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_calibration",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("item_version_id", sa.BigInteger(), nullable=False),
        sa.Column("sitting_id", sa.BigInteger(), nullable=False),
        sa.Column("competency_code", sa.String(32), nullable=False),
        sa.Column("difficulty", sa.Float(), nullable=False),
        sa.Column("se", sa.Float(), nullable=True),
        sa.Column("infit", sa.Float(), nullable=True),
        sa.Column("outfit", sa.Float(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(16), nullable=False),
        sa.Column(
            "calibrated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["item_version_id"],
            ["item_version.id"],
            name="fk_item_calibration_item_version_id_item_version",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["sitting_id"],
            ["sitting.id"],
            name="fk_item_calibration_sitting_id_sitting",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["competency_code"],
            ["competency.code"],
            name="fk_item_calibration_competency_code_competency",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_item_calibration"),
        sa.UniqueConstraint(
            "item_version_id", "sitting_id", name="uq_item_calibration_item_version_id_sitting_id"
        ),
    )
    op.create_index(
        "ix_item_calibration_item_version_id", "item_calibration", ["item_version_id"]
    )
    op.create_index("ix_item_calibration_sitting_id", "item_calibration", ["sitting_id"])


def downgrade() -> None:
    op.drop_table("item_calibration")
