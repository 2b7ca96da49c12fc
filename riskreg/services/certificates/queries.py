"""Reading certificates of assurance: loading, grading each assertion by its evidence, and the HQ roll-up.

A draft is graded live: each linked countermeasure's evidence strength for the
certificate's financial year, judged on the year's last day (or today while the
year runs), and each assertion as strong as its weakest countermeasure (DESIGN
rule 4.5). A signed certificate is shown as it was signed: from its stored
snapshot, never recomputed. The workflow is in services.certificates.workflow.
"""

import json
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from riskreg.enums import CertificateStatus, Declaration, EvidenceStrength, Opinion, RiskStatus, UnitKind
from riskreg.extensions import db
from riskreg.models import Assertion, Certificate, CertificateSection, Countermeasure, Measure, Risk, Unit
from riskreg.rules import certificates as rules
from riskreg.rules import evidence as evidence_rules
from riskreg.rules import measure_evidence, scoring
from riskreg.rules import opinion as opinion_rules
from riskreg.rules.certificates import Declared, Problem
from riskreg.rules.evidence import Assessment, Period
from riskreg.rules.opinion import Proposal
from riskreg.services import NotFoundError, registers
from riskreg.services.assurance import calibration as calibration_service
from riskreg.services.assurance import control_tests
from riskreg.services.assurance.calibration import Calibration
from riskreg.services.assurance.control_tests import LatestTest
from riskreg.services.certificates import disclosures, division, reliance, since
from riskreg.services.certificates import measures as cited
from riskreg.services.certificates.division import UnitCertificate
from riskreg.services.certificates.measures import MeasureLine
from riskreg.services.certificates.statement import statement_of

KIND_ORDER = {UnitKind.HEADQUARTERS: 0, UnitKind.AREA: 1, UnitKind.DIVISION: 2, UnitKind.UNIT: 3}


@dataclass(frozen=True)
class CountermeasureLine:
    id: int
    risk_ref: str
    risk_title: str
    title: str
    status: str
    strength: EvidenceStrength
    reason: str


@dataclass(frozen=True)
class AssertionLine:
    id: int
    statement: str
    declaration: Declaration | None
    exception_text: str
    strength: EvidenceStrength
    reason: str
    countermeasures: list[CountermeasureLine]
    # Per countermeasure id: why it supports this statement, and an open challenge's reason (read live).
    link_reasons: dict[int, str] = field(default_factory=dict)
    challenges: dict[int, str] = field(default_factory=dict)
    measures: list[MeasureLine] = field(default_factory=list)  # the unit's measures it cites as evidence

    @property
    def declared(self) -> Declared:
        return Declared(self.id, self.statement, self.declaration, self.exception_text, self.strength)

    @property
    def problem(self) -> str | None:
        return rules.declaration_problem(self.declaration, rules.is_sufficient(self.strength), self.exception_text)


@dataclass(frozen=True)
class SectionLine:
    title: str
    assertions: list[AssertionLine]

    @property
    def strength(self) -> EvidenceStrength | None:
        return min((a.strength for a in self.assertions), key=lambda s: s.rank, default=None)


@dataclass(frozen=True)
class IssueLine:
    id: int | None  # None in a signed certificate's snapshot
    issue: str
    action: str
    owner: str
    due_on: date


@dataclass(frozen=True)
class SinceEvent:
    on: date
    kind: str
    ref: str
    text: str

    @property
    def label(self) -> str:
        return since.KIND_LABELS.get(self.kind, self.kind)


