"""Scores, bands, appetite and review cadence (DESIGN rules 4.1 to 4.4).

Every threshold lives in ``ScoringRules`` so an organisation can configure its
own; the defaults are the ones in the design.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from riskreg.enums import AppetiteLevel, Band

SCALE = range(1, 6)


@dataclass(frozen=True)
class ScoringRules:
    # Upper bound (inclusive) of each band's score, in ascending order.
    band_ceilings: tuple[tuple[Band, int], ...] = (
        (Band.LOW, 4),
        (Band.MEDIUM, 9),
        (Band.HIGH, 15),
        (Band.VERY_HIGH, 25),
    )
    review_days: dict[Band, int] = field(
        default_factory=lambda: {Band.VERY_HIGH: 30, Band.HIGH: 60, Band.MEDIUM: 90, Band.LOW: 180}
    )
    tolerance: dict[AppetiteLevel, int] = field(
        default_factory=lambda: {
            AppetiteLevel.AVERSE: 4,
            AppetiteLevel.MINIMAL: 6,
            AppetiteLevel.CAUTIOUS: 9,
            AppetiteLevel.OPEN: 12,
            AppetiteLevel.EAGER: 16,
        }
    )
    # By category code (the seeded categories). A prosecution service's starting point: least appetite where
    # the law, security and public confidence are at stake.
    appetite: dict[str, AppetiteLevel] = field(
        default_factory=lambda: {
            "strategy": AppetiteLevel.OPEN,
            "governance": AppetiteLevel.MINIMAL,
            "operations": AppetiteLevel.CAUTIOUS,
            "legal": AppetiteLevel.AVERSE,
            "property": AppetiteLevel.CAUTIOUS,
            "financial": AppetiteLevel.CAUTIOUS,
            "commercial": AppetiteLevel.CAUTIOUS,
            "people": AppetiteLevel.CAUTIOUS,
            "technology": AppetiteLevel.CAUTIOUS,
            "information": AppetiteLevel.MINIMAL,
            "security": AppetiteLevel.AVERSE,
            "project": AppetiteLevel.OPEN,
            "reputational": AppetiteLevel.MINIMAL,
        }
    )


DEFAULT_RULES = ScoringRules()


def is_valid_rating(value: int) -> bool:
    return value in SCALE


def score(likelihood: int, impact: int) -> int:
    if not (is_valid_rating(likelihood) and is_valid_rating(impact)):
        raise ValueError(f"likelihood and impact must be 1 to 5, not {likelihood} and {impact}")
    return likelihood * impact


def band(value: int, rules: ScoringRules = DEFAULT_RULES) -> Band:
    for name, ceiling in rules.band_ceilings:
        if value <= ceiling:
            return name
    raise ValueError(f"score {value} is above the highest band")


def band_range(name: Band, rules: ScoringRules = DEFAULT_RULES) -> tuple[int, int]:
    """The lowest and highest score in a band, for filtering in queries."""
    floor = 1
    for current, ceiling in rules.band_ceilings:
        if current is name:
            return floor, ceiling
        floor = ceiling + 1
    raise ValueError(f"unknown band {name}")


def appetite_of(category: str | None, rules: ScoringRules = DEFAULT_RULES) -> AppetiteLevel:
    """The category's appetite; a category not yet set (an imported risk), or one an administrator added and
    gave no appetite yet, gets the least, so nothing is understated until someone chooses one."""
    if category is None or category not in rules.appetite:
        return min(rules.tolerance, key=lambda level: rules.tolerance[level])
    return rules.appetite[category]


def tolerance_for(category: str | None, rules: ScoringRules = DEFAULT_RULES) -> int:
    return rules.tolerance[appetite_of(category, rules)]


def is_above_appetite(residual_score: int, category: str | None, rules: ScoringRules = DEFAULT_RULES) -> bool:
    return residual_score > tolerance_for(category, rules)


def review_interval(residual_score: int, rules: ScoringRules = DEFAULT_RULES) -> timedelta:
    return timedelta(days=rules.review_days[band(residual_score, rules)])


def next_review_date(reviewed_on: date, residual_score: int, rules: ScoringRules = DEFAULT_RULES) -> date:
    return review_schedule(residual_score, reviewed_on, rules)[1]


def review_schedule(
    residual_score: int, from_date: date, rules: ScoringRules = DEFAULT_RULES, days: int | None = None
) -> tuple[int, date]:
    """The one review-schedule rule for every way a risk is saved (form, API, import, review): (days between
    reviews, next review date). ``days`` is a frequency a register already chose; else the band's cadence."""
    days = days or review_interval(residual_score, rules).days
    return days, from_date + timedelta(days=days)


def is_review_overdue(next_review_on: date | None, today: date) -> bool:
    return next_review_on is not None and next_review_on < today


def trend(scores_oldest_first: list[int]) -> str:
    """'rising', 'falling' or 'steady' from the last two recorded scores."""
    if len(scores_oldest_first) < 2:
        return "steady"
    previous, latest = scores_oldest_first[-2], scores_oldest_first[-1]
    if latest > previous:
        return "rising"
    if latest < previous:
        return "falling"
    return "steady"
