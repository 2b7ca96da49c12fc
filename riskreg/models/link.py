from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from riskreg.clock import utcnow
from riskreg.enums import LinkKind
from riskreg.extensions import db
from riskreg.models.org import User
from riskreg.models.risk import Risk
from riskreg.models.types import enum_column_type


class RiskLink(db.Model):
    """A typed link from one risk to a risk in another register (``from`` contributes to ``to``)."""

    __table_args__ = (
        sa.UniqueConstraint("from_risk_id", "to_risk_id", "kind", name="uq_risk_link"),
        sa.CheckConstraint("from_risk_id <> to_risk_id", name="no_self_link"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id"), index=True)
    to_risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id"), index=True)
    kind: Mapped[LinkKind] = mapped_column(enum_column_type(LinkKind))
    rationale: Mapped[str] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    from_risk: Mapped[Risk] = relationship(foreign_keys=[from_risk_id])
    to_risk: Mapped[Risk] = relationship(foreign_keys=[to_risk_id])
    created_by: Mapped[User | None] = relationship()

    def other_end(self, risk_id: int) -> Risk:
        return self.to_risk if self.from_risk_id == risk_id else self.from_risk

    def __repr__(self) -> str:
        return f"<RiskLink {self.from_risk_id} {self.kind} {self.to_risk_id}>"


class Comment(db.Model):
    """A remark on a risk by the Audit and Risk Committee or the HQ risk team, for the risk's owners."""

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    risk: Mapped[Risk] = relationship()
    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Comment {self.id} on risk {self.risk_id}>"
