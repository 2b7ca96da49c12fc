"""The three-lines assurance map: controls x lines, the latest assurance from each line, gaps marked.

It takes any list of risks, so the same map serves a register, one risk, and
(for the committee) a corporate risk with the risks that contribute to it.
A fixed number of queries whatever the number of risks, controls and tests.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from riskreg.enums import AssuranceLine, Conclusion, CountermeasureStatus, EvidenceStrength, RiskStatus
from riskreg.extensions import db
from riskreg.models import Countermeasure, Register, Risk
from riskreg.rules import evidence as evidence_rules
from riskreg.rules.evidence import Assessment
from riskreg.services.assurance import control_tests
from riskreg.services.assurance.control_tests import LatestTest


@dataclass(frozen=True)
class MapCell:
    line: AssuranceLine
    test: LatestTest | None  # the latest test from this line, however old
    current: bool  # that test is inside the 12-month window

    @property
    def is_gap(self) -> bool:
        return not self.current


@dataclass(frozen=True)
class MapRow:
    countermeasure: Countermeasure
    cells: tuple[MapCell, ...]
    assessment: Assessment

    @property
    def assured(self) -> bool:
        return any(cell.current for cell in self.cells)

    @property
    def independently_assured(self) -> bool:
        return any(cell.current and cell.line.is_independent for cell in self.cells)

    @property
    def found_ineffective(self) -> bool:
        basis = self.assessment.basis
        return basis is not None and basis.conclusion is Conclusion.INEFFECTIVE


@dataclass
class RiskGroup:
    risk: Risk
    rows: list[MapRow] = field(default_factory=list)


@dataclass
class AssuranceMap:
    as_of: date
    window_start: date
    groups: list[RiskGroup]
    lines: tuple[AssuranceLine, ...] = tuple(AssuranceLine)

    @property
    def rows(self) -> list[MapRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def risks_without_controls(self) -> list[Risk]:
        return [group.risk for group in self.groups if not group.rows]

    @property
    def unassured(self) -> list[MapRow]:
        return [row for row in self.rows if not row.assured]

    @property
    def self_assessed_only(self) -> list[MapRow]:
        return [row for row in self.rows if row.assured and not row.independently_assured]

    @property
    def ineffective(self) -> list[MapRow]:
        return [row for row in self.rows if row.found_ineffective]

    def count(self, strength: EvidenceStrength) -> int:
        return sum(1 for row in self.rows if row.assessment.strength is strength)


def _cells(tests: list[LatestTest], as_of: date, months: int) -> tuple[MapCell, ...]:
    by_line = {test.line: test for test in tests if test.line_rank == 1}
    return tuple(
        MapCell(
            line,
            by_line.get(line),
            evidence_rules.is_current(getattr(by_line.get(line), "tested_on", None), as_of, months),
        )
        for line in AssuranceLine
    )


def build(risks: Sequence[Risk], as_of: date) -> AssuranceMap:
    """The map for ``risks`` (in the order given), over their countermeasures that are in place."""
    countermeasures = (
        db.session.scalars(
            sa.select(Countermeasure)
            .where(
                Countermeasure.risk_id.in_([risk.id for risk in risks]),
                Countermeasure.status == CountermeasureStatus.IN_PLACE,
            )
            .order_by(Countermeasure.risk_id, Countermeasure.id)
        ).all()
        if risks
        else []
    )
    latest = control_tests.latest_tests([countermeasure.id for countermeasure in countermeasures], as_of)
    assessments = control_tests.current_assessments(countermeasures, as_of, latest)
    months = control_tests.window_months()
    groups = {risk.id: RiskGroup(risk) for risk in risks}
    for countermeasure in countermeasures:
        cells = _cells(latest.get(countermeasure.id, []), as_of, months)
        groups[countermeasure.risk_id].rows.append(MapRow(countermeasure, cells, assessments[countermeasure.id]))
    return AssuranceMap(as_of, evidence_rules.window_start(as_of, months), list(groups.values()))


def register_risks(register: Register, include_restricted: bool) -> list[Risk]:
    """The open risks a register's map covers, in reference order."""
    query = sa.select(Risk).where(Risk.register_id == register.id, Risk.status == RiskStatus.OPEN)
    if not include_restricted:
        query = query.where(Risk.restricted.is_(False))
    return list(db.session.scalars(query.order_by(Risk.id)))
