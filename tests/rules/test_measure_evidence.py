"""Measures cited as evidence by a certificate assertion: every verdict, and every row of the combination table
in riskreg.rules.measure_evidence (docs/assurance.md). Pure: no database, no clock."""

from datetime import date
from decimal import Decimal

import pytest

from riskreg.enums import EvidenceStrength, MeasureDirection, MeasureFrequency, MeasureVerdict, Rating
from riskreg.rules import measure_evidence as rule
from riskreg.rules.evidence import Assessment, Period
from riskreg.rules.measures import Tolerance

YEAR = Period.financial_year(2025)  # 1 April 2025 to 31 March 2026
MONTHS = rule.periods_due(YEAR, YEAR.end, MeasureFrequency.MONTHLY)
QUARTERS = rule.periods_due(YEAR, YEAR.end, MeasureFrequency.QUARTERLY)
# Custody time limit failures: none is green, up to two amber, more than two red.
FAILURES = Tolerance(MeasureDirection.HIGHER_IS_WORSE, Decimal(0), Decimal(2))
ATTENDANCE = Tolerance(MeasureDirection.HIGHER_IS_BETTER, Decimal(85), Decimal(75))


def failures(values: dict[date, int], frequency=MeasureFrequency.MONTHLY) -> rule.MeasureFact:
    return rule.MeasureFact(
        "Custody time limit failures",
        frequency,
        FAILURES,
        {start: Decimal(value) for start, value in values.items()},
        "failures",
    )


def every_month(value: int = 0, **changes: int) -> dict[date, int]:
    """A value for each month of YEAR; ``changes`` by month name, like nov=4."""
    found = {start: value for start in MONTHS}
    for name, changed in changes.items():
        found[next(start for start in MONTHS if f"{start:%b}".lower() == name)] = changed
    return found


def test_the_year_has_twelve_months_or_four_quarters_ended_by_its_last_day():
    assert (MONTHS[0], MONTHS[-1], len(MONTHS)) == (date(2025, 4, 1), date(2026, 3, 1), 12)
    quarters = rule.periods_due(YEAR, YEAR.end, MeasureFrequency.QUARTERLY)
    assert quarters == [date(2025, 4, 1), date(2025, 7, 1), date(2025, 10, 1), date(2026, 1, 1)]


def test_while_the_year_runs_only_the_periods_ended_by_then_are_due():
    assert rule.periods_due(YEAR, date(2025, 8, 15), MeasureFrequency.QUARTERLY) == [date(2025, 4, 1)]
    assert rule.periods_due(YEAR, date(2025, 6, 30), MeasureFrequency.MONTHLY)[-1] == date(2025, 6, 1)
    assert rule.periods_due(YEAR, date(2025, 4, 20), MeasureFrequency.MONTHLY) == []


def test_a_value_within_tolerance_for_every_month_supports():
    found = rule.assess_measure(failures(every_month(0)), YEAR, YEAR.end)
    assert found.verdict is MeasureVerdict.SUPPORTS
    assert found.reason == (
        "Custody time limit failures was within tolerance (green up to 0 failures, red above 2 failures) in all 12 "
        "months of 2025-26"
    )
    assert [period.rating for period in found.periods] == [Rating.GREEN] * 12


def test_amber_is_within_tolerance_and_is_named():
    found = rule.assess_measure(failures(every_month(0, jun=2)), YEAR, YEAR.end)
    assert found.verdict is MeasureVerdict.SUPPORTS
    assert found.reason.endswith("near the limit (amber) in June 2025")


def test_one_month_outside_tolerance_contradicts_whatever_the_rest():
    found = rule.assess_measure(failures(every_month(0, nov=4)), YEAR, YEAR.end)
    assert found.verdict is MeasureVerdict.CONTRADICTS
    assert found.reason.endswith("4 failures in November 2025")
    assert [period.label for period in found.breaches] == ["November 2025"]


def test_a_breach_contradicts_even_when_other_periods_are_missing():
    values = {MONTHS[0]: 0, MONTHS[1]: 5}
    assert rule.assess_measure(failures(values), YEAR, YEAR.end).verdict is MeasureVerdict.CONTRADICTS


def test_missing_periods_make_it_incomplete():
    values = every_month(0)
    del values[date(2025, 9, 1)], values[date(2026, 2, 1)]
    found = rule.assess_measure(failures(values), YEAR, YEAR.end)
    assert found.verdict is MeasureVerdict.INCOMPLETE
    assert "no value for September 2025, February 2026 (2 of 12 months)" in found.reason
    assert found.periods[5].value is None and found.periods[5].rating is None


