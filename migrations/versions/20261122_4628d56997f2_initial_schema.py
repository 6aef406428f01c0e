"""Initial schema: the whole domain of SPEC §2.

Answers and audit events are append-only: triggers refuse UPDATE and DELETE on
`answer_log` and `audit_event`, so no code path (or hurried operator) can rewrite history.

Revision ID: 4628d56997f2
Revises:
Create Date: 2026-11-22 07:49:42.048072+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "4628d56997f2"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


APPEND_ONLY_TABLES = ("answer_log", "audit_event")


def _create_append_only_guards() -> None:
    op.execute(
        """
        CREATE FUNCTION refuse_change_to_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$;
        """
    )
    for table in APPEND_ONLY_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change_to_append_only()"
        )


def _drop_append_only_guards() -> None:
    for table in APPEND_ONLY_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute("DROP FUNCTION IF EXISTS refuse_change_to_append_only()")


def upgrade() -> None:
    op.create_table(
        "blueprint",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blueprint")),
        sa.UniqueConstraint("code", name=op.f("uq_blueprint_code")),
    )
    op.create_table(
        "competency",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name_id", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("definition_id", sa.Text(), nullable=False),
        sa.Column("definition_en", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_competency")),
    )
    op.create_table(
        "media",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("meta", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
        sa.UniqueConstraint("sha256", name=op.f("uq_media_sha256")),
    )
    op.create_table(
        "position",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("group", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position")),
        sa.UniqueConstraint("code", name=op.f("uq_position_code")),
    )
    op.create_table(
        "rate_limit_bucket",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_bucket")),
    )
    op.create_table(
        "room",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room")),
        sa.UniqueConstraint("code", name=op.f("uq_room_code")),
    )
    op.create_table(
        "scoring_policy",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_policy")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_scoring_policy_code_version")),
    )
    op.create_table(
        "staff_user",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("roles", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "roles <@ ARRAY['admin','editor','proctor']::text[]",
            name=op.f("ck_staff_user_known_roles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_user")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_user_username")),
    )
    op.create_table(
        "blueprint_section",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("blueprint_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("time_limit_seconds", sa.Integer(), nullable=False),
        sa.Column("shuffle_items", sa.Boolean(), nullable=False),
        sa.Column("shuffle_options", sa.Boolean(), nullable=False),
        sa.Column("rules", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("item_ids", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint(
            "time_limit_seconds > 0", name=op.f("ck_blueprint_section_positive_time_limit")
        ),
        sa.ForeignKeyConstraint(
            ["blueprint_id"],
            ["blueprint.id"],
            name=op.f("fk_blueprint_section_blueprint_id_blueprint"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blueprint_section")),
        sa.UniqueConstraint(
            "blueprint_id", "position", name=op.f("uq_blueprint_section_blueprint_id_position")
        ),
    )
    op.create_table(
        "competency_level",
        sa.Column("competency_code", sa.String(length=32), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("title_id", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("descriptor_id", sa.Text(), nullable=False),
        sa.Column("descriptor_en", sa.Text(), nullable=False),
        sa.Column("indicators_id", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("indicators_en", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name=op.f("ck_competency_level_level_1_to_5")),
        sa.ForeignKeyConstraint(
            ["competency_code"],
            ["competency.code"],
            name=op.f("fk_competency_level_competency_code_competency"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("competency_code", "level", name=op.f("pk_competency_level")),
    )
    op.create_table(
        "competency_standard",
        sa.Column("position_id", sa.BigInteger(), nullable=False),
        sa.Column("competency_code", sa.String(length=32), nullable=False),
        sa.Column("required_level", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint(
            "required_level BETWEEN 1 AND 5", name=op.f("ck_competency_standard_level_1_to_5")
        ),
        sa.ForeignKeyConstraint(
            ["competency_code"],
            ["competency.code"],
            name=op.f("fk_competency_standard_competency_code_competency"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["position.id"],
            name=op.f("fk_competency_standard_position_id_position"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "position_id", "competency_code", name=op.f("pk_competency_standard")
        ),
    )
    op.create_table(
        "item",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("competency_code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("kind IN ('weighted', 'keyed')", name=op.f("ck_item_known_kind")),
        sa.CheckConstraint("status IN ('active', 'retired')", name=op.f("ck_item_known_status")),
        sa.ForeignKeyConstraint(
            ["competency_code"],
            ["competency.code"],
            name=op.f("fk_item_competency_code_competency"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item")),
    )
    op.create_index(op.f("ix_item_competency_code"), "item", ["competency_code"], unique=False)
    op.create_table(
        "participant",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("participant_no", sa.String(length=32), nullable=False),
        sa.Column("nip", sa.String(length=18), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position_id", sa.BigInteger(), nullable=True),
        sa.Column("unit", sa.String(length=200), nullable=True),
        sa.Column("agency", sa.String(length=200), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("pin_hash", sa.Text(), nullable=True),
        sa.Column("performance_rating", sa.String(length=8), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "nip IS NULL OR nip ~ '^[0-9]{18}$'", name=op.f("ck_participant_nip_18_digits")
        ),
        sa.CheckConstraint(
            "performance_rating IS NULL OR performance_rating IN ('below', 'meets', 'above')",
            name=op.f("ck_participant_known_performance_rating"),
        ),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["position.id"],
            name=op.f("fk_participant_position_id_position"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant")),
        sa.UniqueConstraint("nip", name=op.f("uq_participant_nip")),
        sa.UniqueConstraint("participant_no", name=op.f("uq_participant_participant_no")),
    )
    op.create_index(
        op.f("ix_participant_position_id"), "participant", ["position_id"], unique=False
    )
    op.create_table(
        "seat",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("room_id", sa.BigInteger(), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("grid_row", sa.Integer(), nullable=False),
        sa.Column("grid_col", sa.Integer(), nullable=False),
        sa.Column("workstation_ip", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["room_id"], ["room.id"], name=op.f("fk_seat_room_id_room"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat")),
        sa.UniqueConstraint("room_id", "label", name=op.f("uq_seat_room_id_label")),
    )
    op.create_table(
        "sitting",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("room_id", sa.BigInteger(), nullable=False),
        sa.Column("blueprint_id", sa.BigInteger(), nullable=False),
        sa.Column("scoring_policy_id", sa.BigInteger(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("token", sa.String(length=6), nullable=True),
        sa.Column("token_released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("previous_token", sa.String(length=6), nullable=True),
        sa.Column("previous_token_valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("token_rotate_minutes", sa.Integer(), nullable=True),
        sa.Column("end_screen", sa.String(length=16), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "end_screen IN ('completion', 'results')", name=op.f("ck_sitting_known_end_screen")
        ),
        sa.CheckConstraint(
            "status IN ('scheduled', 'open', 'running', 'paused', 'closed')",
            name=op.f("ck_sitting_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["blueprint_id"],
            ["blueprint.id"],
            name=op.f("fk_sitting_blueprint_id_blueprint"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["room.id"], name=op.f("fk_sitting_room_id_room"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["scoring_policy_id"],
            ["scoring_policy.id"],
            name=op.f("fk_sitting_scoring_policy_id_scoring_policy"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sitting")),
        sa.UniqueConstraint("code", name=op.f("uq_sitting_code")),
    )
    op.create_index(op.f("ix_sitting_room_id"), "sitting", ["room_id"], unique=False)
    op.create_table(
        "staff_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_user.id"],
            name=op.f("fk_staff_session_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_session")),
    )
    op.create_index(op.f("ix_staff_session_user_id"), "staff_session", ["user_id"], unique=False)
    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=True),
        sa.Column("target_id", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("sitting_id", sa.BigInteger(), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["sitting_id"],
            ["sitting.id"],
            name=op.f("fk_audit_event_sitting_id_sitting"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_action"), "audit_event", ["action"], unique=False)
    op.create_index(
        op.f("ix_audit_event_occurred_at"), "audit_event", ["occurred_at"], unique=False
    )
    op.create_index(op.f("ix_audit_event_sitting_id"), "audit_event", ["sitting_id"], unique=False)
    op.create_table(
        "enrollment",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("sitting_id", sa.BigInteger(), nullable=False),
        sa.Column("participant_id", sa.BigInteger(), nullable=False),
        sa.Column("seat_id", sa.BigInteger(), nullable=True),
        sa.Column("attendance", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "attendance IN ('registered', 'present', 'absent')",
            name=op.f("ck_enrollment_known_attendance"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_enrollment_participant_id_participant"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["seat_id"], ["seat.id"], name=op.f("fk_enrollment_seat_id_seat"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["sitting_id"],
            ["sitting.id"],
            name=op.f("fk_enrollment_sitting_id_sitting"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollment")),
        sa.UniqueConstraint(
            "sitting_id", "participant_id", name=op.f("uq_enrollment_sitting_id_participant_id")
        ),
        sa.UniqueConstraint("sitting_id", "seat_id", name=op.f("uq_enrollment_sitting_id_seat_id")),
    )
    op.create_index(
        op.f("ix_enrollment_participant_id"), "enrollment", ["participant_id"], unique=False
    )
    op.create_table(
        "item_version",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=True),
        sa.Column("stem_html", sa.Text(), nullable=False),
        sa.Column("media_id", sa.BigInteger(), nullable=True),
        sa.Column("media_alt", sa.Text(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "level IS NULL OR level BETWEEN 1 AND 5", name=op.f("ck_item_version_level_1_to_5")
        ),
        sa.CheckConstraint(
            "points IS NULL OR points >= 1", name=op.f("ck_item_version_positive_points")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["staff_user.id"],
            name=op.f("fk_item_version_created_by_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_item_version_item_id_item"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media.id"],
            name=op.f("fk_item_version_media_id_media"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_version")),
        sa.UniqueConstraint("item_id", "version", name=op.f("uq_item_version_item_id_version")),
    )
    op.create_table(
        "sitting_proctor",
        sa.Column("sitting_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_user_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sitting_id"],
            ["sitting.id"],
            name=op.f("fk_sitting_proctor_sitting_id_sitting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_sitting_proctor_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sitting_id", "staff_user_id", name=op.f("pk_sitting_proctor")),
    )
    op.create_table(
        "attempt",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("enrollment_id", sa.BigInteger(), nullable=False),
        sa.Column("sitting_id", sa.BigInteger(), nullable=False),
        sa.Column("participant_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("form_seed", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.String(length=32), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("kiosk_session_hash", sa.String(length=64), nullable=True),
        sa.Column("kiosk_session_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reset_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_ip", sa.String(length=64), nullable=True),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('not_started', 'in_progress', 'submitted', 'expired', 'terminated')",
            name=op.f("ck_attempt_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollment.id"],
            name=op.f("fk_attempt_enrollment_id_enrollment"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_attempt_participant_id_participant"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["sitting_id"],
            ["sitting.id"],
            name=op.f("fk_attempt_sitting_id_sitting"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt")),
        sa.UniqueConstraint("enrollment_id", name=op.f("uq_attempt_enrollment_id")),
        sa.UniqueConstraint("kiosk_session_hash", name=op.f("uq_attempt_kiosk_session_hash")),
    )
    op.create_table(
        "item_option",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("item_version_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("label", sa.String(length=4), nullable=False),
        sa.Column("text_html", sa.Text(), nullable=False),
        sa.Column("weight", sa.SmallInteger(), nullable=True),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_version_id"],
            ["item_version.id"],
            name=op.f("fk_item_option_item_version_id_item_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_option")),
        sa.UniqueConstraint(
            "item_version_id", "label", name=op.f("uq_item_option_item_version_id_label")
        ),
        sa.UniqueConstraint(
            "item_version_id", "position", name=op.f("uq_item_option_item_version_id_position")
        ),
    )
    op.create_index(
        op.f("ix_item_option_item_version_id"), "item_option", ["item_version_id"], unique=False
    )
    op.create_table(
        "attempt_section",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("attempt_id", sa.BigInteger(), nullable=False),
        sa.Column("blueprint_section_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("time_limit_ms", sa.BigInteger(), nullable=False),
        sa.Column("extra_ms", sa.BigInteger(), nullable=False),
        sa.Column("paused_ms", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'open', 'closed')", name=op.f("ck_attempt_section_known_status")
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempt.id"],
            name=op.f("fk_attempt_section_attempt_id_attempt"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["blueprint_section_id"],
            ["blueprint_section.id"],
            name=op.f("fk_attempt_section_blueprint_section_id_blueprint_section"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_section")),
        sa.UniqueConstraint(
            "attempt_id", "position", name=op.f("uq_attempt_section_attempt_id_position")
        ),
    )
    op.create_index(
        "ix_attempt_section_open_deadline",
        "attempt_section",
        ["deadline_at"],
        unique=False,
        postgresql_where="status = 'open'",
    )
    op.create_table(
        "result",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("attempt_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("policy_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "scored_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("jpm", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("combined_score", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("nine_box", sa.SmallInteger(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempt.id"],
            name=op.f("fk_result_attempt_id_attempt"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["scoring_policy.id"],
            name=op.f("fk_result_policy_id_scoring_policy"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result")),
        sa.UniqueConstraint("attempt_id", "version", name=op.f("uq_result_attempt_id_version")),
    )
    op.create_table(
        "attempt_item",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("attempt_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt_section_id", sa.BigInteger(), nullable=False),
        sa.Column("item_version_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("option_order", sa.ARRAY(sa.BigInteger()), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempt.id"],
            name=op.f("fk_attempt_item_attempt_id_attempt"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["attempt_section_id"],
            ["attempt_section.id"],
            name=op.f("fk_attempt_item_attempt_section_id_attempt_section"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["item_version_id"],
            ["item_version.id"],
            name=op.f("fk_attempt_item_item_version_id_item_version"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_item")),
        sa.UniqueConstraint("attempt_id", "number", name=op.f("uq_attempt_item_attempt_id_number")),
    )
    op.create_index(
        op.f("ix_attempt_item_attempt_section_id"),
        "attempt_item",
        ["attempt_section_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_attempt_item_item_version_id"), "attempt_item", ["item_version_id"], unique=False
    )
    op.create_table(
        "result_competency",
        sa.Column("result_id", sa.BigInteger(), nullable=False),
        sa.Column("competency_code", sa.String(length=32), nullable=False),
        sa.Column("raw_score", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("max_score", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("index", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("attained_level", sa.SmallInteger(), nullable=False),
        sa.Column("required_level", sa.SmallInteger(), nullable=True),
        sa.Column("gap", sa.SmallInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["competency_code"],
            ["competency.code"],
            name=op.f("fk_result_competency_competency_code_competency"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["result.id"],
            name=op.f("fk_result_competency_result_id_result"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("result_id", "competency_code", name=op.f("pk_result_competency")),
    )
    op.create_table(
        "answer_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("attempt_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt_item_id", sa.BigInteger(), nullable=False),
        sa.Column("option_id", sa.BigInteger(), nullable=True),
        sa.Column("doubtful", sa.Boolean(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempt.id"],
            name=op.f("fk_answer_log_attempt_id_attempt"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["attempt_item_id"],
            ["attempt_item.id"],
            name=op.f("fk_answer_log_attempt_item_id_attempt_item"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_log")),
    )
    op.create_index(op.f("ix_answer_log_attempt_id"), "answer_log", ["attempt_id"], unique=False)
    op.create_table(
        "response",
        sa.Column("attempt_item_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt_id", sa.BigInteger(), nullable=False),
        sa.Column("option_id", sa.BigInteger(), nullable=True),
        sa.Column("doubtful", sa.Boolean(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("first_answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "saved_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("change_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempt.id"],
            name=op.f("fk_response_attempt_id_attempt"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["attempt_item_id"],
            ["attempt_item.id"],
            name=op.f("fk_response_attempt_item_id_attempt_item"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["option_id"], ["item_option.id"], name=op.f("fk_response_option_id_item_option")
        ),
        sa.PrimaryKeyConstraint("attempt_item_id", name=op.f("pk_response")),
    )
    op.create_index(op.f("ix_response_attempt_id"), "response", ["attempt_id"], unique=False)

    _create_append_only_guards()


def downgrade() -> None:
    _drop_append_only_guards()
    op.drop_index(op.f("ix_response_attempt_id"), table_name="response")
    op.drop_table("response")
    op.drop_index(op.f("ix_answer_log_attempt_id"), table_name="answer_log")
    op.drop_table("answer_log")
    op.drop_table("result_competency")
    op.drop_index(op.f("ix_attempt_item_item_version_id"), table_name="attempt_item")
    op.drop_index(op.f("ix_attempt_item_attempt_section_id"), table_name="attempt_item")
    op.drop_table("attempt_item")
    op.drop_table("result")
    op.drop_index(
        "ix_attempt_section_open_deadline",
        table_name="attempt_section",
        postgresql_where="status = 'open'",
    )
    op.drop_table("attempt_section")
    op.drop_index(op.f("ix_item_option_item_version_id"), table_name="item_option")
    op.drop_table("item_option")
    op.drop_table("attempt")
    op.drop_table("sitting_proctor")
    op.drop_table("item_version")
    op.drop_index(op.f("ix_enrollment_participant_id"), table_name="enrollment")
    op.drop_table("enrollment")
    op.drop_index(op.f("ix_audit_event_sitting_id"), table_name="audit_event")
    op.drop_index(op.f("ix_audit_event_occurred_at"), table_name="audit_event")
    op.drop_index(op.f("ix_audit_event_action"), table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_index(op.f("ix_staff_session_user_id"), table_name="staff_session")
    op.drop_table("staff_session")
    op.drop_index(op.f("ix_sitting_room_id"), table_name="sitting")
    op.drop_table("sitting")
    op.drop_table("seat")
    op.drop_index(op.f("ix_participant_position_id"), table_name="participant")
    op.drop_table("participant")
    op.drop_index(op.f("ix_item_competency_code"), table_name="item")
    op.drop_table("item")
    op.drop_table("competency_standard")
    op.drop_table("competency_level")
    op.drop_table("blueprint_section")
    op.drop_table("staff_user")
    op.drop_table("scoring_policy")
    op.drop_table("room")
    op.drop_table("rate_limit_bucket")
    op.drop_table("position")
    op.drop_table("media")
    op.drop_table("competency")
    op.drop_table("blueprint")
