"""Evidence strength (DESIGN rule 4.5): every case and every boundary."""

from datetime import date

import pytest

from riskreg.enums import AssuranceLine, Conclusion, CountermeasureStatus, EvidenceStrength
from riskreg.rules.evidence import (
    Assessment,
    ControlTestFact,
    Period,
    assess,
    describe,
    financial_year_of,
    is_current,
    months_before,
    next_test_due,
    recent_periods,
    records_incident,
    weakest_of,
)

AS_OF = date(2026, 3, 27)
YEAR = Period.rolling(AS_OF)
IN_PLACE = CountermeasureStatus.IN_PLACE
L1, L2, L3, L4 = AssuranceLine
EFFECTIVE, PARTIAL, INEFFECTIVE = Conclusion


def fact(day=date(2026, 3, 12), line=L3, conclusion=EFFECTIVE, evidence=True) -> ControlTestFact:
    return ControlTestFact(day, line, conclusion, evidence)


def strength(*tests, status=IN_PLACE, period=YEAR, as_of=AS_OF) -> EvidenceStrength:
    return assess(status, tests, period, as_of).strength


@pytest.mark.parametrize("line", [L2, L3, L4])
def test_strong_when_tested_effective_independently_with_evidence(line):
    assert strength(fact(line=line)) is EvidenceStrength.STRONG


def test_moderate_when_self_assessed_effective_with_evidence():
    assert strength(fact(line=L1)) is EvidenceStrength.MODERATE


@pytest.mark.parametrize("line", list(AssuranceLine))
def test_limited_when_partially_effective_even_with_evidence(line):
    assert strength(fact(line=line, conclusion=PARTIAL)) is EvidenceStrength.LIMITED


@pytest.mark.parametrize("line", list(AssuranceLine))
def test_limited_when_effective_without_evidence(line):
    assert strength(fact(line=line, evidence=False)) is EvidenceStrength.LIMITED


def test_weak_when_in_place_and_never_tested():
    result = assess(IN_PLACE, [], YEAR, AS_OF)
    assert result.strength is EvidenceStrength.WEAK
    assert result.reason == "In place but not tested between 27 March 2025 and 27 March 2026 (never tested)"


def test_weak_when_the_only_test_is_older_than_12_months():
    result = assess(IN_PLACE, [fact(day=date(2025, 3, 26))], YEAR, AS_OF)
    assert result.strength is EvidenceStrength.WEAK
    assert result.reason.endswith("(last tested on 26 March 2025)")


@pytest.mark.parametrize("line", list(AssuranceLine))
def test_none_when_the_latest_test_found_it_ineffective(line):
    assert strength(fact(line=line, conclusion=INEFFECTIVE)) is EvidenceStrength.NONE


@pytest.mark.parametrize("status", [CountermeasureStatus.PLANNED, CountermeasureStatus.RETIRED])
def test_none_when_not_in_place_however_well_tested(status):
    result = assess(status, [fact()], YEAR, AS_OF)
    assert result.strength is EvidenceStrength.NONE
    assert result.reason == f"Not in place: {status.label.lower()}"


def test_none_when_there_is_no_countermeasure():
    assert assess(None, [], YEAR, AS_OF) == Assessment(EvidenceStrength.NONE, "No countermeasure linked")


def test_a_test_exactly_12_months_old_still_counts_and_a_day_older_does_not():
    assert strength(fact(day=date(2025, 3, 27))) is EvidenceStrength.STRONG
    assert strength(fact(day=date(2025, 3, 26))) is EvidenceStrength.WEAK


def test_leap_day_window():
    # 12 months before 28 February 2025 is 28 February 2024: a test on 29 February 2024 still counts.
    as_of = date(2025, 2, 28)
    assert strength(fact(day=date(2024, 2, 29)), period=Period.rolling(as_of), as_of=as_of) is EvidenceStrength.STRONG
    assert strength(fact(day=date(2024, 2, 27)), period=Period.rolling(as_of), as_of=as_of) is EvidenceStrength.WEAK


def test_only_the_latest_test_counts_better_or_worse():
    ineffective_then_fixed = [fact(day=date(2025, 6, 1), conclusion=INEFFECTIVE), fact(day=date(2026, 1, 5))]
    assert strength(*ineffective_then_fixed) is EvidenceStrength.STRONG
    effective_then_failed = [fact(day=date(2025, 6, 1)), fact(day=date(2026, 1, 5), conclusion=INEFFECTIVE)]
    assert strength(*effective_then_failed) is EvidenceStrength.NONE


def test_tests_on_the_latest_day_that_disagree_leave_the_weakest_standing():
    same_day = [fact(line=L1), fact(line=L3, conclusion=PARTIAL)]
    result = assess(IN_PLACE, same_day, YEAR, AS_OF)
    assert result.strength is EvidenceStrength.LIMITED and result.basis == same_day[1]


