"""Calibration of a unit's self-assessment: how often independent testing did not confirm its "effective".

For every 1st-line test that concluded "effective", the next independent test
(2nd line, 3rd line or external) of the same control is its check. The share of
checked 1st-line "effective" conclusions whose check was not "effective" tells
the reader how far to trust that unit's own conclusions (inspection 4.7, 4.9,
4.15). One query for every unit.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from riskreg.enums import AssuranceLine, Conclusion
from riskreg.extensions import db
from riskreg.models import ControlTest, Countermeasure, Register, Risk
from riskreg.rules.evidence import Period


@dataclass(frozen=True)
class Calibration:
    self_assessed: int  # 1st-line "effective" conclusions
    checked: int  # ... later tested independently
    not_confirmed: int  # ... where the independent test was not "effective"

    @property
    def share(self) -> float | None:
        return self.not_confirmed / self.checked if self.checked else None

    @property
    def text(self) -> str:
        """ "3 of 10 not confirmed (30%)", or why there is no figure."""
        if not self.checked:
            return "No 1st-line conclusion checked independently yet"
        return f"{self.not_confirmed} of {self.checked} not confirmed ({round(100 * (self.share or 0))}%)"


def by_unit(period: Period | None = None, until: date | None = None) -> dict[int, Calibration]:
    """Per unit id: 1st-line "effective" conclusions up to the end (of ``period``, or ``until``) and their checks."""
    end = period.end if period else until
    independent = aliased(ControlTest)
    check = (
        sa.select(independent.conclusion)
        .where(
            independent.countermeasure_id == ControlTest.countermeasure_id,
            independent.line != AssuranceLine.FIRST,
            independent.tested_on > ControlTest.tested_on,
        )
        .order_by(independent.tested_on, independent.id)
        .limit(1)
    )
    if end is not None:
        check = check.where(independent.tested_on <= end)
    query = (
        sa.select(Register.unit_id, check.scalar_subquery().label("checked_as"))
        .select_from(ControlTest)
        .join(Countermeasure, Countermeasure.id == ControlTest.countermeasure_id)
        .join(Risk, Risk.id == Countermeasure.risk_id)
        .join(Register, Register.id == Risk.register_id)
        .where(ControlTest.line == AssuranceLine.FIRST, ControlTest.conclusion == Conclusion.EFFECTIVE)
    )
    if end is not None:
        query = query.where(ControlTest.tested_on <= end)
    counts: dict[int, list[int]] = {}
    for unit_id, checked_as in db.session.execute(query):
        tally = counts.setdefault(unit_id, [0, 0, 0])
        tally[0] += 1
        if checked_as is not None:
            tally[1] += 1
            tally[2] += Conclusion(checked_as) is not Conclusion.EFFECTIVE
    return {unit_id: Calibration(*tally) for unit_id, tally in counts.items()}


def of_unit(unit_id: int, until: date) -> Calibration:
    return by_unit(until=until).get(unit_id, Calibration(0, 0, 0))
