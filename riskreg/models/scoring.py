"""The organisation's own risk appetite and review cadence, set by administrators (issue 17).

A category or band with no row here takes the installation's default (riskreg.rules.scoring.ScoringRules,
from configuration), so an empty table behaves exactly as before.
"""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from riskreg.enums import AppetiteLevel, Band
from riskreg.extensions import db
from riskreg.models.types import enum_column_type
from riskreg.models.vocabulary import CODE_LENGTH


class AppetiteSetting(db.Model):
    """The organisation's appetite for one category of risk."""

    __tablename__ = "appetite_setting"

    # A risk category's code (riskreg/models/vocabulary.py).
    category: Mapped[str] = mapped_column(sa.String(CODE_LENGTH), sa.ForeignKey("risk_category.code"), primary_key=True)
    level: Mapped[AppetiteLevel] = mapped_column(enum_column_type(AppetiteLevel))


class UnitAppetite(db.Model):
    """A unit's own appetite for one category, over the organisation's; its subtree inherits it (issue 17).

    ``category`` is a risk category's code (riskreg/models/vocabulary.py), as in ``appetite_setting``."""

    __tablename__ = "unit_appetite"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(CODE_LENGTH), sa.ForeignKey("risk_category.code"), primary_key=True)
    level: Mapped[AppetiteLevel] = mapped_column(enum_column_type(AppetiteLevel))


class CadenceSetting(db.Model):
    """Days between reviews of a risk whose residual score is in one band."""

    __tablename__ = "cadence_setting"
    __table_args__ = (sa.CheckConstraint("days BETWEEN 1 AND 366", name="days_in_range"),)

    band: Mapped[Band] = mapped_column(enum_column_type(Band), primary_key=True)
    days: Mapped[int]
