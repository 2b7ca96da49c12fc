"""import: category, objective and influence may be "not yet set" on imported risks; an owner to confirm

Revision ID: 0010_import
Revises: 0009_evidence
Create Date: 2026-12-03 13:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0010_import"
down_revision = "0009_evidence"
branch_labels = None
depends_on = None

ENUM_COLUMNS = ("category", "objective", "influence")


def upgrade():
    with op.batch_alter_table("risk", schema=None) as batch_op:
        for name in ENUM_COLUMNS:
            batch_op.alter_column(name, existing_type=sa.String(length=32), nullable=True)
        batch_op.add_column(sa.Column("owner_to_confirm", sa.String(length=200), nullable=True))


def downgrade():
    # Risks still "not yet set" cannot go back to a schema that requires a value: set the form's defaults.
    for name, value in (("category", "operations"), ("objective", "quality"), ("influence", "medium")):
        column = sa.column(name)
        op.execute(sa.table("risk", column).update().where(column.is_(None)).values({name: value}))
    with op.batch_alter_table("risk", schema=None) as batch_op:
        batch_op.drop_column("owner_to_confirm")
        for name in ENUM_COLUMNS:
            batch_op.alter_column(name, existing_type=sa.String(length=32), nullable=False)
