"""Server keys and packages: trusted keys, package receipts, and a global id per sitting.

Revision ID: a21e4c7d9b01
Revises: a7c3e5f19b42
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a21e4c7d9b01"
down_revision = "a7c3e5f19b42"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trusted_key",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("signing_public", sa.String(64), nullable=False),
        sa.Column("encryption_public", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(16), nullable=False),
        sa.Column(
            "trusted_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("trusted_by", sa.String(200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(200), nullable=True),
        sa.CheckConstraint("role IN ('office', 'room')", name=op.f("ck_trusted_key_known_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trusted_key")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_trusted_key_fingerprint")),
    )
    op.create_table(
        "package_receipt",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("package_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sender", sa.String(16), nullable=False),
        sa.Column("sitting_external_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.dialects.postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_receipt")),
        sa.UniqueConstraint("package_id", name=op.f("uq_package_receipt_package_id")),
    )
    op.create_index(
        op.f("ix_package_receipt_sitting_external_id"), "package_receipt", ["sitting_external_id"]
    )
    op.add_column(
        "sitting",
        sa.Column(
            "external_id", sa.Uuid(), server_default=sa.func.gen_random_uuid(), nullable=False
        ),
    )
    op.create_unique_constraint(op.f("uq_sitting_external_id"), "sitting", ["external_id"])


def downgrade() -> None:
    op.drop_constraint(op.f("uq_sitting_external_id"), "sitting", type_="unique")
    op.drop_column("sitting", "external_id")
    op.drop_index(op.f("ix_package_receipt_sitting_external_id"), table_name="package_receipt")
    op.drop_table("package_receipt")
    op.drop_table("trusted_key")
