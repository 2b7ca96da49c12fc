"""unit_appetite: a unit's own risk appetite per category, over the organisation's (issue 17)

Revision ID: 0024_unit_appetite
Revises: 0023_objectives
Create Date: 2026-12-04 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0024_unit_appetite"
down_revision = "0023_objectives"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("unit_appetite",
    sa.Column("unit_id", sa.Integer(), nullable=False),
    sa.Column("category", sa.String(length=32), nullable=False),
    sa.Column("level", sa.Enum("averse", "minimal", "cautious", "open", "eager", name="appetitelevel", native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(["category"], ["risk_category.code"], name=op.f("fk_unit_appetite_category_risk_category")),
    sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_unit_appetite_unit_id_unit")),
    sa.PrimaryKeyConstraint("unit_id", "category", name=op.f("pk_unit_appetite"))
    )


def downgrade():
    op.drop_table("unit_appetite")
