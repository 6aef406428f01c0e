"""Results keep what the scoring saw; at most one current result per attempt.

``result.details`` holds the facts of one scoring that have no column: standard competencies the
form did not test, the category on every scale, potential and the performance rating used, the
combined score's parts, items answered per competency and which keys were applied. A partial
unique index makes "one current result per attempt" a database rule, not only a service habit.

Revision ID: 68dfed54835c
Revises: 8087dc35b979
Create Date: 2026-11-22 12:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "68dfed54835c"
down_revision: str | None = "8087dc35b979"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "result",
        sa.Column(
            "details",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )
    op.create_index(
        "uq_result_one_current",
        "result",
        ["attempt_id"],
        unique=True,
        postgresql_where=sa.text("is_current"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_result_one_current", table_name="result", postgresql_where=sa.text("is_current")
    )
    op.drop_column("result", "details")
