"""Which flags a risk's facts raise, the flag lifecycle, the duplicate scope and register health (rules.flags)."""

from dataclasses import replace
from datetime import date, timedelta

from riskreg.enums import CountermeasureStatus, FlagKind, FlagStatus, Influence
from riskreg.rules import scoring
from riskreg.rules.flags import (
    CountermeasureFacts,
    FlagRules,
    HealthFigures,
    RiskFacts,
    condition_key,
    dismissal_refusal,
    health_score,
    health_trend,
    is_unclear,
    pair_flag,
    pair_note,
    raised_flags,
    staleness_of,
    transition_refusal,
)

TODAY = date(2026, 6, 1)
IN_PLACE_TESTED = CountermeasureFacts(
    "Weekly checks", CountermeasureStatus.IN_PLACE, None, TODAY - timedelta(days=30), TODAY - timedelta(days=700)
)
CLEAN = RiskFacts(
    id=1,
    is_open=True,
    created_on=TODAY - timedelta(days=400),
    category="operations",
    residual_score=6,
    influence=Influence.MEDIUM,
    cause="Too few prosecutors for the caseload",
    consequence="Cases are reviewed late and hearings are wasted",
    has_register_above=True,
    next_review_on=TODAY + timedelta(days=10),
    review_scores=[6, 9],
    countermeasures=[IN_PLACE_TESTED],
    contributes_upwards=False,
    divergences=[],
    owner_inactive=False,
)


def _kinds(facts: RiskFacts, **kwargs) -> set[FlagKind]:
    return {raised.kind for raised in raised_flags(facts, TODAY, **kwargs)}


def test_a_risk_that_is_looked_after_raises_nothing():
    assert raised_flags(CLEAN, TODAY) == []
    assert staleness_of(CLEAN, TODAY) == 0


def test_review_overdue_reaches_hq_after_a_month_of_reminders():
    [flag] = raised_flags(replace(CLEAN, next_review_on=date(2026, 4, 22)), TODAY)
    assert flag.kind is FlagKind.REVIEW_OVERDUE
    assert flag.note == (
        "The review was due on 22 April 2026, 40 days ago: review it, or close the risk if it no longer applies"
    )
    assert raised_flags(replace(CLEAN, next_review_on=date(2026, 5, 2)), TODAY) == []  # 30 days: the owner's still
    assert staleness_of(replace(CLEAN, next_review_on=date(2026, 5, 2)), TODAY) == 30


def test_stagnant_score_needs_several_unchanged_reviews_above_appetite():
    above = replace(CLEAN, residual_score=12, review_scores=[12, 12, 12, 12, 8])  # operations: tolerance 9
    assert FlagKind.STAGNANT_SCORE in _kinds(above)  # a year of quarterly reviews without movement
    assert FlagKind.STAGNANT_SCORE not in _kinds(replace(above, review_scores=[12, 12, 12, 8]))
    assert FlagKind.STAGNANT_SCORE not in _kinds(replace(above, residual_score=9, review_scores=[9, 9, 9, 9]))
    two = FlagRules(stagnant_reviews=2)
    assert FlagKind.STAGNANT_SCORE in _kinds(replace(above, review_scores=[12, 12]), rules=two)


ABOVE = replace(CLEAN, residual_score=12, review_scores=[12, 9])  # operations: tolerance 9


def test_no_countermeasures_after_the_grace_period_on_a_risk_above_appetite():
    bare = replace(ABOVE, countermeasures=[])
    assert _kinds(bare) == {FlagKind.NO_COUNTERMEASURES}
    assert _kinds(replace(bare, created_on=TODAY - timedelta(days=3))) == set()
    retired = CountermeasureFacts("Old", CountermeasureStatus.RETIRED, None, None)
    assert _kinds(replace(ABOVE, countermeasures=[retired])) == {FlagKind.NO_COUNTERMEASURES}
    # Within appetite: the owner's and the certificate's business, not HQ's (unless an organisation says so).
    assert _kinds(replace(CLEAN, countermeasures=[])) == set()
    everything = FlagRules(housekeeping_above_appetite_only=False)
    assert _kinds(replace(CLEAN, countermeasures=[]), rules=everything) == {FlagKind.NO_COUNTERMEASURES}


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


