"""Evidence grading by method, nature, sample, exceptions, coverage, independence and challenge (DESIGN 4.5)."""

from datetime import date

import pytest

from riskreg.enums import (
    AssuranceLine,
    Conclusion,
    ControlFrequency,
    ControlTestMethod,
    CountermeasureStatus,
    EvidenceStrength,
    TestNature,
)
from riskreg.rules.evidence import (
    ControlTestFact,
    LinkFact,
    Period,
    assess,
    assess_assertion,
    assess_test,
    claims_whole_period,
    minimum_sample,
    quarters_covered,
    sample_problem,
)

YEAR = Period.financial_year(2025)  # 1 April 2025 to 31 March 2026
AS_OF = YEAR.end
L1, L2, L3, EXTERNAL = AssuranceLine
STRONG, MODERATE, LIMITED, WEAK, NONE = EvidenceStrength
DAILY = minimum_sample(ControlFrequency.DAILY)
WHOLE_YEAR = "Custody time limit controls operated effectively throughout the year"
PLAIN = "Custody time limits are monitored"


def fact(
    line=L3,
    method=ControlTestMethod.SAMPLE_TEST,
    nature=TestNature.OPERATING,
    sample=25,
    exceptions=0,
    tolerated=0,
    minimum=DAILY,
    day=date(2026, 2, 10),
) -> ControlTestFact:
    effective = Conclusion.EFFECTIVE
    return ControlTestFact(day, line, effective, True, method, nature, sample, exceptions, tolerated, minimum)


def link(test: ControlTestFact, ref="LN-003", above=False, challenged=False, days=()) -> LinkFact:
    tested = days or (test.tested_on,)
    return LinkFact(assess_test(test), ref, above, challenged, tuple(tested))


def test_the_default_minimum_samples_follow_common_audit_practice():
    expected = {"annual": 1, "quarterly": 2, "monthly": 2, "weekly": 5, "daily": 20, "many_times_a_day": 25}
    assert {f.value: minimum_sample(f) for f in ControlFrequency} == expected
    assert minimum_sample(None) is None


def test_an_independent_operating_test_on_a_full_sample_is_strong():
    assert assess_test(fact()).strength is STRONG
    assert assess_test(fact(line=EXTERNAL)).strength is STRONG
    assert assess_test(fact(line=L1)).strength is MODERATE


@pytest.mark.parametrize("method", [ControlTestMethod.WALKTHROUGH, ControlTestMethod.SAMPLE_TEST])
def test_a_walkthrough_or_any_design_test_cannot_support_operation(method):
    nature = TestNature.DESIGN if method is ControlTestMethod.SAMPLE_TEST else TestNature.OPERATING
    result = assess_test(fact(method=method, nature=nature, sample=None))
    assert result.strength is LIMITED
    assert result.reason.endswith("but it tested design only, not that the control operated")


def test_inquiry_alone_is_limited_even_from_internal_audit():
    result = assess_test(fact(method=ControlTestMethod.INQUIRY, sample=None))
    assert result.strength is LIMITED
    assert "inquiry alone does not show the control operated" in result.reason


def test_a_sample_below_the_minimum_for_the_frequency_is_limited():
    result = assess_test(fact(sample=DAILY - 1))
    assert result.strength is LIMITED
    assert "a sample of 19 is below the minimum of 20 for this control" in result.reason
    assert assess_test(fact(sample=DAILY)).strength is STRONG


def test_an_unknown_frequency_applies_no_minimum():
    assert assess_test(fact(sample=3, minimum=None)).strength is STRONG


def test_exceptions_above_tolerance_are_limited_and_within_tolerance_are_not():
    assert assess_test(fact(exceptions=2, tolerated=1)).strength is LIMITED
    assert assess_test(fact(exceptions=1, tolerated=1)).strength is STRONG
    assert sample_problem(25, 2, 1, 20) == "2 exceptions found, more than the 1 tolerated"
    assert sample_problem(25, 1, 1, 20) is None


def test_the_weakest_test_on_the_latest_day_decides_the_countermeasure():
    result = assess(CountermeasureStatus.IN_PLACE, [fact(), fact(method=ControlTestMethod.INQUIRY)], YEAR, AS_OF)
    assert result.strength is LIMITED


def test_whole_period_wording_is_recognised():
    assert claims_whole_period(WHOLE_YEAR)
    assert claims_whole_period("Witness care operated at all times")
    assert not claims_whole_period(PLAIN)


def test_quarters_are_counted_from_the_start_of_the_period():
    days = [date(2025, 4, 1), date(2025, 6, 30), date(2025, 7, 1), date(2026, 3, 31), date(2026, 4, 1)]
    assert quarters_covered(days, YEAR) == {0, 1, 3}


def test_a_whole_year_assertion_tested_in_one_quarter_only_is_graded_down_and_says_why():
    test = fact(day=date(2026, 2, 10))
    one_quarter = assess_assertion(WHOLE_YEAR, [link(test, days=(date(2026, 1, 5), date(2026, 2, 10)))], YEAR)
    assert one_quarter.strength is LIMITED
    assert "tests fall in 1 quarter of it, and at least 2 are needed" in one_quarter.reason
    two_quarters = assess_assertion(WHOLE_YEAR, [link(test, days=(date(2025, 9, 1), date(2026, 2, 10)))], YEAR)
    assert two_quarters.strength is STRONG
    # The same evidence for a statement that does not claim the whole year is not graded down.
    assert assess_assertion(PLAIN, [link(test)], YEAR).strength is STRONG


def test_the_number_of_quarters_needed_is_configurable():
    test = fact()
    spread = (date(2025, 9, 1), date(2026, 2, 10))
    assert assess_assertion(WHOLE_YEAR, [link(test, days=spread)], YEAR, quarters_needed=3).strength is LIMITED


def test_first_line_evidence_alone_caps_an_assertion_on_a_risk_above_appetite():
    self_assessed = link(fact(line=L1), above=True)
    result = assess_assertion(PLAIN, [self_assessed], YEAR)
    assert result.strength is LIMITED
    assert "LN-003 is above appetite and only 1st-line evidence supports it" in result.reason
    # Within appetite, the same 1st-line evidence is moderate: enough for "assured".
    assert assess_assertion(PLAIN, [link(fact(line=L1))], YEAR).strength is MODERATE
    # Above appetite, one independent test of any of the risk's linked controls lifts the cap.
    audited = link(fact(line=L3), above=True)
    assert assess_assertion(PLAIN, [self_assessed, audited], YEAR).strength is MODERATE


def test_a_challenged_link_stops_counting():
    weak_but_challenged = link(fact(method=ControlTestMethod.INQUIRY), challenged=True)
    result = assess_assertion(PLAIN, [link(fact()), weak_but_challenged], YEAR)
    assert result.strength is STRONG
    assert "1 challenged link not counted until the unit answers" in result.reason


def test_an_assertion_whose_every_link_is_challenged_has_no_evidence():
    result = assess_assertion(PLAIN, [link(fact(), challenged=True)], YEAR)
    assert result.strength is NONE
    assert result.reason == "Every countermeasure it rests on is under challenge"


def test_an_assertion_with_no_countermeasure_has_none():
    assert assess_assertion(PLAIN, [], YEAR).strength is NONE
