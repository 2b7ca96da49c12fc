"""certificate content: the statement of responsibility, the head's opinion, significant issues and actions;
an optimistic lock on the certificate template

Revision ID: 0020_certificate_content
Revises: 0019_jobs
Create Date: 2026-12-03 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020_certificate_content"
down_revision = "0019_jobs"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificate_template", schema=None) as batch_op:
        batch_op.add_column(sa.Column("statement", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("lock_version", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("statement", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("opinion", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("opinion_reason", sa.Text(), server_default="", nullable=False))
    op.create_table("certificate_issue",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("certificate_id", sa.Integer(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("issue", sa.Text(), nullable=False),
    sa.Column("action", sa.Text(), nullable=False),
    sa.Column("owner", sa.String(length=200), nullable=False),
    sa.Column("due_on", sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(["certificate_id"], ["certificate.id"], name=op.f("fk_certificate_issue_certificate_id_certificate")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_issue"))
    )
    with op.batch_alter_table("certificate_issue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_issue_certificate_id"), ["certificate_id"], unique=False)


def downgrade():
    with op.batch_alter_table("certificate_issue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_issue_certificate_id"))
    op.drop_table("certificate_issue")
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_column("opinion_reason")
        batch_op.drop_column("opinion")
        batch_op.drop_column("statement")
    with op.batch_alter_table("certificate_template", schema=None) as batch_op:
        batch_op.drop_column("lock_version")
        batch_op.drop_column("statement")
