"""Results packages: a global id per attempt and audit event (an answer-log row is known by its
attempt, item and seq, which the save makes unique: no extra index on the save path); where a merged
attempt came from; which server a sitting's results come from; the refused results.

Revision ID: b5e1d7c3a921
Revises: b3d5f7a9c1e2
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b5e1d7c3a921"
down_revision = "b3d5f7a9c1e2"
branch_labels = None
depends_on = None

GLOBAL_IDS = ("attempt", "audit_event")


def upgrade() -> None:
    for table in GLOBAL_IDS:
        # A volatile default rewrites the table; a rewrite fires no row trigger, so the
        # append-only tables keep their guard.
        op.add_column(
            table,
            sa.Column(
                "external_id", sa.Uuid(), server_default=sa.func.gen_random_uuid(), nullable=False
            ),
        )
        op.create_unique_constraint(op.f(f"uq_{table}_external_id"), table, ["external_id"])
    op.add_column("attempt", sa.Column("origin_server", sa.String(16), nullable=True))
    op.add_column("attempt", sa.Column("origin_version", sa.BigInteger(), nullable=True))
    op.create_table(
        "results_source",
        sa.Column("sitting_external_id", sa.Uuid(), nullable=False),
        sa.Column("sender", sa.String(16), nullable=False),
        sa.Column("first_package_id", sa.Uuid(), nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("sitting_external_id", "sender", name=op.f("pk_results_source")),
    )
    op.create_table(
        "package_refusal",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("package_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sender", sa.String(16), nullable=False),
        sa.Column("sitting_external_id", sa.Uuid(), nullable=False),
        sa.Column("attempt_external_id", sa.Uuid(), nullable=True),
        sa.Column("participant_no", sa.String(32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "refused_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_refusal")),
    )
    op.create_index(
        op.f("ix_package_refusal_sitting_external_id"), "package_refusal", ["sitting_external_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_package_refusal_sitting_external_id"), table_name="package_refusal")
    op.drop_table("package_refusal")
    op.drop_table("results_source")
    op.drop_column("attempt", "origin_version")
    op.drop_column("attempt", "origin_server")
    for table in reversed(GLOBAL_IDS):
        op.drop_constraint(op.f(f"uq_{table}_external_id"), table, type_="unique")
        op.drop_column(table, "external_id")
