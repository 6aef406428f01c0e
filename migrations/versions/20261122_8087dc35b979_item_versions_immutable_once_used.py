"""Item versions are immutable once any attempt used them.

A trigger on item_version and item_option refuses UPDATE and DELETE of a version that an
attempt's form refers to; editing an item makes a new version instead (cact.bank.service).

Revision ID: 8087dc35b979
Revises: 4628d56997f2
Create Date: 2026-11-22 08:05:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8087dc35b979"
down_revision: str | None = "4628d56997f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION refuse_change_to_used_item_version() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            -- TG_ARGV[0] names the column holding the version id in this table.
            version_id bigint := (to_jsonb(OLD) ->> TG_ARGV[0])::bigint;
        BEGIN
            IF EXISTS (SELECT 1 FROM attempt_item WHERE item_version_id = version_id) THEN
                RAISE EXCEPTION 'item version % is used by an attempt and cannot change (%)',
                    version_id, TG_OP USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
        END $$;
        """
    )
    for table, column in (("item_version", "id"), ("item_option", "item_version_id")):
        op.execute(
            f"CREATE TRIGGER {table}_immutable_when_used BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION refuse_change_to_used_item_version('{column}')"
        )


def downgrade() -> None:
    for table in ("item_version", "item_option"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_immutable_when_used ON {table}")
    op.execute("DROP FUNCTION IF EXISTS refuse_change_to_used_item_version()")
