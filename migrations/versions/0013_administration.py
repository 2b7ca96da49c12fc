"""administration: units can be retired; the organisation's risk appetite and review cadence

Revision ID: 0013_administration
Revises: 0012_accounts
Create Date: 2026-12-03 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013_administration"
down_revision = "0012_accounts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(), nullable=True))
    op.create_table("appetite_setting",
    sa.Column("category", sa.Enum("strategy", "governance", "operations", "legal", "property", "financial", "commercial", "people", "technology", "information", "security", "project", "reputational", name="category", native_enum=False, length=32), nullable=False),
    sa.Column("level", sa.Enum("averse", "minimal", "cautious", "open", "eager", name="appetitelevel", native_enum=False, length=32), nullable=False),
    sa.PrimaryKeyConstraint("category", name=op.f("pk_appetite_setting"))
    )
    op.create_table("cadence_setting",
    sa.Column("band", sa.Enum("low", "medium", "high", "very_high", name="band", native_enum=False, length=32), nullable=False),
    sa.Column("days", sa.Integer(), nullable=False),
    sa.CheckConstraint("days BETWEEN 1 AND 366", name=op.f("ck_cadence_setting_days_in_range")),
    sa.PrimaryKeyConstraint("band", name=op.f("pk_cadence_setting"))
    )


def downgrade():
    op.drop_table("cadence_setting")
    op.drop_table("appetite_setting")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
