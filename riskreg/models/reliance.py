"""What happens to an assertion after it is signed: challenges to its links, and contradicting events.

Both are records of their own beside the certificate, so the signed certificate
(its snapshot and PDF) never changes while its standing is followed.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from riskreg.clock import utcnow
from riskreg.enums import ContradictionKind
from riskreg.extensions import db
from riskreg.models.certificate import Assertion, Certificate
from riskreg.models.org import User
from riskreg.models.risk import Countermeasure, Risk
from riskreg.models.types import enum_column_type


class LinkChallenge(db.Model):
    """Internal audit or the HQ risk team doubting that a countermeasure supports an assertion.

    While unanswered, the link does not count towards the assertion's evidence.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    assertion_id: Mapped[int] = mapped_column(sa.ForeignKey("assertion.id", ondelete="CASCADE"), index=True)
    countermeasure_id: Mapped[int] = mapped_column(sa.ForeignKey("countermeasure.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    raised_by_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    answered_at: Mapped[datetime | None]

    assertion: Mapped[Assertion] = relationship()
    countermeasure: Mapped[Countermeasure] = relationship()
    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class Contradiction(db.Model):
    """An event after signing that contradicts an assertion signed as assured ("assurance contradicted")."""

    __table_args__ = (sa.UniqueConstraint("assertion_id", "kind", "source_id", name="uq_contradiction_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id"), index=True)
    assertion_id: Mapped[int] = mapped_column(sa.ForeignKey("assertion.id"), index=True)
    risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id"), index=True)
    kind: Mapped[ContradictionKind] = mapped_column(enum_column_type(ContradictionKind))
    # The control test or review that contradicted it.
    source_id: Mapped[int]
    occurred_on: Mapped[date]
    summary: Mapped[str] = mapped_column(sa.Text)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)

    certificate: Mapped[Certificate] = relationship()
    assertion: Mapped[Assertion] = relationship()
    risk: Mapped[Risk] = relationship()
