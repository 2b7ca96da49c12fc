from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from riskreg.extensions import db
from riskreg.models.org import User


class AuditEvent(db.Model):
    """One append-only entry in the hash-chained audit trail.

    ``hash`` covers every other column and the previous event's hash, so an
    altered, inserted or deleted row breaks the chain from that point on.
    Deliberately no foreign keys: the trail outlives what it describes.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(sa.String(64))
    entity: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[int | None]
    # The risk an event concerns (itself, or the countermeasure's or review's risk),
    # so a risk's history is one indexed query.
    risk_id: Mapped[int | None] = mapped_column(index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    actor: Mapped[User | None] = relationship(primaryjoin="foreign(AuditEvent.actor_id) == User.id", viewonly=True)
