"""hardening: an optimistic lock on countermeasures

Revision ID: 0011_hardening
Revises: 0010_import
Create Date: 2026-12-03 13:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011_hardening"
down_revision = "0010_import"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("countermeasure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table("countermeasure", schema=None) as batch_op:
        batch_op.drop_column("version")
