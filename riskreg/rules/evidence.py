"""Evidence strength of a countermeasure for a period (DESIGN rule 4.5), and the 12-month test cadence.

A countermeasure's effectiveness is earned from its control tests, never typed
in. Only the latest test that is both inside the period and no older than the
window (12 months before the "as of" date) counts:

- strong: an operating-effectiveness test by the 2nd or 3rd line or external
  assurance, concluded effective, on a sample at least the minimum for the
  control's frequency, exceptions within tolerance, evidence attached;
- moderate: the same by the 1st line;
- limited: partially effective; or effective without evidence; or a design-only
  test (a walkthrough); or inquiry alone; or a sample below the minimum; or more
  exceptions than tolerated;
- weak: in place but not tested in the window;
- none: no countermeasure, or latest test ineffective, or not in place.

When several tests share the latest date the weakest of them counts: two
testers who disagree on the same day leave the doubt standing.

An assertion is graded from its countermeasures (``assess_assertion``): the
weakest of those whose link is not under challenge, then capped at "limited"
when it speaks of the whole period but its tests fall in too few quarters, or
when it rests on a risk above appetite that only the 1st line has tested.
"""

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from riskreg.enums import (
    AssuranceLine,
    Conclusion,
    ControlFrequency,
    ControlTestMethod,
    CountermeasureStatus,
    EvidenceStrength,
    TestNature,
)

WINDOW_MONTHS = 12
FINANCIAL_YEAR_STARTS = 4  # April
# Minimum sample by how often a control operates: common audit practice (configurable: RISKREG_MINIMUM_SAMPLES).
MINIMUM_SAMPLES: Mapping[ControlFrequency, int] = {
    ControlFrequency.ANNUAL: 1,
    ControlFrequency.QUARTERLY: 2,
    ControlFrequency.MONTHLY: 2,
    ControlFrequency.WEEKLY: 5,
    ControlFrequency.DAILY: 20,
    ControlFrequency.MANY_TIMES_A_DAY: 25,
}
# An assertion about the whole period needs tests in at least this many quarters of it (RISKREG_PERIOD_QUARTERS).
PERIOD_QUARTERS = 2
# Wording that claims the whole period ("operated effectively throughout the year").
WHOLE_PERIOD = re.compile(
    r"\b(throughout|whole (year|period)|all year|(during|over) the (year|period)|at all times|every (month|quarter))\b",
    re.IGNORECASE,
)


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (later when negative); the month's last day when it is shorter."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def window_start(as_of: date, months: int = WINDOW_MONTHS) -> date:
    """The earliest test date that still counts on ``as_of``: a test exactly 12 months old counts."""
    return months_before(as_of, months)


def is_current(tested_on: date | None, as_of: date, months: int = WINDOW_MONTHS) -> bool:
    """True when a test on ``tested_on`` keeps a control "tested" on ``as_of`` (the test cadence)."""
    return tested_on is not None and window_start(as_of, months) <= tested_on <= as_of


def next_test_due(last_tested: date | None, months: int = WINDOW_MONTHS) -> date | None:
    """The last day a control tested on ``last_tested`` still counts as tested (None: never tested)."""
    if last_tested is None:
        return None
    due = months_before(last_tested, -months)
    # Month ends clamp (a test on 28 February 2023 still counts on 29 February 2024): walk to the real last day.
    while is_current(last_tested, due + timedelta(days=1), months):
        due += timedelta(days=1)
    return due


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"a period cannot end ({self.end}) before it starts ({self.start})")

    @classmethod
    def rolling(cls, as_of: date, months: int = WINDOW_MONTHS) -> "Period":
        return cls(window_start(as_of, months), as_of, f"the {months} months to {long_date(as_of)}")

    @classmethod
    def financial_year(cls, first_year: int) -> "Period":
        """1 April to 31 March, labelled like 2025-26."""
        return cls(
            date(first_year, FINANCIAL_YEAR_STARTS, 1),
            date(first_year + 1, FINANCIAL_YEAR_STARTS - 1, 31),
            f"{first_year}-{(first_year + 1) % 100:02d}",
        )


def recent_periods(as_of: date, years: int = 3, months: int = WINDOW_MONTHS) -> dict[str, Period]:
    """The rolling window to ``as_of`` (key "rolling"), then this and earlier financial years (keys like 2025-26)."""
    periods = {"rolling": Period.rolling(as_of, months)}
    current = financial_year_of(as_of)
    for first_year in range(current, current - years, -1):
        period = Period.financial_year(first_year)
        periods[period.label] = period
    return periods


