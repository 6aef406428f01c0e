"""Classical item statistics per item version per closed sitting (item_statistic), for the
item's exposure and history across sittings.

Revision ID: b3d5f7a9c1e2
Revises: a21e4c7d9b01
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b3d5f7a9c1e2"
down_revision = "a21e4c7d9b01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_statistic",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("item_version_id", sa.BigInteger(), nullable=False),
        sa.Column("sitting_id", sa.BigInteger(), nullable=False),
        sa.Column("competency_code", sa.String(32), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("max_score", sa.Float(), nullable=False),
        sa.Column("mean_score", sa.Float(), nullable=False),
        sa.Column("facility", sa.Float(), nullable=True),
        sa.Column("discrimination", sa.Float(), nullable=True),
        sa.Column("discrimination_basis", sa.String(8), nullable=False),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["item_version_id"],
            ["item_version.id"],
            name="fk_item_statistic_item_version_id_item_version",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["sitting_id"],
            ["sitting.id"],
            name="fk_item_statistic_sitting_id_sitting",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["competency_code"],
            ["competency.code"],
            name="fk_item_statistic_competency_code_competency",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_item_statistic"),
        sa.UniqueConstraint(
            "item_version_id", "sitting_id", name="uq_item_statistic_item_version_id_sitting_id"
        ),
    )
    op.create_index("ix_item_statistic_item_version_id", "item_statistic", ["item_version_id"])
    op.create_index("ix_item_statistic_sitting_id", "item_statistic", ["sitting_id"])


def downgrade() -> None:
    op.drop_table("item_statistic")