@dataclass
class CertificateView:
    """A certificate as shown on its page and printed: live for a draft, as signed once signed.

    Everything is judged as at ``judged_on`` (the period end); ``since`` lists what happened after it.
    """

    certificate: Certificate
    period: Period
    judged_on: date
    sections: list[SectionLine]
    disclosures: dict[str, Any]
    live: bool
    tests: dict[int, list[LatestTest]] = field(default_factory=dict)  # live only: the tests that count
    statement: str = ""
    proposal: Proposal = Proposal(Opinion.NO_ASSURANCE, ())
    chosen_opinion: Opinion | None = None  # the head's, when not the proposed one
    opinion_reason: str = ""
    issues: list[IssueLine] = field(default_factory=list)
    since: dict[str, Any] = field(default_factory=lambda: {"items": []})
    units: list[UnitCertificate] = field(default_factory=list)  # a division's: its units' certificates

    @property
    def opinion(self) -> Opinion:
        return self.chosen_opinion or self.proposal.opinion

    @property
    def opinion_wording(self) -> str:
        return opinion_rules.OPINION_WORDING[self.opinion]

    @property
    def since_events(self) -> list[SinceEvent]:
        return [
            SinceEvent(date.fromisoformat(item["on"]), item["kind"], item["ref"], item["text"])
            for item in self.since.get("items", [])
        ]

    @property
    def since_until(self) -> date | None:
        return date.fromisoformat(self.since["to"]) if self.since.get("to") else None

    @property
    def content_problems(self) -> list[str]:
        """What stops signing beyond the assertions: an opinion other than the proposed one, unexplained. (The
        proposal moves with the evidence, so an opinion chosen earlier may need its reason later.)"""
        problem = opinion_rules.opinion_problem(self.chosen_opinion, self.proposal.opinion, self.opinion_reason)
        return [problem] if problem else []

    @property
    def issues_missing(self) -> str | None:
        """A warning, not a refusal: a qualified certificate should name its significant issues (certificates
        signed before issues were recorded have none, and a head may judge that nothing rises to one)."""
        return opinion_rules.issues_needed(self.opinion, (a.declaration for a in self.assertions), len(self.issues))

    def declaration_count(self, declaration: Declaration | None) -> int:
        return sum(1 for assertion in self.assertions if assertion.declaration is declaration)

    def strength_count(self, strength: EvidenceStrength) -> int:
        return sum(1 for assertion in self.assertions if assertion.strength is strength)

    @property
    def assertions(self) -> list[AssertionLine]:
        return [assertion for section in self.sections for assertion in section.assertions]

    @property
    def problems(self) -> list[Problem]:
        return rules.signing_problems(assertion.declared for assertion in self.assertions)

    @property
    def exception_count(self) -> int:
        return rules.count_exceptions(assertion.declaration for assertion in self.assertions)

    @property
    def disclosed_on(self) -> date:
        return date.fromisoformat(self.disclosures["as_of"])

    @property
    def disclosure_count(self) -> int:
        return disclosures.count(self.disclosures)

    @property
    def weakest(self) -> tuple[EvidenceStrength | None, list[str]]:
        return rules.weakest_sections((s.title, [a.strength for a in s.assertions]) for s in self.sections)


def _eager():
    assertions = selectinload(Certificate.sections).selectinload(CertificateSection.assertions)
    return (
        joinedload(Certificate.unit).joinedload(Unit.register),
        joinedload(Certificate.prepared_by),
        joinedload(Certificate.signed_by),
        joinedload(Certificate.validated_by),
        assertions.selectinload(Assertion.countermeasures).joinedload(Countermeasure.risk),
        assertions.selectinload(Assertion.measures).selectinload(Measure.values),
        selectinload(Certificate.issues),
    )


def get_certificate(certificate_id: int) -> Certificate:
    """A certificate with its unit, people, sections, assertions and linked countermeasures: fixed queries."""
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.id == certificate_id).options(*_eager()))
    if certificate is None:
        raise NotFoundError()
    return certificate


def get_assertion(certificate: Certificate, assertion_id: int) -> Assertion:
    for assertion in certificate.assertions:
        if assertion.id == assertion_id:
            return assertion
    raise NotFoundError()


def get_unit(code: str) -> Unit:
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == code.upper()).options(joinedload(Unit.register)))
    if unit is None or unit.register is None:
        raise NotFoundError()
    return unit


def certificates_of(unit: Unit) -> list[Certificate]:
    """A unit's certificates, newest period and version first."""
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.unit_id == unit.id)
            .options(joinedload(Certificate.signed_by), joinedload(Certificate.validated_by))
            .order_by(Certificate.period.desc(), Certificate.version.desc())
        )
    )


