"""Control tests on countermeasures, the test cadence, and evidence strength (DESIGN rule 4.5)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from riskreg import policy
from riskreg.clock import today
from riskreg.config import settings
from riskreg.enums import AssuranceLine, Conclusion, ControlTestMethod, CountermeasureStatus, TestNature
from riskreg.extensions import db
from riskreg.models import ControlTest, Countermeasure, Evidence, Register, Risk, User, control_test_evidence
from riskreg.rules import evidence as evidence_rules
from riskreg.rules.evidence import Assessment, ControlTestFact, Period
from riskreg.services import NotAllowed, NotFoundError, ServiceError
from riskreg.services.assurance import evidence as evidence_service
from riskreg.services.assurance.evidence import EvidenceInput
from riskreg.services.audit import trail as audit
from riskreg.services.certificates import reliance

TEST_FIELDS = (
    "tested_on",
    "line",
    "method",
    "nature",
    "population",
    "sample_size",
    "exceptions",
    "exceptions_tolerated",
    "conclusion",
    "notes",
)


def window_months() -> int:
    return settings().test_window_months


def minimum_samples() -> Mapping:
    return settings().minimum_samples


def minimum_sample_of(countermeasure: Countermeasure) -> int | None:
    return evidence_rules.minimum_sample(countermeasure.frequency, minimum_samples())


def period_quarters() -> int:
    return settings().period_quarters


def get_countermeasure(ref: str, countermeasure_id: int) -> Countermeasure:
    """A countermeasure by its risk's reference and its id, with the risk, register and unit (one query)."""
    countermeasure = db.session.scalar(
        sa.select(Countermeasure)
        .join(Countermeasure.risk)
        .where(Risk.ref == ref.upper(), Countermeasure.id == countermeasure_id)
        .options(
            joinedload(Countermeasure.risk).joinedload(Risk.register).joinedload(Register.unit),
            joinedload(Countermeasure.owner),
        )
    )
    if countermeasure is None:
        raise NotFoundError()
    return countermeasure


def tests_of(countermeasure: Countermeasure) -> list[ControlTest]:
    """Every test of a countermeasure, newest first, with testers and evidence: three queries however many."""
    evidence = selectinload(ControlTest.evidence)
    return list(
        db.session.scalars(
            sa.select(ControlTest)
            .where(ControlTest.countermeasure_id == countermeasure.id)
            .options(
                joinedload(ControlTest.tester),
                evidence.joinedload(Evidence.uploaded_by),
                # Whether evidence may be deleted depends on every test relying on it, wherever it is.
                evidence.selectinload(Evidence.control_tests)
                .joinedload(ControlTest.countermeasure)
                .joinedload(Countermeasure.risk)
                .joinedload(Risk.register)
                .joinedload(Register.unit),
            )
            .order_by(ControlTest.tested_on.desc(), ControlTest.id.desc())
        )
    )


def get_test(countermeasure: Countermeasure, test_id: int) -> ControlTest:
    test = db.session.scalar(
        sa.select(ControlTest)
        .where(ControlTest.id == test_id, ControlTest.countermeasure_id == countermeasure.id)
        .options(joinedload(ControlTest.tester), selectinload(ControlTest.evidence))
    )
    if test is None:
        raise NotFoundError()
    return test


def _check_sample(values: dict[str, Any]) -> None:
    sample_size, exceptions = values.get("sample_size"), values.get("exceptions") or 0
    population, tolerated = values.get("population"), values.get("exceptions_tolerated") or 0
    if sample_size is not None and sample_size < 1:
        raise ServiceError("The sample size must be 1 or more")
    if population is not None and population < 1:
        raise ServiceError("The population must be 1 or more")
    if exceptions < 0 or tolerated < 0:
        raise ServiceError("The number of exceptions cannot be negative")
    if sample_size is not None and exceptions > sample_size:
        raise ServiceError("The number of exceptions cannot be more than the sample size")
    if sample_size is not None and population is not None and sample_size > population:
        raise ServiceError("The sample size cannot be more than the population")


