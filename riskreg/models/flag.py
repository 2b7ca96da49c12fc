"""HQ quality flags on risks, the conversation about them, remembered dismissals and register health."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from riskreg.clock import utcnow
from riskreg.enums import FlagKind, FlagResolution, FlagStatus
from riskreg.extensions import db
from riskreg.models.org import Register, User
from riskreg.models.risk import Risk
from riskreg.models.types import enum_column_type


class Flag(db.Model):
    """Something the HQ risk team should look at on a risk (or, for a possible duplicate, on a pair of risks).

    ``condition_key`` names the condition (kind and risk, or kind and unordered pair). It is set while the
    flag stands for that condition: while it is open or acknowledged, and after a decision (resolved or
    dismissed) for as long as the condition lasts. Being unique, it stops a scan raising the same flag twice;
    a scan sets it to NULL once the condition no longer holds, so the flag can be raised afresh if it returns.
    """

    __table_args__ = (sa.CheckConstraint("other_risk_id IS NULL OR other_risk_id <> risk_id", name="flag_pair_of_two"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FlagKind] = mapped_column(enum_column_type(FlagKind), index=True)
    # For a pair flag: the lower-level (or newer) risk, and in other_risk the higher-level (or older) one.
    risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id"), index=True)
    other_risk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("risk.id"), index=True)
    condition_key: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    score: Mapped[float | None]  # similarity of a possible duplicate
    method: Mapped[str | None] = mapped_column(sa.String(32))  # which stage found a duplicate
    # The risk's staleness score (rule 4.7) at the latest scan, for ranking.
    staleness: Mapped[int] = mapped_column(default=0)
    status: Mapped[FlagStatus] = mapped_column(enum_column_type(FlagStatus), default=FlagStatus.OPEN, index=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")  # what the scan found, in words
    raised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))  # None: a scan
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    acknowledged_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))  # None and resolved: a scan
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[FlagResolution | None] = mapped_column(enum_column_type(FlagResolution))
    reason: Mapped[str | None] = mapped_column(sa.Text)  # why it was resolved or dismissed
    # Counts decisions on the flag, for the optimistic lock (riskreg.services.flags.decisions); not the scans'.
    decision_version: Mapped[int] = mapped_column(default=1, server_default="1")

    risk: Mapped[Risk] = relationship(foreign_keys=[risk_id])
    other_risk: Mapped[Risk | None] = relationship(foreign_keys=[other_risk_id])
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    @property
    def is_live(self) -> bool:
        return self.status.is_live

    @property
    def is_duplicate(self) -> bool:
        """A flag about a pair of risks (a possible duplicate, or a repeat of a higher-level risk)."""
        return self.kind.is_pair

    def __repr__(self) -> str:
        return f"<Flag {self.id} {self.kind.value} risk={self.risk_id} {self.status.value}>"


class FlagComment(db.Model):
    """Feedback on a flag from the HQ risk team, and the register owners' replies."""

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(sa.ForeignKey("flag.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    flag: Mapped[Flag] = relationship()
    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<FlagComment {self.id} on flag {self.flag_id}>"


class DismissedPair(db.Model):
    """Two risks the HQ risk team decided are not duplicates: never proposed as duplicates again.

    Stored lowest id first, so (a, b) and (b, a) are the same row."""

    __table_args__ = (
        sa.UniqueConstraint("low_risk_id", "high_risk_id", name="uq_dismissed_pair"),
        sa.CheckConstraint("low_risk_id < high_risk_id", name="dismissed_pair_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    low_risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id"))
    high_risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    dismissed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    dismissed_at: Mapped[datetime] = mapped_column(default=utcnow)
    flag_id: Mapped[int | None] = mapped_column(sa.ForeignKey("flag.id"))


class RegisterHealth(db.Model):
    """One register's health on one day, stored by the scan so the trend is real."""

    __tablename__ = "register_health"
    __table_args__ = (sa.UniqueConstraint("register_id", "taken_on", name="uq_register_health_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    register_id: Mapped[int] = mapped_column(sa.ForeignKey("register.id"), index=True)
    taken_on: Mapped[date] = mapped_column(index=True)
    score: Mapped[int]
    open_risks: Mapped[int]
    flagged_risks: Mapped[int]
    overdue_reviews: Mapped[int]
    mean_staleness: Mapped[float]

    register: Mapped[Register] = relationship()