def test_tests_after_the_period_or_after_the_as_of_date_do_not_count():
    financial_year = Period.financial_year(2024)  # 1 April 2024 - 31 March 2025
    as_of = date(2025, 3, 31)
    inside = fact(day=date(2025, 1, 10), line=L1)
    after = fact(day=date(2025, 4, 2), conclusion=INEFFECTIVE)
    assert strength(inside, after, period=financial_year, as_of=as_of) is EvidenceStrength.MODERATE
    # Judged part-way through the year, a test dated after that day is not known yet.
    assert strength(inside, period=financial_year, as_of=date(2025, 1, 9)) is EvidenceStrength.WEAK


def test_a_test_before_the_period_does_not_count_even_when_recent():
    period = Period.financial_year(2025)  # from 1 April 2025
    result = assess(IN_PLACE, [fact(day=date(2025, 3, 31))], period, date(2025, 6, 1))
    assert result.strength is EvidenceStrength.WEAK
    assert result.reason == (
        "In place but not tested between 1 April 2025 and 1 June 2025 (last tested on 31 March 2025)"
    )


def test_latest_test_inside_the_period_counts_not_the_latest_overall():
    period = Period.financial_year(2024)
    tests = [fact(day=date(2025, 2, 1), line=L1), fact(day=date(2025, 5, 1), conclusion=INEFFECTIVE)]
    assert strength(*tests, period=period, as_of=date(2025, 3, 31)) is EvidenceStrength.MODERATE


def test_a_period_wholly_older_than_the_window_is_weak_with_an_explanation():
    result = assess(IN_PLACE, [fact(day=date(2023, 6, 1))], Period.financial_year(2023), AS_OF)
    assert result.strength is EvidenceStrength.WEAK
    assert "no day of this period falls in the 12 months to 27 March 2026" in result.reason


def test_the_reason_names_the_line_the_date_and_the_evidence():
    assert describe(fact()) == "Tested effective by internal audit (3rd line) on 12 March 2026, evidence attached"
    assert describe(fact(line=L1, conclusion=PARTIAL, evidence=False)) == (
        "Tested partially effective by management (1st line) on 12 March 2026, no evidence attached"
    )
    assert assess(IN_PLACE, [fact()], YEAR, AS_OF).reason == describe(fact())


def test_the_window_length_is_configurable():
    six_months = assess(IN_PLACE, [fact(day=date(2025, 9, 1))], Period.rolling(AS_OF, 6), AS_OF, months=6)
    assert six_months.strength is EvidenceStrength.WEAK


def test_weakest_of():
    strong = Assessment(EvidenceStrength.STRONG, "a")
    limited = Assessment(EvidenceStrength.LIMITED, "b")
    weak = Assessment(EvidenceStrength.WEAK, "c")
    assert weakest_of([strong, limited, weak, strong]) is weak
    assert weakest_of([strong]) is strong
    assert weakest_of([]) == Assessment(EvidenceStrength.NONE, "No countermeasure linked")


def test_strengths_are_ordered():
    ranks = [member.rank for member in EvidenceStrength]
    assert ranks == sorted(ranks, reverse=True) and EvidenceStrength.NONE.rank == 0


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 27), 12, date(2025, 3, 27)),
        (date(2024, 2, 29), 12, date(2023, 2, 28)),
        (date(2026, 1, 31), 1, date(2025, 12, 31)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2025, 2, 28), -12, date(2026, 2, 28)),
    ],
)
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


def test_test_cadence():
    assert is_current(date(2025, 3, 27), AS_OF) and not is_current(date(2025, 3, 26), AS_OF)
    assert not is_current(None, AS_OF)
    assert not is_current(date(2026, 3, 28), AS_OF)  # a future date is not a test yet
    assert next_test_due(date(2025, 3, 27)) == date(2026, 3, 27)
    # A test on 28 February 2023 still counts on 29 February 2024 (12 months before it is 28 February 2023).
    assert next_test_due(date(2023, 2, 28)) == date(2024, 2, 29)
    assert next_test_due(None) is None


def test_periods():
    assert Period.financial_year(2025) == Period(date(2025, 4, 1), date(2026, 3, 31), "2025-26")
    assert Period.financial_year(2099).label == "2099-00"
    assert financial_year_of(date(2026, 3, 31)) == 2025 and financial_year_of(date(2026, 4, 1)) == 2026
    assert list(recent_periods(AS_OF)) == ["rolling", "2025-26", "2024-25", "2023-24"]
    with pytest.raises(ValueError, match="cannot end"):
        Period(date(2026, 1, 2), date(2026, 1, 1))


@pytest.mark.parametrize(
    ("commentary", "incident"),
    [
        ("Two custody time limit failures in May; both reported to the CCP.", True),
        ("A data breach on 3 June: letters sent to the wrong victims.", True),
        ("The disclosure check failed on two cases.", True),
        ("Incident reported to the police liaison team.", True),
        ("No incidents this quarter; controls operated.", False),
        ("Nothing failed and there were no breaches or failures.", False),
        ("Scores unchanged after the team meeting.", False),
        ("Without any failure, but one incident in March at the Crown Court.", True),
    ],
)
def test_a_review_records_an_incident_when_it_names_one_it_does_not_deny(commentary, incident):
    assert records_incident(commentary) is incident