def test_no_value_in_the_year_is_unmeasured():
    earlier = {date(2024, month, 1): 0 for month in range(4, 13)}
    found = rule.assess_measure(failures(earlier), YEAR, YEAR.end)
    assert found.verdict is MeasureVerdict.UNMEASURED
    assert "no value for any of the 12 months of 2025-26" in found.reason


def test_before_any_period_has_ended_it_is_unmeasured():
    found = rule.assess_measure(failures({}), YEAR, date(2025, 4, 20))
    assert found.verdict is MeasureVerdict.UNMEASURED
    assert found.reason.endswith("no month of 2025-26 had ended by 20 April 2025")


def test_judged_at_the_period_end_not_today():
    """A breach after the year (the latest value, which raises today's flags) does not count; a breach inside the
    year counts however good the months since have been."""
    after = every_month(0) | {date(2026, 4, 1): 9, date(2026, 5, 1): 7}
    assert rule.assess_measure(failures(after), YEAR, YEAR.end).verdict is MeasureVerdict.SUPPORTS
    inside = every_month(0, jan=3) | {date(2026, 4, 1): 0}
    assert rule.assess_measure(failures(inside), YEAR, YEAR.end).verdict is MeasureVerdict.CONTRADICTS


def test_a_draft_judged_while_the_year_runs_expects_the_months_ended_so_far():
    so_far = {start: 0 for start in MONTHS[:4]}  # April to July
    found = rule.assess_measure(failures(so_far), YEAR, date(2025, 8, 10))
    assert found.verdict is MeasureVerdict.SUPPORTS
    assert found.reason.endswith("in all 4 months of 2025-26 to 10 August 2025")


def test_quarterly_and_higher_is_better():
    fact = rule.MeasureFact(
        "Witness attendance", MeasureFrequency.QUARTERLY, ATTENDANCE, dict.fromkeys(QUARTERS, Decimal(88)), "%"
    )
    assert rule.assess_measure(fact, YEAR, YEAR.end).verdict is MeasureVerdict.SUPPORTS
    low = rule.MeasureFact(
        "Witness attendance",
        MeasureFrequency.QUARTERLY,
        ATTENDANCE,
        dict.fromkeys(QUARTERS, Decimal(88)) | {QUARTERS[2]: Decimal(70)},
        "%",
    )
    found = rule.assess_measure(low, YEAR, YEAR.end)
    assert found.verdict is MeasureVerdict.CONTRADICTS and found.reason.endswith("70 % in 2025-26 Q3")


# Combining with the countermeasures' grade: the table in the module docstring, row by row --------------------

STRONG = Assessment(EvidenceStrength.STRONG, "Tested effective by internal audit (3rd line)")
WEAK = Assessment(EvidenceStrength.WEAK, "In place but not tested")
NO_CONTROL = Assessment(EvidenceStrength.NONE, "No countermeasure linked")


def verdict(kind: MeasureVerdict) -> rule.MeasureAssessment:
    return rule.MeasureAssessment(kind, f"the measure {kind.value}", ())


def test_no_measure_cited_leaves_the_grade_as_it_was():
    assert rule.combine(STRONG, [], 1) is STRONG


@pytest.mark.parametrize(
    ("graded", "kind", "countermeasures", "strength"),
    [
        (STRONG, MeasureVerdict.SUPPORTS, 1, EvidenceStrength.STRONG),  # stands
        (NO_CONTROL, MeasureVerdict.SUPPORTS, 0, EvidenceStrength.LIMITED),  # an outcome, not a control
        (STRONG, MeasureVerdict.INCOMPLETE, 1, EvidenceStrength.LIMITED),
        (WEAK, MeasureVerdict.INCOMPLETE, 1, EvidenceStrength.WEAK),  # never raised
        (STRONG, MeasureVerdict.UNMEASURED, 1, EvidenceStrength.WEAK),
        (STRONG, MeasureVerdict.CONTRADICTS, 1, EvidenceStrength.WEAK),
        (NO_CONTROL, MeasureVerdict.CONTRADICTS, 0, EvidenceStrength.NONE),
    ],
)
def test_the_combination_table(graded, kind, countermeasures, strength):
    combined = rule.combine(graded, [verdict(kind)], countermeasures)
    assert combined.strength is strength
    assert combined.reason.startswith(graded.reason) and f"the measure {kind.value}" in combined.reason


def test_the_worst_of_several_measures_counts_and_the_reason_says_so():
    combined = rule.combine(STRONG, [verdict(MeasureVerdict.SUPPORTS), verdict(MeasureVerdict.CONTRADICTS)], 1)
    assert combined.strength is EvidenceStrength.WEAK
    assert combined.reason.endswith("Graded down to weak by the measures")
    assert combined.basis is STRONG.basis