def financial_year_of(day: date) -> int:
    """The calendar year a financial year starts in: 2025 for any day from 1 April 2025 to 31 March 2026."""
    return day.year if day.month >= FINANCIAL_YEAR_STARTS else day.year - 1


@dataclass(frozen=True)
class ControlTestFact:
    """What the rule needs to know about one control test.

    ``minimum_sample`` is the minimum for the control's frequency (None: the
    frequency is not recorded, so no minimum can be applied).
    """

    tested_on: date
    line: AssuranceLine
    conclusion: Conclusion
    has_evidence: bool
    method: ControlTestMethod = ControlTestMethod.SAMPLE_TEST
    nature: TestNature = TestNature.OPERATING
    sample_size: int | None = None
    exceptions: int = 0
    tolerated: int = 0
    minimum_sample: int | None = None

    @property
    def tests_design_only(self) -> bool:
        return self.nature is TestNature.DESIGN or self.method is ControlTestMethod.WALKTHROUGH


@dataclass(frozen=True)
class Assessment:
    strength: EvidenceStrength
    reason: str
    basis: ControlTestFact | None = None  # the test the strength rests on, when there is one


def minimum_sample(frequency: ControlFrequency | None, table: Mapping[ControlFrequency, int] = MINIMUM_SAMPLES):
    """The minimum sample for a control that operates this often (None when the frequency is not known)."""
    return None if frequency is None else table[frequency]


def sample_problem(sample_size: int | None, exceptions: int, tolerated: int, minimum: int | None) -> str | None:
    """Why a test on this sample cannot conclude "effective" (None when it can)."""
    if minimum is not None and (sample_size or 1) < minimum:
        return f"a sample of {sample_size or 1} is below the minimum of {minimum} for this control"
    if exceptions > tolerated:
        return f"{exceptions} exception{'s' if exceptions != 1 else ''} found, more than the {tolerated} tolerated"
    return None


def describe(test: ControlTestFact) -> str:
    """ "Tested effective by internal audit (3rd line) on 12 March 2026, evidence attached"."""
    attached = "evidence attached" if test.has_evidence else "no evidence attached"
    return f"Tested {test.conclusion.label.lower()} by {test.line.tester} on {long_date(test.tested_on)}, {attached}"


def _limitation(test: ControlTestFact) -> str | None:
    """Why an "effective" test still gives only limited evidence, or None."""
    if test.tests_design_only:
        return "it tested design only, not that the control operated"
    if test.method is ControlTestMethod.INQUIRY:
        return "inquiry alone does not show the control operated"
    return sample_problem(test.sample_size, test.exceptions, test.tolerated, test.minimum_sample)


def assess_test(test: ControlTestFact) -> Assessment:
    """The strength one test would give a countermeasure that is in place."""
    limitation = _limitation(test) if test.conclusion is Conclusion.EFFECTIVE else None
    if test.conclusion is Conclusion.INEFFECTIVE:
        strength = EvidenceStrength.NONE
    elif test.conclusion is Conclusion.PARTIALLY_EFFECTIVE or not test.has_evidence or limitation:
        strength = EvidenceStrength.LIMITED
    elif test.line is AssuranceLine.FIRST:
        strength = EvidenceStrength.MODERATE
    else:
        strength = EvidenceStrength.STRONG
    reason = describe(test) + (f", but {limitation}" if limitation else "")
    return Assessment(strength, reason, test)


def weakest_of(assessments: Iterable[Assessment]) -> Assessment:
    """An assertion is as strong as its weakest countermeasure; with none at all it has no evidence."""
    weakest: Assessment | None = None
    for assessment in assessments:
        if weakest is None or assessment.strength.rank < weakest.strength.rank:
            weakest = assessment
    return weakest or Assessment(EvidenceStrength.NONE, "No countermeasure linked")


def counting_window(period: Period, as_of: date, months: int = WINDOW_MONTHS) -> tuple[date, date]:
    """First and last test dates that count: inside the period, not after ``as_of``, not older than the window."""
    return max(period.start, window_start(as_of, months)), min(period.end, as_of)


def _untested(tests: list[ControlTestFact], first: date, last: date, as_of: date, months: int) -> Assessment:
    if first > last:
        reason = f"In place, but no day of this period falls in the {months} months to {long_date(as_of)}"
    else:
        reason = f"In place but not tested between {long_date(first)} and {long_date(last)}"
    earlier = [test.tested_on for test in tests if test.tested_on <= as_of]
    reason += f" (last tested on {long_date(max(earlier))})" if earlier else " (never tested)"
    return Assessment(EvidenceStrength.WEAK, reason)