def _check_conclusion(countermeasure: Countermeasure, values: dict[str, Any]) -> None:
    """Refuse an "effective" that the test's own design, sample or exceptions contradict."""
    if values["conclusion"] is not Conclusion.EFFECTIVE:
        return
    design = values.get("nature") is TestNature.DESIGN
    if values.get("method") is ControlTestMethod.WALKTHROUGH and not design:
        raise ServiceError("A walkthrough tests design only: record it as a test of design", field="nature")
    # A design test looks at how the control is built, not at a sample of its operation.
    minimum = None if design else evidence_rules.minimum_sample(countermeasure.frequency, minimum_samples())
    exceptions, tolerated = values.get("exceptions") or 0, values.get("exceptions_tolerated") or 0
    problem = evidence_rules.sample_problem(values.get("sample_size"), exceptions, tolerated, minimum)
    if problem:
        if minimum is not None and "minimum" in problem:
            problem += f" ({countermeasure.frequency.label.lower()})"
        raise ServiceError(
            f"The test cannot conclude effective: {problem}. Record it as partially effective or ineffective, "
            "or test a larger sample",
            field="conclusion",
        )


def _check_test(countermeasure: Countermeasure, values: dict[str, Any], actor: User) -> None:
    risk = countermeasure.risk
    line: AssuranceLine = values["line"]
    if line not in policy.assurance_lines(actor, risk):
        raise NotAllowed(f"You cannot record {line.short_label} tests on this risk")
    if not risk.is_open:
        raise ServiceError("The countermeasures of a closed risk cannot be tested")
    if countermeasure.status is not CountermeasureStatus.IN_PLACE:
        raise ServiceError("Only a countermeasure that is in place can be tested")
    tested_on: date = values["tested_on"]
    if tested_on > today():
        raise ServiceError("The date of the test must be today or in the past")
    if countermeasure.implemented_on and tested_on < countermeasure.implemented_on:
        raise ServiceError(
            "The date of the test must be on or after the date the countermeasure was put in place, "
            f"{evidence_rules.long_date(countermeasure.implemented_on)}"
        )
    _check_sample(values)
    _check_conclusion(countermeasure, values)


def record_control_test(
    countermeasure: Countermeasure, values: dict[str, Any], actor: User, evidence: Sequence[EvidenceInput] = ()
) -> ControlTest:
    """Record a test, with any evidence submitted alongside it. Everything is checked before anything is written."""
    _check_test(countermeasure, values, actor)
    prepared = [evidence_service.prepare(item, actor) for item in evidence]
    test = ControlTest(countermeasure=countermeasure, tester=actor, **{name: values.get(name) for name in TEST_FIELDS})
    test.exceptions = test.exceptions or 0
    test.exceptions_tolerated = test.exceptions_tolerated or 0
    test.nature = test.nature or TestNature.OPERATING
    test.notes = (test.notes or "").strip()
    db.session.add(test)
    db.session.flush()
    snapshot = {name: getattr(test, name) for name in TEST_FIELDS} | {"countermeasure_id": countermeasure.id}
    audit.record(actor, "control_test.recorded", "control_test", test.id, snapshot, risk_id=countermeasure.risk_id)
    evidence_service.attach_new(test, prepared, actor)
    reliance.after_control_test(test)
    return test


def assess_countermeasure(
    countermeasure: Countermeasure, tests: Iterable[ControlTest], period: Period, as_of: date
) -> Assessment:
    facts = [test.fact(minimum_samples()) for test in tests]
    return evidence_rules.assess(countermeasure.status, facts, period, as_of, window_months())


@dataclass(frozen=True, kw_only=True)
class LatestTest(ControlTestFact):
    """A test that may decide a countermeasure's standing: the latest of its line, or on its latest date."""

    id: int
    countermeasure_id: int
    line_rank: int

    @property
    def fact(self) -> ControlTestFact:
        """The plain fact, equal to the one the ControlTest row gives."""
        return ControlTestFact(**{item.name: getattr(self, item.name) for item in fields(ControlTestFact)})


