from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from riskreg.clock import utcnow
from riskreg.extensions import db


class RiskEmbedding(db.Model):
    """A risk's sentence embedding (title and event), derived data kept for duplicate detection.

    ``vector`` holds int8 components; multiplied by ``scale`` they give a unit vector. ``text_hash``
    covers the model and the embedded text, so the embedding is recomputed only when either changes.
    """

    __tablename__ = "risk_embedding"

    risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(sa.String(64))
    text_hash: Mapped[str] = mapped_column(sa.String(64))
    scale: Mapped[float]
    vector: Mapped[bytes] = mapped_column(sa.LargeBinary)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<RiskEmbedding risk={self.risk_id} {self.model}>"


class RiskEmbeddingVersion(db.Model):
    """One row whose ``token`` becomes a fresh random number with every write to risk_embedding, in the same
    transaction. A process keeps its matrix of vectors until the token it was built from changes: one
    primary-key read per query instead of reading every vector (services.similarity)."""

    __tablename__ = "risk_embedding_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[int] = mapped_column(sa.BigInteger)
