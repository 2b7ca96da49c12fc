"""accounts: owners' progress on countermeasures

Revision ID: 0013_accounts
Revises: 0008_certificates
Create Date: 2026-12-03 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013_accounts"
down_revision = "0008_certificates"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("countermeasure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("progress", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("countermeasure", schema=None) as batch_op:
        batch_op.drop_column("progress")