def latest_tests(countermeasure_ids: Sequence[int], as_of: date) -> dict[int, list[LatestTest]]:
    """Per countermeasure: the latest test from each line, and every test on its latest date. One query.

    That is all rule 4.5 needs for the rolling window ending ``as_of`` and all
    the assurance map shows, without loading years of history.
    """
    if not countermeasure_ids:
        return {}
    has_evidence = sa.exists().where(control_test_evidence.c.control_test_id == ControlTest.id)
    newest_first = (ControlTest.tested_on.desc(), ControlTest.id.desc())
    ranked = (
        sa.select(
            ControlTest.id,
            ControlTest.countermeasure_id,
            ControlTest.tested_on,
            ControlTest.line,
            ControlTest.conclusion,
            has_evidence.label("has_evidence"),
            ControlTest.method,
            ControlTest.nature,
            ControlTest.sample_size,
            ControlTest.exceptions,
            ControlTest.exceptions_tolerated,
            Countermeasure.frequency,
            sa.func.row_number()
            .over(partition_by=(ControlTest.countermeasure_id, ControlTest.line), order_by=newest_first)
            .label("line_rank"),
            sa.func.rank()
            .over(partition_by=ControlTest.countermeasure_id, order_by=ControlTest.tested_on.desc())
            .label("date_rank"),
        )
        .join(Countermeasure, Countermeasure.id == ControlTest.countermeasure_id)
        .where(ControlTest.countermeasure_id.in_(countermeasure_ids), ControlTest.tested_on <= as_of)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(ranked)
        .where(sa.or_(ranked.c.line_rank == 1, ranked.c.date_rank == 1))
        .order_by(ranked.c.countermeasure_id, ranked.c.tested_on.desc(), ranked.c.id.desc())
    )
    found: dict[int, list[LatestTest]] = {}
    minimums = minimum_samples()
    for row in rows:
        found.setdefault(row.countermeasure_id, []).append(
            LatestTest(
                id=row.id,
                countermeasure_id=row.countermeasure_id,
                line_rank=row.line_rank,
                tested_on=row.tested_on,
                line=row.line,
                conclusion=row.conclusion,
                has_evidence=bool(row.has_evidence),
                method=row.method,
                nature=row.nature,
                sample_size=row.sample_size,
                exceptions=row.exceptions,
                tolerated=row.exceptions_tolerated,
                minimum_sample=evidence_rules.minimum_sample(row.frequency, minimums),
            )
        )
    return found


def test_dates(countermeasure_ids: Sequence[int], first: date, last: date) -> dict[int, tuple[date, ...]]:
    """Per countermeasure, the days it was tested between ``first`` and ``last`` (coverage of a period)."""
    if not countermeasure_ids or first > last:
        return {}
    rows = db.session.execute(
        sa.select(ControlTest.countermeasure_id, ControlTest.tested_on)
        .where(ControlTest.countermeasure_id.in_(countermeasure_ids), ControlTest.tested_on.between(first, last))
        .distinct()
    )
    found: dict[int, list[date]] = {}
    for countermeasure_id, tested_on in rows:
        found.setdefault(countermeasure_id, []).append(tested_on)
    return {key: tuple(sorted(days)) for key, days in found.items()}


def current_assessments(
    countermeasures: Sequence[Countermeasure], as_of: date, latest: dict[int, list[LatestTest]] | None = None
) -> dict[int, Assessment]:
    """Each countermeasure's evidence strength for the 12 months to ``as_of``."""
    if latest is None:
        latest = latest_tests([countermeasure.id for countermeasure in countermeasures], as_of)
    months = window_months()
    period = Period.rolling(as_of, months)
    return {
        countermeasure.id: evidence_rules.assess(
            countermeasure.status, [test.fact for test in latest.get(countermeasure.id, [])], period, as_of, months
        )
        for countermeasure in countermeasures
    }


def untested_risk_ids(as_of: date) -> sa.Select:
    """Risks with a countermeasure in place that has no test in the window to ``as_of`` (the register filter)."""
    recent = sa.select(ControlTest.id).where(
        ControlTest.countermeasure_id == Countermeasure.id,
        ControlTest.tested_on >= evidence_rules.window_start(as_of, window_months()),
        ControlTest.tested_on <= as_of,
    )
    return sa.select(Countermeasure.risk_id).where(
        Countermeasure.status == CountermeasureStatus.IN_PLACE, ~sa.exists(recent)
    )


def risk_assurance(risk: Risk, as_of: date) -> list[tuple[Countermeasure, Assessment]]:
    """Each of a risk's countermeasures with its evidence strength today (the risk page). One query."""
    assessments = current_assessments(risk.countermeasures, as_of)
    return [(countermeasure, assessments[countermeasure.id]) for countermeasure in risk.countermeasures]
