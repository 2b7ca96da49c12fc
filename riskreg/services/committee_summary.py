"""What the committee reads first: a summary row per corporate risk, the residual heat map, each corporate
risk's controls with their latest tests and evidence strength, and the certificate exceptions of the units
whose risks inform it. A fixed number of queries however many risks there are.

It takes the entries ``committee.committee_view`` (or ``committee.pack``) made, so it adds to them without
changing how they are built.
"""

import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from riskreg.enums import AppetiteLevel, AssuranceLine, CertificateStatus, CountermeasureStatus, EvidenceStrength
from riskreg.extensions import db
from riskreg.models import Assertion, Certificate, CertificateSection, ControlTest, Countermeasure, Unit
from riskreg.rules import evidence as evidence_rules
from riskreg.rules import heatmap, scoring
from riskreg.services.assurance import control_tests
from riskreg.services.assurance import map as assurance_map
from riskreg.services.assurance.map import MapRow, RiskGroup
from riskreg.services.committee import CommitteePage, CorporateEntry, PageEntry
from riskreg.services.registers import rules


@dataclass(frozen=True)
class Coverage:
    """How far a corporate risk's own controls (those in place) are assured in the 12-month window: "tested"
    always means a test inside that window."""

    controls: int
    tested: int  # with a current test from any line
    independent: int  # with a current test from the 2nd or 3rd line or external assurance
    lines: tuple[AssuranceLine, ...]  # the lines with a current test of at least one control
    weakest: EvidenceStrength | None

    @classmethod
    def of(cls, rows: Sequence[MapRow]) -> "Coverage":
        lines = tuple(
            line for line in AssuranceLine if any(c.current and c.line is line for r in rows for c in r.cells)
        )
        weakest = min((row.assessment.strength for row in rows), key=lambda s: s.rank, default=None)
        return cls(
            len(rows),
            sum(1 for row in rows if row.assured),
            sum(1 for row in rows if row.independently_assured),
            lines,
            weakest,
        )

    @property
    def text(self) -> str:
        if not self.controls:
            return "No controls in place"
        return f"{self.tested} of {self.controls} controls tested, {self.independent} independently"


@dataclass
class SummaryRow:
    entry: CorporateEntry
    appetite: AppetiteLevel
    coverage: Coverage
    controls: list[MapRow]

    @property
    def anchor(self) -> str:
        return f"risk-{self.entry.risk.ref}"

    @property
    def alert_count(self) -> int:
        return len(self.entry.alerts)


@dataclass
class CommitteeSummary:
    rows: list[SummaryRow]
    heatmap: list[list[heatmap.Cell]]
    as_of: date

    @property
    def heatmap_cells(self) -> list[heatmap.Cell]:
        return heatmap.occupied(self.heatmap)

    def heatmap_svg(self, title: str = "Residual heat map of open corporate risks") -> str:
        return heatmap.svg(self.heatmap, title, rules())


def summarise(entries: Sequence[CorporateEntry], as_of: date) -> CommitteeSummary:
    """The summary of ``entries`` (in their order), with controls judged for the 12 months to ``as_of``."""
    groups: dict[int, RiskGroup] = {
        group.risk.id: group for group in assurance_map.build([entry.risk for entry in entries], as_of).groups
    }
    rows = [
        SummaryRow(
            entry,
            scoring.appetite_of(entry.risk.category, rules(), entry.risk.register_id),
            Coverage.of(groups[entry.risk.id].rows),
            groups[entry.risk.id].rows,
        )
        for entry in entries
    ]
    points = [(e.risk.ref, e.risk.residual_l, e.risk.residual_i) for e in entries if e.risk.is_open]
    return CommitteeSummary(rows, heatmap.grid(points), as_of)


def coverage_counts(risk_ids: Sequence[int], as_of: date) -> dict[int, Coverage]:
    """Per risk, how many of its controls in place were tested in the 12 months to ``as_of``, and how many by an
    independent line: the page's figures, counted by the database (the pack's ``summarise`` builds the whole map,
    with each control's evidence strength, which the page does not show). One query."""
    start = evidence_rules.window_start(as_of, control_tests.window_months())
    values = {"risks": list(risk_ids), "start": start, "as_of": as_of}
    return {
        risk_id: Coverage(controls, int(tested_count or 0), int(independent_count or 0), (), None)
        for risk_id, controls, tested_count, independent_count in db.session.execute(_coverage_query(), values)
    }