def assess(
    status: CountermeasureStatus | None,
    tests: Iterable[ControlTestFact],
    period: Period,
    as_of: date,
    months: int = WINDOW_MONTHS,
) -> Assessment:
    """A countermeasure's evidence strength for ``period``, judged on ``as_of`` (``status`` None: no countermeasure)."""
    if status is None:
        return Assessment(EvidenceStrength.NONE, "No countermeasure linked")
    if status is not CountermeasureStatus.IN_PLACE:
        return Assessment(EvidenceStrength.NONE, f"Not in place: {status.label.lower()}")
    tests = list(tests)
    first, last = counting_window(period, as_of, months)
    counted = [test for test in tests if first <= test.tested_on <= last]
    if not counted:
        return _untested(tests, first, last, as_of, months)
    latest = max(test.tested_on for test in counted)
    return weakest_of(assess_test(test) for test in counted if test.tested_on == latest)


# Assertions ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkFact:
    """One countermeasure an assertion rests on, as the assertion rule sees it."""

    assessment: Assessment
    risk_ref: str
    above_appetite: bool = False
    challenged: bool = False
    tested_on: tuple[date, ...] = ()  # every test of it that counts for the period


def claims_whole_period(statement: str) -> bool:
    return bool(WHOLE_PERIOD.search(statement))


def quarters_covered(days: Iterable[date], period: Period) -> set[int]:
    """Which quarters of ``period`` (0 to 3 for a year) the days fall in."""
    start = period.start.year * 12 + period.start.month
    return {(day.year * 12 + day.month - start) // 3 for day in days if period.start <= day <= period.end}


def _cap(assessment: Assessment, why: str) -> Assessment:
    if assessment.strength.rank <= EvidenceStrength.LIMITED.rank:
        return assessment
    return Assessment(EvidenceStrength.LIMITED, f"{assessment.reason}. Graded down to limited: {why}", assessment.basis)


def _first_line_only(links: list[LinkFact]) -> list[str]:
    """Risks above appetite that no independent (2nd line, 3rd line or external) test supports."""
    refs: dict[str, bool] = {}
    for link in links:
        if link.above_appetite:
            refs[link.risk_ref] = refs.get(link.risk_ref, False) or link.assessment.strength is EvidenceStrength.STRONG
    return sorted(ref for ref, independent in refs.items() if not independent)


def assess_assertion(
    statement: str, links: Iterable[LinkFact], period: Period, quarters_needed: int = PERIOD_QUARTERS
) -> Assessment:
    """An assertion's strength: the weakest unchallenged countermeasure, capped by coverage and independence."""
    links = list(links)
    counted = [link for link in links if not link.challenged]
    if links and not counted:
        return Assessment(EvidenceStrength.NONE, "Every countermeasure it rests on is under challenge")
    graded = weakest_of(link.assessment for link in counted)
    if len(counted) < len(links):
        graded = Assessment(
            graded.strength,
            f"{graded.reason} ({len(links) - len(counted)} challenged link not counted until the unit answers)",
            graded.basis,
        )
    if not counted:
        return graded
    covered = quarters_covered((day for link in counted for day in link.tested_on), period)
    if claims_whole_period(statement) and len(covered) < quarters_needed:
        graded = _cap(
            graded,
            f"it speaks of the whole period but its tests fall in {len(covered)} "
            f"quarter{'s' if len(covered) != 1 else ''} of it, and at least {quarters_needed} "
            "are needed",
        )
    uncovered = _first_line_only(counted)
    if uncovered:
        graded = _cap(
            graded,
            f"{', '.join(uncovered)} {'is' if len(uncovered) == 1 else 'are'} above appetite "
            "and only 1st-line evidence supports it; independent (2nd line, 3rd line or "
            "external) evidence is needed",
        )
    return graded


# A review's commentary records an incident when it names one, unless the words just before deny it ("no
# incidents", "nothing failed"): a plain word search turned every "no breaches this quarter" into an alert.
_INCIDENT = re.compile(r"\b(incidents?|failures?|failed|breach(?:es|ed)?)\b", re.IGNORECASE)
_DENIED = re.compile(r"\b(no|nil|zero|none|not|nothing|without|never)\b(?:\W+\w+){0,2}\W*$", re.IGNORECASE)


def records_incident(commentary: str) -> bool:
    """Whether a review's commentary records an incident (a relied-on risk's assurance is then contradicted)."""
    return any(
        not _DENIED.search(commentary[max(0, match.start() - 40) : match.start()])
        for match in _INCIDENT.finditer(commentary)
    )
