"""The Audit and Risk Committee's action log: requests raised at a meeting, carried until closed."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from riskreg.clock import utcnow
from riskreg.enums import CommitteeActionStatus
from riskreg.extensions import db
from riskreg.models.org import User
from riskreg.models.risk import Risk
from riskreg.models.types import enum_column_type


class CommitteeAction(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    request: Mapped[str] = mapped_column(sa.Text)
    risk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("risk.id"), index=True)  # the corporate risk, if any
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    raised_on: Mapped[date] = mapped_column(index=True)  # the meeting that asked for it
    due_on: Mapped[date]
    status: Mapped[CommitteeActionStatus] = mapped_column(
        enum_column_type(CommitteeActionStatus), default=CommitteeActionStatus.OPEN
    )
    closed_on: Mapped[date | None]
    closing_note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    risk: Mapped[Risk | None] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def is_open(self) -> bool:
        return self.status is CommitteeActionStatus.OPEN

    def was_open_on(self, day: date) -> bool:
        """Raised by ``day`` and not closed before it: on that meeting's log."""
        return self.raised_on <= day and (self.closed_on is None or self.closed_on >= day)

    def __repr__(self) -> str:
        return f"<CommitteeAction {self.id} {self.status.value}>"
