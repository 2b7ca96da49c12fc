from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from riskreg.clock import utcnow
from riskreg.extensions import db


class RiskEmbedding(db.Model):
    """A risk's sentence embedding (title and event), derived data kept for duplicate detection.

    ``vector`` holds int8 components; multiplied by ``scale`` they give a unit vector. ``text_hash``
    covers the model and the embedded text, so the embedding is recomputed only when either changes.
    ``stamp`` is a fresh random number on every write: the sum over all rows changes whenever any row
    does, which lets each process keep its matrix of vectors until then (services.similarity).
    """

    __tablename__ = "risk_embedding"

    risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(sa.String(64))
    text_hash: Mapped[str] = mapped_column(sa.String(64))
    scale: Mapped[float]
    vector: Mapped[bytes] = mapped_column(sa.LargeBinary)
    stamp: Mapped[int]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<RiskEmbedding risk={self.risk_id} {self.model}>"
