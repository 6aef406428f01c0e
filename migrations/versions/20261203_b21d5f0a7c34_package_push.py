"""Packages over the network: resumable uploads (declaration and chunks) and the sender's record
of what it sent and what was acknowledged.

Revision ID: b21d5f0a7c34
Revises: d3a5c7e9f120
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "b21d5f0a7c34"
down_revision = "d3a5c7e9f120"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "package_upload",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("package_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sender", sa.String(16), nullable=False),
        sa.Column("sitting_external_id", sa.Uuid(), nullable=False),
        sa.Column("header_line", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledgement", postgresql.JSONB(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_upload")),
        sa.UniqueConstraint("package_id", name=op.f("uq_package_upload_package_id")),
    )
    op.create_table(
        "package_upload_chunk",
        sa.Column("upload_id", sa.Uuid(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["package_upload.id"],
            name=op.f("fk_package_upload_chunk_upload_id_package_upload"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("upload_id", "offset", name=op.f("pk_package_upload_chunk")),
    )
    op.create_table(
        "sent_package",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("package_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sitting_external_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("destination", sa.String(500), nullable=False),
        sa.Column("recipient", sa.String(16), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column(
            "sent_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receipt", postgresql.JSONB(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_package")),
        sa.UniqueConstraint(
            "package_id", "destination", name=op.f("uq_sent_package_package_id_destination")
        ),
    )
    op.create_index(
        op.f("ix_sent_package_sitting_external_id"), "sent_package", ["sitting_external_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sent_package_sitting_external_id"), table_name="sent_package")
    op.drop_table("sent_package")
    op.drop_table("package_upload_chunk")
    op.drop_table("package_upload")
