"""Login throttling with growing back-off: each key's failures checked (strikes), its free
allowance, when it was last tried, until when it waits, its account; the table UNLOGGED.

Revision ID: c4e8a2d6f913
Revises: 5b7d9f1e3a24
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c4e8a2d6f913"
down_revision = "5b7d9f1e3a24"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The counters are ephemeral and their keys change shape: nothing is kept.
    op.execute("DELETE FROM rate_limit_bucket")
    op.execute("ALTER TABLE rate_limit_bucket SET UNLOGGED")
    op.add_column("rate_limit_bucket", sa.Column("account", sa.String(200), nullable=True))
    op.add_column("rate_limit_bucket", sa.Column("strikes", sa.Integer(), nullable=False))
    op.add_column("rate_limit_bucket", sa.Column("allowance", sa.Integer(), nullable=False))
    op.add_column(
        "rate_limit_bucket",
        sa.Column("last_try_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "rate_limit_bucket",
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column("rate_limit_bucket", sa.Column("admitted", sa.Boolean(), nullable=False))
    op.create_index(
        op.f("ix_rate_limit_bucket_account"), "rate_limit_bucket", ["account"], unique=False
    )


def downgrade() -> None:
    op.execute("DELETE FROM rate_limit_bucket")
    op.drop_index(op.f("ix_rate_limit_bucket_account"), table_name="rate_limit_bucket")
    for column in ("admitted", "blocked_until", "last_try_at", "allowance", "strikes", "account"):
        op.drop_column("rate_limit_bucket", column)
    op.execute("ALTER TABLE rate_limit_bucket SET LOGGED")
