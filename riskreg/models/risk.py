from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from riskreg.clock import utcnow
from riskreg.enums import (
    ControlFrequency,
    CountermeasureKind,
    CountermeasureStatus,
    Influence,
    ReviewOutcome,
    RiskStatus,
)
from riskreg.extensions import db
from riskreg.models.org import Register, User
from riskreg.models.types import enum_column_type
from riskreg.models.vocabulary import CODE_LENGTH
from riskreg.rules import scoring

RATING_CHECK = "BETWEEN 1 AND 5"


def _rating_checks(*columns: str) -> tuple[sa.CheckConstraint, ...]:
    return tuple(sa.CheckConstraint(f"{c} {RATING_CHECK}", name=f"{c}_range") for c in columns)


class Risk(db.Model):
    __table_args__ = (
        *_rating_checks("inherent_l", "inherent_i", "residual_l", "residual_i", "target_l", "target_i"),
        # Reviews overdue per register, counted from the index alone (riskreg/services/figures.py).
        sa.Index("ix_risk_review_due", "status", "next_review_on", "register_id", "restricted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    register_id: Mapped[int] = mapped_column(sa.ForeignKey("register.id"), index=True)
    # The unit code and a number (LN-007); unit codes are unique, so refs are too.
    ref: Mapped[str] = mapped_column(sa.String(24), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    cause: Mapped[str] = mapped_column(sa.Text)
    event: Mapped[str] = mapped_column(sa.Text)
    consequence: Mapped[str] = mapped_column(sa.Text)
    # "Not yet set" (None) only for imported risks: import first, tidy later; HQ's checks flag them incomplete.
    # Codes of the organisation's own categories and objectives (riskreg/models/vocabulary.py).
    category: Mapped[str | None] = mapped_column(sa.String(CODE_LENGTH), sa.ForeignKey("risk_category.code"))
    objective: Mapped[str | None] = mapped_column(sa.String(CODE_LENGTH), sa.ForeignKey("strategic_objective.code"))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    # The owner a register named who matched nobody in riskreg, kept for the register's manager to resolve.
    owner_to_confirm: Mapped[str | None] = mapped_column(sa.String(200))
    influence: Mapped[Influence | None] = mapped_column(enum_column_type(Influence))
    inherent_l: Mapped[int]
    inherent_i: Mapped[int]
    residual_l: Mapped[int]
    residual_i: Mapped[int]
    target_l: Mapped[int]
    target_i: Mapped[int]
    status: Mapped[RiskStatus] = mapped_column(enum_column_type(RiskStatus), default=RiskStatus.OPEN)
    closed_reason: Mapped[str | None] = mapped_column(sa.Text)
    restricted: Mapped[bool] = mapped_column(default=False)
    review_frequency_days: Mapped[int]
    next_review_on: Mapped[date | None] = mapped_column(index=True)
    last_reviewed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    register: Mapped[Register] = relationship()
    owner: Mapped[User | None] = relationship()
    countermeasures: Mapped[list["Countermeasure"]] = relationship(back_populates="risk", order_by="Countermeasure.id")
    reviews: Mapped[list["Review"]] = relationship(
        back_populates="risk", order_by="(Review.reviewed_on.desc(), Review.id.desc())"
    )

    @property
    def inherent_score(self) -> int:
        return scoring.score(self.inherent_l, self.inherent_i)

    @property
    def residual_score(self) -> int:
        return scoring.score(self.residual_l, self.residual_i)

    @property
    def target_score(self) -> int:
        return scoring.score(self.target_l, self.target_i)

    @property
    def is_open(self) -> bool:
        return self.status is RiskStatus.OPEN

    def __repr__(self) -> str:
        return f"<Risk {self.ref}>"


class Countermeasure(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[CountermeasureKind] = mapped_column(enum_column_type(CountermeasureKind))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    status: Mapped[CountermeasureStatus] = mapped_column(
        enum_column_type(CountermeasureStatus), default=CountermeasureStatus.PLANNED
    )
    due_on: Mapped[date | None]
    implemented_on: Mapped[date | None]
    # How often the control operates; it sets the minimum sample a test needs (None: not recorded).
    frequency: Mapped[ControlFrequency | None] = mapped_column(enum_column_type(ControlFrequency))
    # The owner's latest word on how an action is going (issue 17): owners report it without editing the rest.
    progress: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The optimistic lock, as on risks: an edit made from an older version is refused, never silently lost.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    risk: Mapped[Risk] = relationship(back_populates="countermeasures")
    owner: Mapped[User | None] = relationship()

    def is_overdue(self, today: date) -> bool:
        """An action still planned after its due date."""
        return self.status is CountermeasureStatus.PLANNED and self.due_on is not None and self.due_on < today

    def __repr__(self) -> str:
        return f"<Countermeasure {self.id} {self.title!r}>"


class Review(db.Model):
    __table_args__ = (
        *_rating_checks("residual_l", "residual_i"),
        # A risk's reviews, latest last: its last two (its trend) are read from the end (riskreg/services/links.py).
        sa.Index("ix_review_risk_recent", "risk_id", "reviewed_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id"))
    reviewed_on: Mapped[date]
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    residual_l: Mapped[int]
    residual_i: Mapped[int]
    commentary: Mapped[str] = mapped_column(sa.Text)
    outcome: Mapped[ReviewOutcome] = mapped_column(enum_column_type(ReviewOutcome))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    risk: Mapped[Risk] = relationship(back_populates="reviews")
    reviewer: Mapped[User | None] = relationship()

    @property
    def residual_score(self) -> int:
        return scoring.score(self.residual_l, self.residual_i)
