"""The staleness score (DESIGN rule 4.7)."""

from riskreg.rules.staleness import (
    StalenessFacts,
    StalenessWeights,
    describe,
    staleness,
    unchanged_reviews_above_appetite,
    unchanged_run,
)


def _facts(**changes) -> StalenessFacts:
    values = {
        "days_past_review": 0,
        "unchanged_reviews_above_appetite": 0,
        "overdue_actions": 0,
        "untested_controls": 0,
        "owner_inactive": False,
    }
    return StalenessFacts(**(values | changes))


def test_a_risk_looked_after_is_not_stale():
    assert staleness(_facts()) == 0
    assert describe(0) == "Up to date"


def test_each_part_adds_its_weight():
    weights = StalenessWeights()
    assert staleness(_facts(days_past_review=40)) == 40
    assert staleness(_facts(unchanged_reviews_above_appetite=2)) == 2 * weights.per_unchanged_review
    assert staleness(_facts(overdue_actions=3)) == 3 * weights.per_overdue_action
    assert staleness(_facts(untested_controls=1)) == weights.per_untested_control
    assert staleness(_facts(owner_inactive=True)) == weights.owner_inactive
    assert staleness(_facts(days_past_review=10, overdue_actions=1, owner_inactive=True)) == 10 + 20 + 60


def test_days_overdue_are_capped_and_never_negative():
    assert staleness(_facts(days_past_review=5000)) == StalenessWeights().max_days_counted
    assert staleness(_facts(days_past_review=-30)) == 0
    assert staleness(_facts(days_past_review=100), StalenessWeights(per_day_overdue=2, max_days_counted=50)) == 100


def test_unchanged_reviews_count_only_while_above_appetite():
    assert unchanged_run([12, 12, 12, 9]) == 3
    assert unchanged_run([12, 9, 9]) == 1
    assert unchanged_run([]) == 0
    # Three equal scores are two reviews that changed nothing.
    assert unchanged_reviews_above_appetite([12, 12, 12, 9], above_appetite=True) == 2
    assert unchanged_reviews_above_appetite([12, 12, 12], above_appetite=False) == 0
    assert unchanged_reviews_above_appetite([12], above_appetite=True) == 0


def test_described_in_words():
    assert [describe(score) for score in (10, 100, 400)] == ["Slightly stale", "Stale", "Very stale"]
