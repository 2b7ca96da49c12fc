"""evidence: test method and nature, sample and tolerance, control frequency, link reasons and challenges,
and contradictions of signed assertions

Revision ID: 0009_evidence
Revises: 0008_certificates
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_evidence"
down_revision = "0008_certificates"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("countermeasure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("frequency", sa.Enum(
            "annual", "quarterly", "monthly", "weekly", "daily", "many_times_a_day", name="controlfrequency",
            native_enum=False, length=32), nullable=True))
    with op.batch_alter_table("control_test", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nature", sa.Enum("design", "operating", name="testnature", native_enum=False,
                                                        length=32), server_default="operating", nullable=False))
        batch_op.add_column(sa.Column("population", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("exceptions_tolerated", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_check_constraint(op.f("ck_control_test_tolerated_not_negative"), "exceptions_tolerated >= 0")
        batch_op.create_check_constraint(op.f("ck_control_test_population_positive"), "population IS NULL OR population >= 1")
    with op.batch_alter_table("assertion_countermeasure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text(), server_default="", nullable=False))
    op.create_table(
        "link_challenge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assertion_id", sa.Integer(), nullable=False),
        sa.Column("countermeasure_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raised_by_id", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["answered_by_id"], ["app_user.id"], name=op.f("fk_link_challenge_answered_by_id_app_user")),
        sa.ForeignKeyConstraint(["assertion_id"], ["assertion.id"], name=op.f("fk_link_challenge_assertion_id_assertion"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["countermeasure_id"], ["countermeasure.id"],
                                name=op.f("fk_link_challenge_countermeasure_id_countermeasure")),
        sa.ForeignKeyConstraint(["raised_by_id"], ["app_user.id"], name=op.f("fk_link_challenge_raised_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_challenge")),
    )
    with op.batch_alter_table("link_challenge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_challenge_assertion_id"), ["assertion_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_link_challenge_countermeasure_id"), ["countermeasure_id"], unique=False)
    op.create_table(
        "contradiction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("assertion_id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("ineffective_test", "above_appetite", "incident", name="contradictionkind",
                                  native_enum=False, length=32), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assertion_id"], ["assertion.id"], name=op.f("fk_contradiction_assertion_id_assertion")),
        sa.ForeignKeyConstraint(["certificate_id"], ["certificate.id"],
                                name=op.f("fk_contradiction_certificate_id_certificate")),
        sa.ForeignKeyConstraint(["risk_id"], ["risk.id"], name=op.f("fk_contradiction_risk_id_risk")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contradiction")),
        sa.UniqueConstraint("assertion_id", "kind", "source_id", name="uq_contradiction_source"),
    )
    with op.batch_alter_table("contradiction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contradiction_assertion_id"), ["assertion_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contradiction_certificate_id"), ["certificate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contradiction_risk_id"), ["risk_id"], unique=False)


def downgrade():
    op.drop_table("contradiction")
    op.drop_table("link_challenge")
    with op.batch_alter_table("assertion_countermeasure", schema=None) as batch_op:
        batch_op.drop_column("reason")
    with op.batch_alter_table("control_test", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_control_test_population_positive"), type_="check")
        batch_op.drop_constraint(op.f("ck_control_test_tolerated_not_negative"), type_="check")
        batch_op.drop_column("exceptions_tolerated")
        batch_op.drop_column("population")
        batch_op.drop_column("nature")
    with op.batch_alter_table("countermeasure", schema=None) as batch_op:
        batch_op.drop_column("frequency")
