"""committee actions: the Audit and Risk Committee's action log, carried from meeting to meeting

Revision ID: 0018_committee_actions
Revises: 0017_recommendations
Create Date: 2026-12-03 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018_committee_actions"
down_revision = "0017_recommendations"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("committee_action",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("request", sa.Text(), nullable=False),
    sa.Column("risk_id", sa.Integer(), nullable=True),
    sa.Column("owner_id", sa.Integer(), nullable=False),
    sa.Column("raised_on", sa.Date(), nullable=False),
    sa.Column("due_on", sa.Date(), nullable=False),
    sa.Column("status", sa.Enum("open", "done", "dropped", name="committeeactionstatus", native_enum=False, create_constraint=False, length=32), nullable=False),
    sa.Column("closed_on", sa.Date(), nullable=True),
    sa.Column("closing_note", sa.Text(), nullable=False),
    sa.Column("created_by_id", sa.Integer(), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["risk_id"], ["risk.id"], name=op.f("fk_committee_action_risk_id_risk")),
    sa.ForeignKeyConstraint(["owner_id"], ["app_user.id"], name=op.f("fk_committee_action_owner_id_app_user")),
    sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"], name=op.f("fk_committee_action_created_by_id_app_user")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_action"))
    )
    with op.batch_alter_table("committee_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_committee_action_risk_id"), ["risk_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_committee_action_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_committee_action_raised_on"), ["raised_on"], unique=False)


def downgrade():
    with op.batch_alter_table("committee_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_action_raised_on"))
        batch_op.drop_index(batch_op.f("ix_committee_action_owner_id"))
        batch_op.drop_index(batch_op.f("ix_committee_action_risk_id"))
    op.drop_table("committee_action")
