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
