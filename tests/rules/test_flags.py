"""Which flags a risk's facts raise, the flag lifecycle, the duplicate scope and register health (rules.flags)."""

from dataclasses import replace
from datetime import date, timedelta

from riskreg.enums import Category, CountermeasureStatus, FlagKind, FlagStatus, Influence
from riskreg.rules import scoring
from riskreg.rules.flags import (
    CountermeasureFacts,
    FlagRules,
    HealthFigures,
    RiskFacts,
    condition_key,
    dismissal_refusal,
    duplicate_pair,
    health_score,
    health_trend,
    is_unclear,
    parent_path,
    raised_flags,
    staleness_of,
    transition_refusal,
)

TODAY = date(2026, 6, 1)
IN_PLACE_TESTED = CountermeasureFacts("Weekly checks", CountermeasureStatus.IN_PLACE, None, TODAY - timedelta(days=30),
                                      TODAY - timedelta(days=700))  # fmt: skip
CLEAN = RiskFacts(
    id=1, is_open=True, created_on=TODAY - timedelta(days=400), category=Category.OPERATIONS, residual_score=6,
    influence=Influence.MEDIUM, cause="Too few prosecutors for the caseload",
    consequence="Cases are reviewed late and hearings are wasted", has_register_above=True,
    next_review_on=TODAY + timedelta(days=10), review_scores=[6, 9], countermeasures=[IN_PLACE_TESTED],
    contributes_upwards=False, divergences=[], owner_inactive=False,
)  # fmt: skip


def _kinds(facts: RiskFacts, **kwargs) -> set[FlagKind]:
    return {raised.kind for raised in raised_flags(facts, TODAY, **kwargs)}


def test_a_risk_that_is_looked_after_raises_nothing():
    assert raised_flags(CLEAN, TODAY) == []
    assert staleness_of(CLEAN, TODAY) == 0


def test_review_overdue():
    [flag] = raised_flags(replace(CLEAN, next_review_on=date(2026, 5, 2)), TODAY)
    assert flag.kind is FlagKind.REVIEW_OVERDUE and flag.note == "The review was due on 2 May 2026"
    assert staleness_of(replace(CLEAN, next_review_on=date(2026, 5, 2)), TODAY) == 30


def test_stagnant_score_needs_several_unchanged_reviews_above_appetite():
    above = replace(CLEAN, residual_score=12, review_scores=[12, 12, 12, 8])  # operations: tolerance 9
    assert FlagKind.STAGNANT_SCORE in _kinds(above)
    assert FlagKind.STAGNANT_SCORE not in _kinds(replace(above, review_scores=[12, 12, 8]))
    assert FlagKind.STAGNANT_SCORE not in _kinds(replace(above, residual_score=9, review_scores=[9, 9, 9]))
    two = FlagRules(stagnant_reviews=2)
    assert FlagKind.STAGNANT_SCORE in _kinds(replace(above, review_scores=[12, 12]), rules=two)


def test_no_countermeasures_after_the_grace_period():
    bare = replace(CLEAN, countermeasures=[])
    assert _kinds(bare) == {FlagKind.NO_COUNTERMEASURES}
    assert _kinds(replace(bare, created_on=TODAY - timedelta(days=3))) == set()
    retired = CountermeasureFacts("Old", CountermeasureStatus.RETIRED, None, None)
    assert _kinds(replace(CLEAN, countermeasures=[retired])) == {FlagKind.NO_COUNTERMEASURES}


def test_unclear_description_when_cause_or_consequence_is_missing_or_trivial():
    assert is_unclear("") and is_unclear("  n/a ") and is_unclear("TBC.") and is_unclear("Staff")
    assert not is_unclear("Too few prosecutors for the caseload")
    [flag] = raised_flags(replace(CLEAN, consequence="Delays"), TODAY)
    assert flag.kind is FlagKind.UNCLEAR_DESCRIPTION and "consequence is missing" in flag.note
    [both] = raised_flags(replace(CLEAN, cause="-", consequence=""), TODAY)
    assert "cause and the consequence are missing" in both.note


def test_low_influence_risks_not_linked_upwards():
    low = replace(CLEAN, influence=Influence.LOW)
    assert _kinds(low) == {FlagKind.NOT_LINKED_UPWARDS}
    assert _kinds(replace(low, contributes_upwards=True)) == set()
    assert _kinds(replace(low, has_register_above=False)) == set()  # a corporate risk has nowhere to go


def test_control_untested_in_twelve_months():
    stale_test = replace(IN_PLACE_TESTED, last_tested_on=TODAY - timedelta(days=400))
    [flag] = raised_flags(replace(CLEAN, countermeasures=[stale_test]), TODAY)
    assert flag.kind is FlagKind.CONTROL_UNTESTED and "Weekly checks" in flag.note
    never = replace(IN_PLACE_TESTED, last_tested_on=None)
    assert _kinds(replace(CLEAN, countermeasures=[never])) == {FlagKind.CONTROL_UNTESTED}
    # In place for a month: it has not gone twelve months without a test yet.
    new = replace(never, implemented_on=TODAY - timedelta(days=30))
    assert _kinds(replace(CLEAN, countermeasures=[new])) == set()


