"""A risk's staleness score (DESIGN rule 4.7): how far its register entry has stopped being looked after.

The score adds up, with configurable weights:

- days past its review date (capped, so one forgotten risk does not drown everything else);
- reviews that left the residual score unchanged while it is above appetite;
- countermeasures (planned actions) past their due date;
- controls in place but not tested in the last 12 months;
- an owner who is inactive (or no owner at all).

Zero means nothing is stale. The score ranks HQ's queue and feeds the register health score; it is not a
probability and has no unit beyond "points".
"""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class StalenessWeights:
    per_day_overdue: int = 1
    max_days_counted: int = 365
    per_unchanged_review: int = 30
    per_overdue_action: int = 20
    per_untested_control: int = 15
    owner_inactive: int = 60


DEFAULT_WEIGHTS = StalenessWeights()


@dataclass(frozen=True)
class StalenessFacts:
    days_past_review: int  # 0 when the review is not overdue
    unchanged_reviews_above_appetite: int
    overdue_actions: int
    untested_controls: int
    owner_inactive: bool


def unchanged_run(scores_newest_first: Sequence[int]) -> int:
    """How many of the latest reviews recorded the same residual score, counting the latest: [12, 12, 9] is 2."""
    if not scores_newest_first:
        return 0
    run = 1
    for previous in scores_newest_first[1:]:
        if previous != scores_newest_first[0]:
            break
        run += 1
    return run


def unchanged_reviews_above_appetite(scores_newest_first: Sequence[int], above_appetite: bool) -> int:
    """Reviews that left the score as the review before had it, while the risk is above appetite.

    The first review of a run changed nothing only if there was one before it at the same score, so a run of
    three equal scores is two reviews without change.
    """
    if not above_appetite:
        return 0
    return max(0, unchanged_run(scores_newest_first) - 1)


def staleness(facts: StalenessFacts, weights: StalenessWeights = DEFAULT_WEIGHTS) -> int:
    days = min(max(0, facts.days_past_review), weights.max_days_counted)
    return (
        days * weights.per_day_overdue
        + facts.unchanged_reviews_above_appetite * weights.per_unchanged_review
        + facts.overdue_actions * weights.per_overdue_action
        + facts.untested_controls * weights.per_untested_control
        + (weights.owner_inactive if facts.owner_inactive else 0)
    )


def describe(score: int) -> str:
    """Staleness in words, for lists."""
    if score == 0:
        return "Up to date"
    if score < 60:
        return "Slightly stale"
    if score < 180:
        return "Stale"
    return "Very stale"
