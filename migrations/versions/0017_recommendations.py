"""recommendations (and flags' decision version): the inspectorate's, the NAO's and internal audit's recommendations, their source reports,
the risks, controls and evidence they concern

Revision ID: 0017_recommendations
Revises: 0016_signer_certificates
Create Date: 2026-12-03 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017_recommendations"
down_revision = "0016_signer_certificates"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("source_report",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("source", sa.Enum("inspectorate", "nao", "internal_audit", name="recommendationsource", native_enum=False, create_constraint=False, length=32), nullable=False),
    sa.Column("title", sa.String(length=300), nullable=False),
    sa.Column("body", sa.String(length=200), nullable=False),
    sa.Column("published_on", sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_source_report"))
    )
    with op.batch_alter_table("source_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_report_source"), ["source"], unique=False)

    op.create_table("recommendation",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("report_id", sa.Integer(), nullable=False),
    sa.Column("paragraph", sa.String(length=20), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("unit_id", sa.Integer(), nullable=False),
    sa.Column("owner_id", sa.Integer(), nullable=True),
    sa.Column("due_on", sa.Date(), nullable=False),
    sa.Column("status", sa.Enum("accepted", "in_progress", "implemented", "not_accepted", name="recommendationstatus", native_enum=False, create_constraint=False, length=32), nullable=False),
    sa.Column("status_note", sa.Text(), nullable=False),
    sa.Column("implemented_on", sa.Date(), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["owner_id"], ["app_user.id"], name=op.f("fk_recommendation_owner_id_app_user")),
    sa.ForeignKeyConstraint(["report_id"], ["source_report.id"], name=op.f("fk_recommendation_report_id_source_report")),
    sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_recommendation_unit_id_unit")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation"))
    )
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recommendation_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recommendation_report_id"), ["report_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recommendation_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_recommendation_unit_id"), ["unit_id"], unique=False)

    for other, table in (("risk", "risk"), ("countermeasure", "countermeasure"), ("evidence", "evidence")):
        name = f"recommendation_{other}"
        op.create_table(name,
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column(f"{other}_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["recommendation_id"], ["recommendation.id"], name=op.f(f"fk_{name}_recommendation_id_recommendation")),
        sa.ForeignKeyConstraint([f"{other}_id"], [f"{table}.id"], name=op.f(f"fk_{name}_{other}_id_{table}")),
        sa.PrimaryKeyConstraint("recommendation_id", f"{other}_id", name=op.f(f"pk_{name}"))
        )
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{name}_{other}_id"), [f"{other}_id"], unique=False)


    # The optimistic lock on flags' decisions (issue 18).
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_column("decision_version")
    for other in ("evidence", "countermeasure", "risk"):
        name = f"recommendation_{other}"
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{name}_{other}_id"))
        op.drop_table(name)
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        for column in ("unit_id", "status", "report_id", "owner_id"):
            batch_op.drop_index(batch_op.f(f"ix_recommendation_{column}"))
    op.drop_table("recommendation")
    with op.batch_alter_table("source_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_report_source"))
    op.drop_table("source_report")
