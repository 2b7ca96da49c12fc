"""review_recent: reviews indexed by risk and date, so a risk's last two are read without reading the rest (issue 20)

Revision ID: 0025_review_recent
Revises: 0024_unit_appetite
Create Date: 2026-12-04 23:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_review_recent"
down_revision = "0024_unit_appetite"
branch_labels = None
depends_on = None


def upgrade():
    # It leads with risk_id, so it also answers what ix_review_risk_id did (a risk's reviews, the foreign key).
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index("ix_review_risk_recent", ["risk_id", "reviewed_on", "id"], unique=False)
        batch_op.drop_index("ix_review_risk_id")


def downgrade():
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index("ix_review_risk_id", ["risk_id"], unique=False)
        batch_op.drop_index("ix_review_risk_recent")
