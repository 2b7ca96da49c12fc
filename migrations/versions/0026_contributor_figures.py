"""contributor_figures: what the open risks contributing to each risk add up to, for the committee page (issue 20)

Revision ID: 0026_contributor_figures
Revises: 0025_review_recent
Create Date: 2026-12-04 23:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026_contributor_figures"
down_revision = "0025_review_recent"
branch_labels = None
depends_on = None


def upgrade():
    # Left empty: the committee page counts a risk without a row itself until `riskreg figures rebuild` (or the
    # next write to its contributors) stores it.
    op.create_table(
        "contributor_figure",
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("open_contributors", sa.Integer(), nullable=False),
        sa.Column("highest", sa.Integer(), nullable=True),
        sa.Column("any_above_appetite", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["risk_id"], ["risk.id"], name=op.f("fk_contributor_figure_risk_id_risk"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("risk_id", name=op.f("pk_contributor_figure")),
    )


def downgrade():
    op.drop_table("contributor_figure")
