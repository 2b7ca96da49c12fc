"""Evidence strength of a countermeasure for a period (DESIGN rule 4.5), and the 12-month test cadence.

A countermeasure's effectiveness is earned from its control tests, never typed
in. Only the latest test that is both inside the period and no older than the
window (12 months before the "as of" date) counts:

- strong: tested effective by the 2nd, 3rd or 4th line, with evidence attached;
- moderate: tested effective by the 1st line, with evidence attached;
- limited: latest test partially effective, or effective without evidence;
- weak: in place but not tested in the window;
- none: no countermeasure, or latest test ineffective, or not in place.

When several tests share the latest date the weakest of them counts: two
testers who disagree on the same day leave the doubt standing.
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from riskreg.enums import AssuranceLine, Conclusion, CountermeasureStatus, EvidenceStrength

WINDOW_MONTHS = 12
FINANCIAL_YEAR_STARTS = 4  # April


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
    """What the rule needs to know about one control test."""

    tested_on: date
    line: AssuranceLine
    conclusion: Conclusion
    has_evidence: bool


@dataclass(frozen=True)
class Assessment:
    strength: EvidenceStrength
    reason: str
    basis: ControlTestFact | None = None  # the test the strength rests on, when there is one


def describe(test: ControlTestFact) -> str:
    """"Tested effective by internal audit (3rd line) on 12 March 2026, evidence attached"."""
    attached = "evidence attached" if test.has_evidence else "no evidence attached"
    return f"Tested {test.conclusion.label.lower()} by {test.line.tester} on {long_date(test.tested_on)}, {attached}"


def assess_test(test: ControlTestFact) -> Assessment:
    """The strength one test would give a countermeasure that is in place."""
    if test.conclusion is Conclusion.INEFFECTIVE:
        strength = EvidenceStrength.NONE
    elif test.conclusion is Conclusion.PARTIALLY_EFFECTIVE or not test.has_evidence:
        strength = EvidenceStrength.LIMITED
    elif test.line is AssuranceLine.FIRST:
        strength = EvidenceStrength.MODERATE
    else:
        strength = EvidenceStrength.STRONG
    return Assessment(strength, describe(test), test)


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
