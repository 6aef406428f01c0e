"""Every room has an IANA time zone (default Asia/Jakarta) that its sittings inherit.

Revision ID: 5b7d9f1e3a20
Revises: c4e8a2d6f913
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5b7d9f1e3a20"
down_revision = "c4e8a2d6f913"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "room",
        sa.Column("time_zone", sa.String(64), server_default="Asia/Jakarta", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("room", "time_zone")