def test_action_overdue():
    late = CountermeasureFacts("New diary system", CountermeasureStatus.PLANNED, date(2026, 3, 1), None)
    [flag] = raised_flags(replace(CLEAN, countermeasures=[IN_PLACE_TESTED, late]), TODAY)
    assert flag.kind is FlagKind.ACTION_OVERDUE and "New diary system (due 1 March 2026)" in flag.note
    on_time = replace(late, due_on=TODAY + timedelta(days=5))
    assert _kinds(replace(CLEAN, countermeasures=[IN_PLACE_TESTED, on_time])) == set()


def test_link_divergence_and_closed_risks():
    diverging = replace(CLEAN, divergences=["LN-003 is scored 20, above the 12 of HQ-003, which it contributes to"])
    [flag] = raised_flags(diverging, TODAY)
    assert flag.kind is FlagKind.LINK_DIVERGENCE and "LN-003 is scored 20" in flag.note
    assert raised_flags(replace(diverging, is_open=False, countermeasures=[]), TODAY) == []


def test_an_imported_risk_with_fields_not_yet_set_is_flagged_incomplete():
    imported = replace(CLEAN, category=None, influence=None, not_yet_set=("category", "local influence"))
    [flag] = raised_flags(imported, TODAY)
    assert flag.kind is FlagKind.INCOMPLETE and flag.note == "Not yet set: category, local influence"
    # Until someone sets it, a category not yet set has the least appetite, so nothing is understated.
    assert scoring.tolerance_for(None) == min(scoring.DEFAULT_RULES.tolerance.values())


def test_staleness_adds_up_the_facts():
    late = CountermeasureFacts("Action", CountermeasureStatus.PLANNED, TODAY - timedelta(days=1), None)
    facts = replace(CLEAN, next_review_on=TODAY - timedelta(days=10), countermeasures=[late], owner_inactive=True,
                    residual_score=12, review_scores=[12, 12, 12])  # fmt: skip
    assert staleness_of(facts, TODAY) == 10 + 2 * 30 + 20 + 60


def test_condition_keys_name_pairs_in_either_order():
    assert condition_key(FlagKind.POSSIBLE_DUPLICATE, 7, 3) == condition_key(FlagKind.POSSIBLE_DUPLICATE, 3, 7)
    assert condition_key(FlagKind.REVIEW_OVERDUE, 7) != condition_key(FlagKind.ACTION_OVERDUE, 7)


def test_duplicates_are_looked_for_between_a_register_and_those_above_it():
    hq, ln, ls, division, unit = "/1/", "/1/2/", "/1/3/", "/1/4/", "/1/4/5/"
    assert duplicate_pair((10, ln), (20, hq)) == (10, 20)
    assert duplicate_pair((20, hq), (10, ln)) == (10, 20)
    assert duplicate_pair((30, unit), (40, division)) == (30, 40)
    assert duplicate_pair((30, unit), (20, hq)) == (30, 20)
    assert duplicate_pair((10, ln), (11, ls)) is None  # areas side by side
    assert duplicate_pair((10, ln), (11, ls), include_siblings=True) == (11, 10)
    assert duplicate_pair((10, ln), (12, ln)) is None
    assert parent_path("/1/4/5/") == "/1/4/" and parent_path("/1/") == "/"


def test_flag_lifecycle():
    assert transition_refusal(FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED) is None
    assert transition_refusal(FlagStatus.ACKNOWLEDGED, FlagStatus.RESOLVED) is None
    assert transition_refusal(FlagStatus.OPEN, FlagStatus.DISMISSED) is None
    assert transition_refusal(FlagStatus.RESOLVED, FlagStatus.OPEN) == "A flag that is resolved cannot be open"
    assert transition_refusal(FlagStatus.DISMISSED, FlagStatus.RESOLVED) is not None
    assert transition_refusal(FlagStatus.ACKNOWLEDGED, FlagStatus.ACKNOWLEDGED) == "This flag is already acknowledged"
    assert dismissal_refusal("  ") == "Enter why the flag is being dismissed"
    assert dismissal_refusal("Different risks") is None


def test_register_health():
    assert health_score(HealthFigures(0, 0, 0, 0)) == 100
    assert health_score(HealthFigures(10, 0, 0, 0)) == 100
    assert health_score(HealthFigures(10, 10, 10, 10 * 180)) == 0
    assert health_score(HealthFigures(10, 5, 0, 0)) == 80
    assert health_score(HealthFigures(10, 0, 5, 900)) == 70
    assert [health_trend(s) for s in ([70], [70, 75], [75, 70], [70, 70])] == ["new", "better", "worse", "steady"]
