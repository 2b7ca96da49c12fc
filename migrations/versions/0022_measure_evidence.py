"""measure evidence: certificate assertions cite the unit's measures as evidence (issue 19)

Revision ID: 0022_measure_evidence
Revises: 0021_search
Create Date: 2026-12-04 17:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_measure_evidence"
down_revision = "0021_search"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "assertion_measure",
        sa.Column("assertion_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assertion_id"],
            ["assertion.id"],
            name=op.f("fk_assertion_measure_assertion_id_assertion"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["measure_id"], ["measure.id"], name=op.f("fk_assertion_measure_measure_id_measure")),
        sa.PrimaryKeyConstraint("assertion_id", "measure_id", name=op.f("pk_assertion_measure")),
    )
    with op.batch_alter_table("assertion_measure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assertion_measure_measure_id"), ["measure_id"], unique=False)


def downgrade():
    with op.batch_alter_table("assertion_measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assertion_measure_measure_id"))
    op.drop_table("assertion_measure")
