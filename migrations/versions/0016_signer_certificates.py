"""signer certificates: each signer's own certificate, issued by the organisation's CA, key kept encrypted

Revision ID: 0016_signer_certificates
Revises: 0015_register_figures
Create Date: 2026-12-03 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016_signer_certificates"
down_revision = "0015_register_figures"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("signer_certificate",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("serial", sa.String(length=64), nullable=False),
    sa.Column("subject", sa.String(length=600), nullable=False),
    sa.Column("title", sa.String(length=200), nullable=False),
    sa.Column("not_before", sa.DateTime(), nullable=False),
    sa.Column("not_after", sa.DateTime(), nullable=False),
    sa.Column("certificate", sa.LargeBinary(), nullable=False),
    sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
    sa.Column("key_salt", sa.LargeBinary(), nullable=False),
    sa.Column("issued_at", sa.DateTime(), nullable=False),
    sa.Column("replaced_at", sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_signer_certificate_user_id_app_user")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_signer_certificate")),
    sa.UniqueConstraint("serial", name=op.f("uq_signer_certificate_serial"))
    )
    with op.batch_alter_table("signer_certificate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signer_certificate_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("signer_certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signer_certificate_user_id"))
    op.drop_table("signer_certificate")
