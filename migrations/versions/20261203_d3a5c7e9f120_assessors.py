"""Multi-method assessment: methods, the method × competency matrix, assessor assignments and
versioned ratings; the assessor and lead-assessor staff roles.

Revision ID: d3a5c7e9f120
Revises: b5e1d7c3a921
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d3a5c7e9f120"
down_revision = "b5e1d7c3a921"
branch_labels = None
depends_on = None

OLD_ROLES = "roles <@ ARRAY['admin','editor','proctor']::text[]"
NEW_ROLES = "roles <@ ARRAY['admin','editor','proctor','assessor','lead_assessor']::text[]"
METHODS = [
    ("CACT", "Tes berbantuan komputer (CACT)", "Computer-assisted test (CACT)", "computer"),
    ("WAWANCARA", "Wawancara berbasis kompetensi", "Competency-based interview", "interview"),
    ("LGD", "Diskusi kelompok tanpa pemimpin", "Leaderless group discussion", "exercise"),
    ("INBASKET", "In-tray / in-basket", "In-tray exercise", "exercise"),
    ("PRESENTASI", "Presentasi", "Presentation", "exercise"),
    ("PSIKOTES", "Tes psikologi", "Psychological test", "psychometric"),
]


def upgrade() -> None:
    op.drop_constraint(op.f("ck_staff_user_known_roles"), "staff_user", type_="check")
    op.create_check_constraint(op.f("ck_staff_user_known_roles"), "staff_user", NEW_ROLES)
    method = op.create_table(
        "assessment_method",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name_id", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "kind IN ('computer', 'psychometric', 'interview', 'exercise')",
            name=op.f("ck_assessment_method_known_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_method")),
        sa.UniqueConstraint("code", name=op.f("uq_assessment_method_code")),
    )
    op.bulk_insert(
        method,
        [{"code": c, "name_id": i, "name_en": e, "kind": k} for c, i, e, k in METHODS],
    )
    op.create_table(
        "method_matrix",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("programme_id", sa.BigInteger(), nullable=False),
        sa.Column("position_group", sa.String(64), server_default="", nullable=False),
        sa.Column("competency_code", sa.String(32), nullable=False),
        sa.Column("method_id", sa.BigInteger(), nullable=False),
        sa.Column("weight", sa.Numeric(6, 2), nullable=False),
        sa.CheckConstraint("weight > 0", name=op.f("ck_method_matrix_weight_positive")),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_method_matrix_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["competency_code"],
            ["competency.code"],
            name=op.f("fk_method_matrix_competency_code_competency"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["method_id"],
            ["assessment_method.id"],
            name=op.f("fk_method_matrix_method_id_assessment_method"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_method_matrix")),
        sa.UniqueConstraint(
            "programme_id",
            "position_group",
            "competency_code",
            "method_id",
            name=op.f("uq_method_matrix_one_cell"),
        ),
    )
    op.create_index(op.f("ix_method_matrix_programme_id"), "method_matrix", ["programme_id"])
    op.create_index(op.f("ix_method_matrix_method_id"), "method_matrix", ["method_id"])
    op.create_table(
        "assessor_assignment",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("assessor_id", sa.BigInteger(), nullable=False),
        sa.Column("participant_id", sa.BigInteger(), nullable=False),
        sa.Column("method_id", sa.BigInteger(), nullable=False),
        sa.Column("programme_id", sa.BigInteger(), nullable=True),
        sa.Column("sitting_id", sa.BigInteger(), nullable=True),
        sa.Column("assigned_by", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "num_nonnulls(programme_id, sitting_id) = 1",
            name=op.f("ck_assessor_assignment_programme_or_sitting"),
        ),
        sa.ForeignKeyConstraint(
            ["assessor_id"],
            ["staff_user.id"],
            name=op.f("fk_assessor_assignment_assessor_id_staff_user"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_assessor_assignment_participant_id_participant"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["method_id"],
            ["assessment_method.id"],
            name=op.f("fk_assessor_assignment_method_id_assessment_method"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_assessor_assignment_programme_id_programme"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["sitting_id"],
            ["sitting.id"],
            name=op.f("fk_assessor_assignment_sitting_id_sitting"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by"],
            ["staff_user.id"],
            name=op.f("fk_assessor_assignment_assigned_by_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessor_assignment")),
    )
    for column in ("assessor_id", "participant_id", "programme_id", "sitting_id"):
        op.create_index(
            op.f(f"ix_assessor_assignment_{column}"), "assessor_assignment", [column]
        )
    for scope in ("programme", "sitting"):
        op.create_index(
            f"uq_assessor_assignment_in_{scope}",
            "assessor_assignment",
            ["assessor_id", "participant_id", "method_id", f"{scope}_id"],
            unique=True,
            postgresql_where=sa.text(f"{scope}_id IS NOT NULL"),
        )
    op.create_table(
        "assessor_rating",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("assignment_id", sa.BigInteger(), nullable=False),
        sa.Column("competency_code", sa.String(32), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("evidence", sa.Text(), server_default="", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column(
            "rated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("rated_by", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name=op.f("ck_assessor_rating_level_1_to_5")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_assessor_rating_version_from_1")),
        sa.CheckConstraint(
            "source IN ('page', 'sheet', 'api')", name=op.f("ck_assessor_rating_known_source")
        ),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assessor_assignment.id"],
            name=op.f("fk_assessor_rating_assignment_id_assessor_assignment"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["competency_code"],
            ["competency.code"],
            name=op.f("fk_assessor_rating_competency_code_competency"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["rated_by"],
            ["staff_user.id"],
            name=op.f("fk_assessor_rating_rated_by_staff_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessor_rating")),
        sa.UniqueConstraint(
            "assignment_id",
            "competency_code",
            "version",
            name=op.f("uq_assessor_rating_one_version"),
        ),
    )
    op.create_index(op.f("ix_assessor_rating_assignment_id"), "assessor_rating", ["assignment_id"])


def downgrade() -> None:
    op.drop_table("assessor_rating")
    op.drop_table("assessor_assignment")
    op.drop_table("method_matrix")
    op.drop_table("assessment_method")
    # Accounts holding only the new roles lose them; nobody keeps a role the old schema refuses.
    op.execute(
        "UPDATE staff_user SET roles = array_remove(array_remove(roles, 'assessor'), "
        "'lead_assessor')"
    )
    op.drop_constraint(op.f("ck_staff_user_known_roles"), "staff_user", type_="check")
    op.create_check_constraint(op.f("ck_staff_user_known_roles"), "staff_user", OLD_ROLES)
