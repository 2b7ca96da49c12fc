"""similarity: risk embeddings

Revision ID: 0004_similarity
Revises: 0003_assurance
Create Date: 2026-11-26 05:52:34.753462

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004_similarity"
down_revision = "0003_assurance"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('risk_embedding',
    sa.Column('risk_id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=64), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('scale', sa.Float(), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['risk_id'], ['risk.id'], name=op.f('fk_risk_embedding_risk_id_risk'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('risk_id', name=op.f('pk_risk_embedding'))
    )
    version = op.create_table('risk_embedding_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_embedding_version'))
    )
    # The single row whose token changes with every write to risk_embedding.
    op.bulk_insert(version, [{"id": 1, "token": 0}])


def downgrade():
    op.drop_table('risk_embedding_version')
    op.drop_table('risk_embedding')
