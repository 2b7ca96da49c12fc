"""figures: per-register figures kept on write, and an index to count overdue reviews (issue 20)

Revision ID: 0015_register_figures
Revises: 0014_measures
Create Date: 2026-12-03 17:10:00

The table starts empty: `riskreg figures rebuild` fills it (the demo and the bench generator run it), and every
write keeps it from then on (riskreg/services/figures.py). docs/operations.md says to run it after upgrading.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015_register_figures"
down_revision = "0014_measures"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "register_figure",
        sa.Column("register_id", sa.Integer(), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("open_risks", sa.Integer(), nullable=False),
        sa.Column("above_appetite", sa.Integer(), nullable=False),
        sa.Column("link_alerts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["register_id"], ["register.id"], name=op.f("fk_register_figure_register_id_register"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("register_id", "restricted", name=op.f("pk_register_figure")),
    )
    with op.batch_alter_table("risk", schema=None) as batch_op:
        batch_op.create_index(
            "ix_risk_review_due", ["status", "next_review_on", "register_id", "restricted"], unique=False
        )


def downgrade():
    with op.batch_alter_table("risk", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_review_due")
    op.drop_table("register_figure")