def versions_of(unit: Unit, period: str) -> list[Certificate]:
    """Every version of a unit's certificate for a period, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.unit_id == unit.id, Certificate.period == period)
            .order_by(Certificate.version)
        )
    )


def current_draft(unit: Unit, period: str) -> Certificate | None:
    """The version being prepared (draft or submitted) for a unit and period, if there is one."""
    drafts = [c for c in versions_of(unit, period) if c.status in rules.EDITABLE]
    return get_certificate(drafts[-1].id) if drafts else None


# Grading ---------------------------------------------------------------------------------------------------


def _countermeasure_line(countermeasure: Countermeasure, assessment: Assessment) -> CountermeasureLine:
    risk = countermeasure.risk
    title = disclosures.WITHHELD if risk.restricted else countermeasure.title
    return CountermeasureLine(
        countermeasure.id,
        risk.ref,
        disclosures.risk_name(risk),
        title,
        countermeasure.status.label,
        assessment.strength,
        assessment.reason,
    )


def grade_countermeasures(
    countermeasures: list[Countermeasure], period: Period, as_of: date
) -> tuple[dict[int, Assessment], dict[int, list[LatestTest]]]:
    """Each countermeasure's strength for ``period`` judged on ``as_of``, and the tests that count. One query."""
    latest = control_tests.latest_tests([countermeasure.id for countermeasure in countermeasures], as_of)
    months = control_tests.window_months()
    first, last = evidence_rules.counting_window(period, as_of, months)
    assessments, counting = {}, {}
    for countermeasure in countermeasures:
        tests = latest.get(countermeasure.id, [])
        assessments[countermeasure.id] = evidence_rules.assess(
            countermeasure.status, [test.fact for test in tests], period, as_of, months
        )
        counting[countermeasure.id] = [test for test in tests if first <= test.tested_on <= last]
    return assessments, counting


@dataclass(frozen=True)
class AssertionGrades:
    """Every assertion of some certificates graded for one period, with what the grading rested on."""

    assertions: dict[int, Assessment]
    countermeasures: dict[int, Assessment]
    counting: dict[int, list[LatestTest]]
    reasons: dict[tuple[int, int], str]
    challenges: dict[tuple[int, int], str]
    measures: dict[int, MeasureLine]  # each cited measure's line for the period, by measure id


def grade_assertions(assertions: list[Assertion], period: Period, as_of: date) -> AssertionGrades:
    """Rule 4.5 for assertions: challenged links do not count; whole-period wording needs tests across the
    period; a risk above appetite needs independent evidence; cited measures cap the grade over the period
    (riskreg.rules.measure_evidence). A fixed number of queries."""
    linked = {cm.id: cm for assertion in assertions for cm in assertion.countermeasures}
    assessments, counting = grade_countermeasures(list(linked.values()), period, as_of)
    first, last = evidence_rules.counting_window(period, as_of, control_tests.window_months())
    dates = control_tests.test_dates(list(linked), first, last)
    ids = [assertion.id for assertion in assertions]
    challenged = {key: challenge.reason for key, challenge in reliance.open_challenges(ids).items()}
    scoring_rules = registers.rules()
    measures = {measure.id: measure for assertion in assertions for measure in assertion.measures}
    verdicts = cited.assess(measures.values(), period, as_of)
    graded = {}
    for assertion in assertions:
        links = [
            evidence_rules.LinkFact(
                assessments[cm.id],
                cm.risk.ref,
                scoring.is_above_appetite(cm.risk.residual_score, cm.risk.category, scoring_rules, cm.risk.register_id),
                (assertion.id, cm.id) in challenged,
                dates.get(cm.id, ()),
            )
            for cm in assertion.countermeasures
        ]
        graded[assertion.id] = measure_evidence.combine(
            evidence_rules.assess_assertion(assertion.statement, links, period, control_tests.period_quarters()),
            [verdicts[measure.id] for measure in assertion.measures],
            len(assertion.countermeasures),
        )
    lines = {key: cited.line(measures[key], verdict) for key, verdict in verdicts.items()}
    return AssertionGrades(graded, assessments, counting, reliance.link_reasons(ids), challenged, lines)


def _per_countermeasure(found: dict[tuple[int, int], str], assertion_id: int) -> dict[int, str]:
    return {cm_id: text for (a_id, cm_id), text in found.items() if a_id == assertion_id}


def _issue_lines(certificate: Certificate) -> list[IssueLine]:
    return [IssueLine(i.id, i.issue, i.action, i.owner, i.due_on) for i in certificate.issues]


