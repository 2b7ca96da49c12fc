"""accounts: owners' progress on countermeasures, password reset links, TOTP second factor and recovery codes

Revision ID: 0012_accounts
Revises: 0011_hardening
Create Date: 2026-12-03 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012_accounts"
down_revision = "0011_hardening"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("password_reset",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("token_hash", sa.String(length=64), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("expires_at", sa.DateTime(), nullable=False),
    sa.Column("used_at", sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_password_reset_user_id_app_user")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset")),
    sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_token_hash"))
    )
    with op.batch_alter_table("password_reset", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_reset_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("countermeasure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("progress", sa.Text(), server_default="", nullable=False))
    op.create_table("recovery_code",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("code_hash", sa.String(length=64), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("used_at", sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_recovery_code_user_id_app_user")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
    sa.UniqueConstraint("code_hash", name=op.f("uq_recovery_code_code_hash"))
    )
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_code_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_secret")
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_code_user_id"))
    op.drop_table("recovery_code")
    with op.batch_alter_table("password_reset", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_reset_user_id"))
    op.drop_table("password_reset")
    with op.batch_alter_table("countermeasure", schema=None) as batch_op:
        batch_op.drop_column("progress")
