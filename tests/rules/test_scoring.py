from dataclasses import replace
from datetime import date

import pytest

from riskreg.enums import AppetiteLevel, Band
from riskreg.rules import scoring


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, Band.LOW),
        (4, Band.LOW),
        (5, Band.MEDIUM),
        (9, Band.MEDIUM),
        (10, Band.HIGH),
        (15, Band.HIGH),
        (16, Band.VERY_HIGH),
        (25, Band.VERY_HIGH),
    ],
)
def test_band_boundaries(value, expected):
    assert scoring.band(value) is expected


def test_band_ranges_cover_every_score_once():
    covered = []
    for name in Band:
        low, high = scoring.band_range(name)
        covered += range(low, high + 1)
    assert covered == list(range(1, 26))


@pytest.mark.parametrize(("likelihood", "impact"), [(0, 3), (3, 6), (-1, 1)])
def test_score_refuses_ratings_outside_one_to_five(likelihood, impact):
    with pytest.raises(ValueError, match="1 to 5"):
        scoring.score(likelihood, impact)


def test_score_is_likelihood_times_impact():
    assert scoring.score(4, 5) == 20


def test_appetite_tolerances_follow_the_category():
    assert scoring.tolerance_for("legal") == 4  # averse
    assert scoring.tolerance_for("strategy") == 12  # open
    assert scoring.is_above_appetite(5, "legal")
    assert not scoring.is_above_appetite(4, "legal")


def test_rules_are_configurable():
    eager = replace(scoring.DEFAULT_RULES, appetite={c: AppetiteLevel.EAGER for c in scoring.DEFAULT_RULES.appetite})
    assert not scoring.is_above_appetite(16, "legal", eager)
    assert scoring.is_above_appetite(17, "legal", eager)


@pytest.mark.parametrize(("residual", "days"), [(20, 30), (12, 60), (6, 90), (2, 180)])
def test_review_cadence_by_band(residual, days):
    assert scoring.next_review_date(date(2026, 1, 1), residual) == date(2026, 1, 1) + scoring.review_interval(residual)
    assert scoring.review_interval(residual).days == days


def test_overdue_only_after_the_due_date():
    assert scoring.is_review_overdue(date(2026, 1, 1), date(2026, 1, 2))
    assert not scoring.is_review_overdue(date(2026, 1, 2), date(2026, 1, 2))
    assert not scoring.is_review_overdue(None, date(2026, 1, 2))


@pytest.mark.parametrize(
    ("scores", "expected"),
    [([], "steady"), ([9], "steady"), ([9, 12], "rising"), ([12, 9], "falling"), ([6, 6], "steady")],
)
def test_trend(scores, expected):
    assert scoring.trend(scores) == expected


# Appetite per unit (issue 17): HQ (1) > area (2) > unit inside it (3); register 20 is the area's, 30 its unit's.
TREE = replace(
    scoring.DEFAULT_RULES,
    unit_parents={1: None, 2: 1, 3: 2, 4: 1},
    register_units={10: 1, 20: 2, 30: 3, 40: 4},
)


def test_a_unit_without_an_appetite_of_its_own_takes_the_organisations():
    found = scoring.effective_appetite(3, "operations", TREE)
    assert found == scoring.EffectiveAppetite(AppetiteLevel.CAUTIOUS, None)
    assert scoring.tolerance_exceptions(TREE) == {}


def test_a_units_appetite_applies_to_it_and_the_units_inside_it_only():
    rules = replace(TREE, unit_appetite={2: {"operations": AppetiteLevel.AVERSE}})
    assert scoring.effective_appetite(2, "operations", rules) == scoring.EffectiveAppetite(AppetiteLevel.AVERSE, 2)
    assert scoring.effective_appetite(3, "operations", rules) == scoring.EffectiveAppetite(AppetiteLevel.AVERSE, 2)
    assert scoring.effective_appetite(4, "operations", rules).level is AppetiteLevel.CAUTIOUS  # a sibling
    assert scoring.effective_appetite(1, "operations", rules).level is AppetiteLevel.CAUTIOUS  # its parent
    assert scoring.effective_appetite(3, "legal", rules).level is AppetiteLevel.AVERSE  # the organisation's
    # A risk scoring 6 in the area's or its unit's register is above appetite (averse: 4); elsewhere within (9).
    assert [scoring.is_above_appetite(6, "operations", rules, register) for register in (10, 20, 30, 40)] == [
        False,
        True,
        True,
        False,
    ]
    assert scoring.tolerance_exceptions(rules) == {("operations", 4): [20, 30]}


def test_the_nearest_units_appetite_wins():
    rules = replace(
        TREE,
        unit_appetite={2: {"operations": AppetiteLevel.AVERSE}, 3: {"operations": AppetiteLevel.EAGER}},
    )
    assert scoring.effective_appetite(3, "operations", rules) == scoring.EffectiveAppetite(AppetiteLevel.EAGER, 3)
    assert scoring.tolerance_for("operations", rules, 30) == 16
    assert scoring.tolerance_for("operations", rules, 20) == 4


def test_an_uncategorised_risk_gets_the_least_appetite_whatever_its_unit():
    rules = replace(TREE, unit_appetite={2: {"operations": AppetiteLevel.EAGER}})
    assert scoring.effective_appetite(2, None, rules) == scoring.EffectiveAppetite(AppetiteLevel.AVERSE, None)
    assert scoring.appetite_of(None, rules, 20) is AppetiteLevel.AVERSE


def test_a_register_or_unit_the_rules_do_not_know_takes_the_organisations_appetite():
    rules = replace(TREE, unit_appetite={2: {"operations": AppetiteLevel.AVERSE}}, unit_parents={2: 3, 3: 2})
    assert scoring.appetite_of("operations", rules, 99) is AppetiteLevel.CAUTIOUS
    assert scoring.effective_appetite(3, "legal", rules).level is AppetiteLevel.AVERSE  # a loop ends
