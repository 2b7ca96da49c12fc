"""Measures (key risk and performance indicators) with tolerances, and their values per period (issue 19)."""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from riskreg.clock import utcnow
from riskreg.enums import MeasureDirection, MeasureFrequency
from riskreg.extensions import db
from riskreg.models.org import Unit, User
from riskreg.models.risk import Risk
from riskreg.models.types import enum_column_type
from riskreg.rules import measures as measure_rules


class ScaledDecimal(sa.types.TypeDecorator):
    """A decimal stored as a whole number of ten-thousandths (BIGINT): exact on every database, where SQLite's
    NUMERIC would round through floating point."""

    impl = sa.BigInteger
    cache_ok = True
    SCALE = Decimal(10) ** measure_rules.DECIMAL_PLACES

    def process_bind_param(self, value, dialect):
        return None if value is None else int((Decimal(value) * self.SCALE).to_integral_value())

    def process_result_value(self, value, dialect):
        return None if value is None else (Decimal(value) / self.SCALE).quantize(Decimal(1) / self.SCALE)


NUMBER = ScaledDecimal()

# Which risks a measure informs: a breach of its tolerance flags each of them for review.
measure_risk = sa.Table(
    "measure_risk",
    db.metadata,
    sa.Column("measure_id", sa.ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("risk_id", sa.ForeignKey("risk.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Measure(db.Model):
    __table_args__ = (sa.UniqueConstraint("unit_id", "name", name="uq_measure_unit_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    definition: Mapped[str] = mapped_column(sa.Text)  # what is counted, and how
    unit_of_measure: Mapped[str] = mapped_column(sa.String(40), default="")  # "failures", "%", "days"
    direction: Mapped[MeasureDirection] = mapped_column(enum_column_type(MeasureDirection))
    frequency: Mapped[MeasureFrequency] = mapped_column(enum_column_type(MeasureFrequency))
    green_limit: Mapped[Decimal] = mapped_column(NUMBER)
    red_limit: Mapped[Decimal] = mapped_column(NUMBER)
    source: Mapped[str] = mapped_column(sa.String(200), default="")  # where the figures come from
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    unit: Mapped[Unit] = relationship()
    risks: Mapped[list[Risk]] = relationship(secondary=measure_risk, order_by="Risk.ref")
    values: Mapped[list["MeasureValue"]] = relationship(
        back_populates="measure", order_by="MeasureValue.period_start", cascade="all, delete-orphan"
    )

    @property
    def tolerance(self) -> measure_rules.Tolerance:
        return measure_rules.Tolerance(self.direction, self.green_limit, self.red_limit)

    def period_label(self, start: date) -> str:
        return measure_rules.period_label(start, self.frequency)

    def __repr__(self) -> str:
        return f"<Measure {self.id} {self.name!r}>"


class MeasureValue(db.Model):
    """One period's value of a measure. A later value for the same period corrects it (audited)."""

    __table_args__ = (sa.UniqueConstraint("measure_id", "period_start", name="uq_measure_value_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(sa.ForeignKey("measure.id", ondelete="CASCADE"), index=True)
    # The first day of the month, or of the financial quarter, the value is for.
    period_start: Mapped[date]
    value: Mapped[Decimal] = mapped_column(NUMBER)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    measure: Mapped[Measure] = relationship(back_populates="values")
    recorded_by: Mapped[User | None] = relationship()

    @property
    def rating(self):
        return measure_rules.rate(self.value, self.measure.tolerance)

    @property
    def period_label(self) -> str:
        return self.measure.period_label(self.period_start)
