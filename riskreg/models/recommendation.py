"""Recommendations from the inspectorate, the National Audit Office and internal audit (DESIGN capability 15)."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from riskreg.clock import utcnow
from riskreg.enums import RecommendationSource, RecommendationStatus
from riskreg.extensions import db
from riskreg.models.assurance import Evidence
from riskreg.models.org import Unit, User
from riskreg.models.risk import Countermeasure, Risk
from riskreg.models.types import enum_column_type
from riskreg.rules import recommendations as rules

recommendation_risk = sa.Table(
    "recommendation_risk",
    db.metadata,
    sa.Column("recommendation_id", sa.ForeignKey("recommendation.id"), primary_key=True),
    sa.Column("risk_id", sa.ForeignKey("risk.id"), primary_key=True, index=True),
)
recommendation_countermeasure = sa.Table(
    "recommendation_countermeasure",
    db.metadata,
    sa.Column("recommendation_id", sa.ForeignKey("recommendation.id"), primary_key=True),
    sa.Column("countermeasure_id", sa.ForeignKey("countermeasure.id"), primary_key=True, index=True),
)
# Evidence of implementation: the evidence store's own items (files fingerprinted and checked on download).
recommendation_evidence = sa.Table(
    "recommendation_evidence",
    db.metadata,
    sa.Column("recommendation_id", sa.ForeignKey("recommendation.id"), primary_key=True),
    sa.Column("evidence_id", sa.ForeignKey("evidence.id"), primary_key=True, index=True),
)


class SourceReport(db.Model):
    """The report a recommendation comes from: an inspection, an NAO study, an internal audit report."""

    __tablename__ = "source_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[RecommendationSource] = mapped_column(enum_column_type(RecommendationSource), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.String(200))  # who published it: "HM Crown Prosecution Service Inspectorate"
    published_on: Mapped[date]

    def __repr__(self) -> str:
        return f"<SourceReport {self.id} {self.title!r}>"


class Recommendation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("source_report.id"), index=True)
    paragraph: Mapped[str] = mapped_column(sa.String(20))  # the report's paragraph number, "4.11"
    text: Mapped[str] = mapped_column(sa.Text)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    due_on: Mapped[date]
    status: Mapped[RecommendationStatus] = mapped_column(
        enum_column_type(RecommendationStatus), default=RecommendationStatus.ACCEPTED, index=True
    )
    # Why it was not accepted, or the owner's latest word on progress.
    status_note: Mapped[str] = mapped_column(sa.Text, default="")
    implemented_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The optimistic lock, as on risks and countermeasures: an edit from an older version is refused.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    report: Mapped[SourceReport] = relationship()
    unit: Mapped[Unit] = relationship()
    owner: Mapped[User | None] = relationship()
    risks: Mapped[list[Risk]] = relationship(secondary=recommendation_risk, order_by="Risk.ref")
    countermeasures: Mapped[list[Countermeasure]] = relationship(
        secondary=recommendation_countermeasure, order_by="Countermeasure.id"
    )
    evidence: Mapped[list[Evidence]] = relationship(secondary=recommendation_evidence, order_by="Evidence.id")

    @property
    def source(self) -> RecommendationSource:
        return self.report.source

    def is_overdue(self, as_of: date) -> bool:
        return rules.is_overdue(self.status, self.due_on, as_of)

    def __repr__(self) -> str:
        return f"<Recommendation {self.id} {self.paragraph} {self.status.value}>"