def _live_view(certificate: Certificate, today: date) -> CertificateView:
    period = rules.period_of(certificate.period)
    as_of = rules.judged_on(period, today)
    grades = grade_assertions(certificate.assertions, period, as_of)
    sections = []
    for section in certificate.sections:
        lines = []
        for assertion in section.assertions:
            graded = grades.assertions[assertion.id]
            cm_lines = [_countermeasure_line(cm, grades.countermeasures[cm.id]) for cm in assertion.countermeasures]
            lines.append(
                AssertionLine(
                    assertion.id,
                    assertion.statement,
                    assertion.declaration,
                    assertion.exception_text,
                    graded.strength,
                    graded.reason,
                    cm_lines,
                    _per_countermeasure(grades.reasons, assertion.id),
                    _per_countermeasure(grades.challenges, assertion.id),
                    [grades.measures[measure.id] for measure in assertion.measures],
                )
            )
        sections.append(SectionLine(section.title, lines))
    lines = [line for section in sections for line in section.assertions]
    disclosed = disclosures.compute(certificate.unit, as_of)
    if grades.measures:  # only a certificate citing measures says whether they were within tolerance
        disclosed["groups"].append(cited.disclosure(grades.measures.values()))
    units = (
        division.unit_certificates(certificate.unit, period.label) if division.covers_units(certificate.unit) else []
    )
    if units:
        disclosed["groups"].append(division.disclosure(units))
    return CertificateView(
        certificate,
        period,
        as_of,
        sections,
        disclosed,
        live=True,
        tests=grades.counting,
        statement=statement_of(certificate),
        proposal=opinion_rules.propose(
            (a.strength for a in lines), (a.declaration for a in lines), division.opinions(units)
        ),
        units=units,
        chosen_opinion=certificate.opinion,
        opinion_reason=certificate.opinion_reason,
        issues=_issue_lines(certificate),
        since=since.events(certificate.unit, period.end, today),
    )


def _frozen_view(certificate: Certificate) -> CertificateView:
    """A signed certificate exactly as its snapshot records it."""
    data = json.loads(certificate.snapshot or "{}")
    countermeasures = {
        item["id"]: CountermeasureLine(
            item["id"],
            item["risk"]["ref"],
            item["risk"]["title"],
            item["title"],
            item["status"],
            EvidenceStrength(item["strength"]),
            item["reason"],
        )
        for item in data["countermeasures"]
    }
    challenged = reliance.open_challenges(assertion.id for assertion in certificate.assertions)
    measures = cited.from_snapshot(data.get("measures", []))
    sections = [
        SectionLine(
            section["title"],
            [
                AssertionLine(
                    item["id"],
                    item["statement"],
                    Declaration(item["declaration"]),
                    item["exception_text"],
                    EvidenceStrength(item["strength"]),
                    item["reason"],
                    [countermeasures[cm_id] for cm_id in item["countermeasure_ids"]],
                    {int(k): v for k, v in item.get("link_reasons", {}).items()},
                    {cm_id: c.reason for (a_id, cm_id), c in challenged.items() if a_id == item["id"]},
                    [measures[measure_id] for measure_id in item.get("measure_ids", [])],
                )
                for item in section["assertions"]
            ],
        )
        for section in data["sections"]
    ]
    period = rules.period_of(certificate.period)
    opinion = data.get("opinion") or {}
    chosen = opinion.get("chosen")
    lines = [line for section in sections for line in section.assertions]
    # Signed before opinions were recorded: proposed again from what was signed, never a default.
    proposal = (
        Proposal(Opinion(opinion["proposed"]), tuple(opinion.get("basis", ())))
        if "proposed" in opinion
        else opinion_rules.propose((a.strength for a in lines), (a.declaration for a in lines))
    )
    return CertificateView(
        certificate,
        period,
        date.fromisoformat(data["judged_on"]),
        sections,
        certificate.disclosures or data["disclosures"],
        live=False,
        # Certificates signed before these were added have none: they show as signed, without them.
        statement=data.get("statement", ""),
        proposal=proposal,
        chosen_opinion=Opinion(chosen) if chosen else None,
        opinion_reason=opinion.get("reason", ""),
        issues=[
            IssueLine(None, item["issue"], item["action"], item["owner"], date.fromisoformat(item["due_on"]))
            for item in data.get("issues", [])
        ],
        since=data.get("since_period_end", {"items": []}),
        units=division.from_snapshot(data.get("units", [])),
    )


def view(certificate: Certificate, today: date) -> CertificateView:
    return _frozen_view(certificate) if certificate.is_frozen else _live_view(certificate, today)


# Linking countermeasures -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkableRisk:
    risk: Risk
    countermeasures: list[tuple[Countermeasure, Assessment]]


