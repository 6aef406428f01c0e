"""Programmes: a target population across waves; a sitting may belong to one programme.

``programme`` carries how long its results stay valid (months, default 36: Peraturan BKN
26/2019). ``programme_member`` is the target population imported from the agency's staff list.
``sitting.programme_id`` links a wave to its programme (nullable: a sitting may stand alone).

Revision ID: 3f1c9a7d2b64
Revises: 68dfed54835c
Create Date: 2026-12-02 06:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f1c9a7d2b64"
down_revision: str | None = "68dfed54835c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "programme",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("validity_months", sa.SmallInteger(), server_default="36", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "validity_months BETWEEN 1 AND 240",
            name=op.f("ck_programme_validity_1_to_240_months"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme")),
        sa.UniqueConstraint("code", name=op.f("uq_programme_code")),
    )
    op.create_table(
        "programme_member",
        sa.Column("programme_id", sa.BigInteger(), nullable=False),
        sa.Column("participant_id", sa.BigInteger(), nullable=False),
        sa.Column("position_group", sa.String(length=64), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_programme_member_participant_id_participant"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_member_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", "participant_id", name=op.f("pk_programme_member")),
    )
    op.create_index(
        op.f("ix_programme_member_participant_id"), "programme_member", ["participant_id"]
    )
    op.add_column("sitting", sa.Column("programme_id", sa.BigInteger(), nullable=True))
    op.create_index(op.f("ix_sitting_programme_id"), "sitting", ["programme_id"])
    op.create_foreign_key(
        op.f("fk_sitting_programme_id_programme"),
        "sitting",
        "programme",
        ["programme_id"],
        ["id"],
        ondelete="RESTRICT",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_sitting_programme_id_programme"), "sitting", type_="foreignkey")
    op.drop_index(op.f("ix_sitting_programme_id"), table_name="sitting")
    op.drop_column("sitting", "programme_id")
    op.drop_index(op.f("ix_programme_member_participant_id"), table_name="programme_member")
    op.drop_table("programme_member")
    op.drop_table("programme")