@functools.cache
def _coverage_query() -> sa.Select:
    """``coverage_counts``'s query, built once (the ids and the window's dates are parameters): building a query and
    working out its cache key cost SQLAlchemy about as much as running it (issue 20)."""
    start, as_of = sa.bindparam("start", type_=sa.Date), sa.bindparam("as_of", type_=sa.Date)
    in_window = sa.and_(ControlTest.countermeasure_id == Countermeasure.id, ControlTest.tested_on.between(start, as_of))
    tested = sa.exists().where(in_window)
    independent = sa.exists().where(in_window, ControlTest.line != AssuranceLine.FIRST)
    return (
        sa.select(
            Countermeasure.risk_id,
            sa.func.count(),
            sa.func.sum(sa.case((tested, 1), else_=0)),
            sa.func.sum(sa.case((independent, 1), else_=0)),
        )
        .where(
            Countermeasure.risk_id.in_(sa.bindparam("risks", expanding=True)),
            Countermeasure.status == CountermeasureStatus.IN_PLACE,
        )
        .group_by(Countermeasure.risk_id)
    )


NO_CONTROLS = Coverage(0, 0, 0, (), None)


def page_summary(page: CommitteePage, as_of: date) -> CommitteeSummary:
    """The committee page's summary (``committee.committee_page``): a row per corporate risk on the page, as
    ``summarise`` makes them but with the coverage counted rather than every control judged, and the heat map of
    every open corporate risk the filters keep, on this page or another."""
    entries: Sequence[PageEntry] = page.page.items
    coverage = coverage_counts([entry.risk.id for entry in entries], as_of) if entries else {}
    rows = [
        SummaryRow(
            entry,  # type: ignore[arg-type] - a PageEntry has what a summary row reads of an entry
            scoring.appetite_of(entry.risk.category, rules(), entry.risk.register_id),
            coverage.get(entry.risk.id, NO_CONTROLS),
            [],
        )
        for entry in entries
    ]
    return CommitteeSummary(rows, heatmap.grid(page.points), as_of)


# Certificate exceptions of the units that inform each corporate risk ---------------------------------------------


@dataclass
class UnitCertificate:
    unit: Unit
    certificate: Certificate | None  # its latest signed certificate, None when it has none
    # (section title, assertion): exceptions resting on controls of the unit's risks that inform the corporate risk
    related: list[tuple[str, Assertion]] = field(default_factory=list)
    exception_count: int = 0  # every exception in the certificate


SIGNED = (CertificateStatus.SIGNED, CertificateStatus.VALIDATED, CertificateStatus.CHALLENGED)


def _latest_signed(unit_ids: set[int]) -> dict[int, Certificate]:
    if not unit_ids:
        return {}
    found = db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.unit_id.in_(unit_ids), Certificate.status.in_(SIGNED))
        .options(
            selectinload(Certificate.sections)
            .selectinload(CertificateSection.assertions)
            .selectinload(Assertion.countermeasures)
        )
        .order_by(Certificate.period, Certificate.version)
    )
    return {certificate.unit_id: certificate for certificate in found}  # the latest period and version wins


def _unit_certificate(unit: Unit, certificate: Certificate | None, risk_ids: set[int]) -> UnitCertificate:
    if certificate is None:
        return UnitCertificate(unit, None)
    exceptions = [(s.title, a) for s in certificate.sections for a in s.assertions if a.has_exception]
    related = [(title, a) for title, a in exceptions if any(c.risk_id in risk_ids for c in a.countermeasures)]
    return UnitCertificate(unit, certificate, related, len(exceptions))


def certificate_exceptions(entries: Sequence[CorporateEntry]) -> dict[int, list[UnitCertificate]]:
    """Per corporate risk id: each unit whose risks contribute to it, with its latest signed certificate's
    exceptions (assertions declared assured with exceptions, or not assured) that rest on those risks' controls,
    and how many exceptions the certificate declares in all."""
    contributing: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))  # risk -> unit -> risks
    units: dict[int, Unit] = {}
    for entry in entries:
        for group in entry.groups:
            units[group.register.unit.id] = group.register.unit
            contributing[entry.risk.id][group.register.unit.id] |= {c.risk.id for c in group.contributors}
    latest = _latest_signed(set(units))
    return {
        entry.risk.id: [
            _unit_certificate(units[unit_id], latest.get(unit_id), risk_ids)
            for unit_id, risk_ids in sorted(contributing[entry.risk.id].items(), key=lambda item: units[item[0]].name)
        ]
        for entry in entries
    }
