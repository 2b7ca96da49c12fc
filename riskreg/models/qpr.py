"""Quarterly performance reviews (issue 19): the actions agreed at them, carried until their exit criterion is
met, and the evidence cited for a review's explanation that blames a partner."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from riskreg.clock import utcnow
from riskreg.enums import QprActionStatus
from riskreg.extensions import db
from riskreg.models.measure import Measure
from riskreg.models.org import Unit, User
from riskreg.models.risk import Review, Risk
from riskreg.models.types import enum_column_type


class QprAction(db.Model):
    """An action agreed at a unit's quarterly performance review: an owner, a due date and an exit criterion
    (what ends the monitoring). It is carried into every later quarter's pack until it is closed, and it is
    closed only by saying how the exit criterion was met (inspection 3.13-3.15)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    agreed_in: Mapped[date]  # the first day of the quarter whose review agreed it
    title: Mapped[str] = mapped_column(sa.String(200))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    due_on: Mapped[date]
    exit_criterion: Mapped[str] = mapped_column(sa.Text)
    risk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("risk.id"), index=True)
    measure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("measure.id", ondelete="SET NULL"), index=True)
    status: Mapped[QprActionStatus] = mapped_column(enum_column_type(QprActionStatus), default=QprActionStatus.OPEN)
    closed_on: Mapped[date | None]
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    closure_note: Mapped[str | None] = mapped_column(sa.Text)  # how the exit criterion was met
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    unit: Mapped[Unit] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    risk: Mapped[Risk | None] = relationship()
    measure: Mapped[Measure | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status is QprActionStatus.OPEN

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_on < today


class PartnerEvidence(db.Model):
    """The evidence a review cites for an explanation that blames a partner (the police, the courts): a measure,
    or a document named by its title and where to find it (inspection 3.16, 4.21)."""

    __table_args__ = (
        sa.CheckConstraint("measure_id IS NOT NULL OR document_title IS NOT NULL", name="cites_something"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("measure.id", ondelete="SET NULL"))
    document_title: Mapped[str | None] = mapped_column(sa.String(200))
    document_reference: Mapped[str | None] = mapped_column(sa.String(500))  # a link or a file reference
    cited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    cited_at: Mapped[datetime] = mapped_column(default=utcnow)

    review: Mapped[Review] = relationship()
    measure: Mapped[Measure | None] = relationship()
    cited_by: Mapped[User | None] = relationship()