def test_control_untested_when_no_control_of_a_risk_above_appetite_was_tested_in_twelve_months():
    stale_test = replace(IN_PLACE_TESTED, last_tested_on=TODAY - timedelta(days=400))
    [flag] = raised_flags(replace(ABOVE, countermeasures=[stale_test]), TODAY)
    assert flag.kind is FlagKind.CONTROL_UNTESTED and "Weekly checks" in flag.note
    never = replace(IN_PLACE_TESTED, last_tested_on=None)
    assert _kinds(replace(ABOVE, countermeasures=[never])) == {FlagKind.CONTROL_UNTESTED}
    # One control tested: the risk has assurance; the untested one is the certificate's to disclose.
    assert _kinds(replace(ABOVE, countermeasures=[never, IN_PLACE_TESTED])) == set()
    assert _kinds(replace(CLEAN, countermeasures=[never])) == set()  # within appetite
    # In place for a month: it has not gone twelve months without a test yet.
    new = replace(never, implemented_on=TODAY - timedelta(days=30))
    assert _kinds(replace(ABOVE, countermeasures=[new])) == set()


def test_action_overdue_reaches_hq_after_a_quarter_on_a_risk_above_appetite():
    late = CountermeasureFacts("New diary system", CountermeasureStatus.PLANNED, date(2026, 2, 1), None)
    [flag] = raised_flags(replace(ABOVE, countermeasures=[IN_PLACE_TESTED, late]), TODAY)
    assert flag.kind is FlagKind.ACTION_OVERDUE and "New diary system (due 1 February 2026)" in flag.note
    month_late = replace(late, due_on=date(2026, 5, 1))  # the owner's reminders are still chasing it
    assert _kinds(replace(ABOVE, countermeasures=[IN_PLACE_TESTED, month_late])) == set()
    assert _kinds(replace(CLEAN, countermeasures=[IN_PLACE_TESTED, late])) == set()  # within appetite


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
    facts = replace(
        CLEAN,
        next_review_on=TODAY - timedelta(days=10),
        countermeasures=[late],
        owner_inactive=True,
        residual_score=12,
        review_scores=[12, 12, 12],
    )
    assert staleness_of(facts, TODAY) == 10 + 2 * 30 + 20 + 60


def test_condition_keys_name_pairs_in_either_order():
    assert condition_key(FlagKind.POSSIBLE_DUPLICATE, 7, 3) == condition_key(FlagKind.POSSIBLE_DUPLICATE, 3, 7)
    assert condition_key(FlagKind.REVIEW_OVERDUE, 7) != condition_key(FlagKind.ACTION_OVERDUE, 7)


def test_pairs_are_classified_by_where_their_registers_sit():
    hq, ln, ls, division, unit, other_unit = "/1/", "/1/2/", "/1/3/", "/1/4/", "/1/4/5/", "/1/4/6/"
    repeats, duplicate = FlagKind.REPEATS_HIGHER, FlagKind.POSSIBLE_DUPLICATE
    assert pair_flag((10, ln), (20, hq)) == (10, 20, repeats)
    assert pair_flag((20, hq), (10, ln)) == (10, 20, repeats)
    assert pair_flag((30, unit), (40, division)) == (30, 40, repeats)
    assert pair_flag((30, unit), (20, hq)) == (30, 20, repeats)
    assert pair_flag((10, ln), (11, ls)) == (11, 10, duplicate)  # two areas: the newer risk is the lower
    assert pair_flag((10, ln), (40, division)) == (40, 10, duplicate)  # an area and a division: one level
    assert pair_flag((50, unit), (60, other_unit)) == (60, 50, duplicate)
    assert pair_flag((10, ln), (50, unit)) is None  # different levels of different branches
    assert pair_flag((10, ln), (11, ls), include_siblings=False) is None
    assert pair_flag((10, ln), (12, ln)) is None


def test_pair_notes_say_what_to_do():
    note = pair_note(FlagKind.REPEATS_HIGHER, "LN-001 (London North)", "HQ-001 (Headquarters)", "Workforce", "x")
    assert note.startswith("LN-001 (London North) repeats HQ-001 (Headquarters), “Workforce”")
    assert note.endswith("link it as contributing to it, or close it if the unit cannot influence it")
    duplicate = pair_note(FlagKind.POSSIBLE_DUPLICATE, "LS-004 (London South)", "LN-004 (London North)", "W", "x")
    assert "may be the same risk as LN-004" in duplicate and "close the other as a duplicate" in duplicate


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