def linkable(certificate: Certificate, today: date) -> list[LinkableRisk]:
    """Countermeasures an assertion may rest on: those of the unit's open risks that are not restricted
    (a certificate is read by everyone), grouped by risk, each with its strength for the period."""
    risks = db.session.scalars(
        sa.select(Risk)
        .where(
            Risk.register_id == certificate.unit.register.id, Risk.status == RiskStatus.OPEN, Risk.restricted.is_(False)
        )
        .options(selectinload(Risk.countermeasures))
        .order_by(Risk.id)
    ).all()
    period = rules.period_of(certificate.period)
    everything = [cm for risk in risks for cm in risk.countermeasures]
    assessments, _counting = grade_countermeasures(everything, period, rules.judged_on(period, today))
    return [
        LinkableRisk(risk, [(cm, assessments[cm.id]) for cm in risk.countermeasures])
        for risk in risks
        if risk.countermeasures
    ]


def countermeasures_by_id(ids: set[int]) -> list[Countermeasure]:
    if not ids:
        return []
    query = sa.select(Countermeasure).where(Countermeasure.id.in_(ids)).options(joinedload(Countermeasure.risk))
    return list(db.session.scalars(query.order_by(Countermeasure.id)))


def linkable_ids(certificate: Certificate) -> set[int]:
    query = (
        sa.select(Countermeasure.id)
        .join(Countermeasure.risk)
        .where(
            Risk.register_id == certificate.unit.register.id, Risk.status == RiskStatus.OPEN, Risk.restricted.is_(False)
        )
    )
    return set(db.session.scalars(query))


# HQ roll-up -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RollupRow:
    unit: Unit
    certificate: Certificate | None  # the latest version for the period
    assertions: int = 0
    exceptions: int = 0
    not_assured: int = 0
    weakest: EvidenceStrength | None = None
    weakest_sections: tuple[str, ...] = ()
    contradicted: int = 0  # assertions contradicted after signing
    calibration: "Calibration | None" = None


def _rollup_row(unit: Unit, certificate: Certificate, strengths: dict[int, EvidenceStrength]) -> RollupRow:
    declarations = [assertion.declaration for assertion in certificate.assertions]
    weakest, titles = rules.weakest_sections(
        (section.title, [strengths[assertion.id] for assertion in section.assertions])
        for section in certificate.sections
    )
    not_assured = sum(1 for declaration in declarations if declaration is Declaration.NOT_ASSURED)
    return RollupRow(
        unit, certificate, len(declarations), rules.count_exceptions(declarations), not_assured, weakest, tuple(titles)
    )


def rollup(period: Period, today: date) -> list[RollupRow]:
    """Every unit with its latest certificate for ``period``: a fixed number of queries however many units."""
    units = sorted(db.session.scalars(sa.select(Unit)), key=lambda unit: (KIND_ORDER[unit.kind], unit.name))
    latest: dict[int, Certificate] = {}
    for certificate in db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.period == period.label)
        .options(*_eager())
        .order_by(Certificate.version)
    ).unique():
        latest[certificate.unit_id] = certificate
    strengths = {a.id: a.signed_strength for c in latest.values() if c.is_frozen for a in c.assertions}
    drafts = [c for c in latest.values() if not c.is_frozen]
    grades = grade_assertions([a for c in drafts for a in c.assertions], period, rules.judged_on(period, today))
    strengths.update({key: graded.strength for key, graded in grades.assertions.items()})
    contradicted = reliance.contradiction_counts([c.id for c in latest.values() if c.is_frozen])
    calibration = calibration_service.by_unit(period)
    return [
        replace(
            _rollup_row(unit, latest[unit.id], strengths),
            contradicted=contradicted.get(latest[unit.id].id, 0),
            calibration=calibration.get(unit.id),
        )
        if unit.id in latest
        else RollupRow(unit, None, calibration=calibration.get(unit.id))
        for unit in units
    ]


def rollup_periods(today: date) -> list[str]:
    """Periods to offer on the roll-up: those with certificates, and the one being certified now."""
    found = set(db.session.scalars(sa.select(Certificate.period).distinct()))
    found.add(rules.certifying_period(today).label)
    return sorted(found, reverse=True)


def status_counts(rows: list[RollupRow]) -> dict[str, int]:
    counts = {status.value: 0 for status in CertificateStatus}
    counts["none"] = 0
    for row in rows:
        counts[row.certificate.status.value if row.certificate else "none"] += 1
    return counts
