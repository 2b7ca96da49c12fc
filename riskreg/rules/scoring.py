"""Scores, bands, appetite and review cadence (DESIGN rules 4.1 to 4.4).

Every threshold lives in ``ScoringRules`` so an organisation can configure its
own; the defaults are the ones in the design.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

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
    # Units' own appetite over the organisation's ``appetite`` (issue 17): unit id -> category -> level. A unit
    # with none for a category takes its parent's, up to the organisation's. ``unit_parents`` is the unit tree
    # (unit id -> parent id) and ``register_units`` says whose register a risk is in (register id -> unit id),
    # so a risk's appetite is worked out from what is read once, with no query per risk.
    unit_appetite: Mapping[int, Mapping[str, AppetiteLevel]] = field(default_factory=dict)
    unit_parents: Mapping[int, int | None] = field(default_factory=dict)
    register_units: Mapping[int, int] = field(default_factory=dict)

    @cached_property
    def inherited_appetite(self) -> dict[int, dict[str, "EffectiveAppetite"]]:
        """Each unit's appetite where it is not the organisation's: worked out once per rules (each unit from its
        parent's, top down), so a risk's appetite is two lookups however deep the tree and however many risks."""
        return _inherit_down(self.unit_appetite, self.unit_parents)

    @cached_property
    def tolerances(self) -> dict[tuple[str | None, int | None], int]:
        """``tolerance_for`` by (category, register), filled in as asked: a page judges hundreds of risks in a few
        registers and categories (the committee page asked 600 times a request, issue 20)."""
        return {}

    @cached_property
    def exceptions_by_tolerance(self) -> dict[tuple[str, int], list[int]]:
        """``tolerance_exceptions``, worked out once per rules: every stored figure's recount asks for it."""
        return _tolerance_exceptions(self)


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


@dataclass(frozen=True)
class EffectiveAppetite:
    level: AppetiteLevel
    set_at: int | None  # the unit whose override applies; None when it is the organisation's


def _inherit_down(
    own: Mapping[int, Mapping[str, AppetiteLevel]], parents: Mapping[int, int | None]
) -> dict[int, dict[str, EffectiveAppetite]]:
    resolved: dict[int, dict[str, EffectiveAppetite]] = {}
    if not own:
        return resolved

    def of(unit_id: int | None, path: frozenset[int]) -> dict[str, EffectiveAppetite]:
        if unit_id is None or unit_id in path:  # ``path``: a broken tree must not loop for ever
            return {}
        if unit_id not in resolved:
            inherited = of(parents.get(unit_id), path | {unit_id})
            mine = {category: EffectiveAppetite(level, unit_id) for category, level in own.get(unit_id, {}).items()}
            resolved[unit_id] = inherited | mine  # the nearest unit's wins
        return resolved[unit_id]

    for unit_id in {*parents, *own}:
        of(unit_id, frozenset())
    return resolved


def effective_appetite(
    unit_id: int | None, category: str | None, rules: ScoringRules = DEFAULT_RULES
) -> EffectiveAppetite:
    """The one rule for a unit's appetite in a category: the unit's own override, else its nearest ancestor's,
    else the organisation's."""
    found = rules.inherited_appetite.get(unit_id, {}).get(category) if unit_id is not None else None
    if found:
        return found
    return EffectiveAppetite(_organisation_appetite(category, rules), None)


def _organisation_appetite(category: str | None, rules: ScoringRules) -> AppetiteLevel:
    """A category not yet set (an imported risk), or one an administrator added and gave no appetite yet, gets
    the least, so nothing is understated until someone chooses one."""
    if category is None or category not in rules.appetite:
        return min(rules.tolerance, key=lambda level: rules.tolerance[level])
    return rules.appetite[category]


def appetite_of(
    category: str | None, rules: ScoringRules = DEFAULT_RULES, register_id: int | None = None
) -> AppetiteLevel:
    """The appetite for a risk of ``category`` in register ``register_id`` (None: the organisation's)."""
    return effective_appetite(rules.register_units.get(register_id) if register_id else None, category, rules).level


def tolerance_for(category: str | None, rules: ScoringRules = DEFAULT_RULES, register_id: int | None = None) -> int:
    known = rules.tolerances
    found = known.get((category, register_id))
    if found is None:
        found = known[(category, register_id)] = rules.tolerance[appetite_of(category, rules, register_id)]
    return found


def is_above_appetite(
    residual_score: int, category: str | None, rules: ScoringRules = DEFAULT_RULES, register_id: int | None = None
) -> bool:
    return residual_score > tolerance_for(category, rules, register_id)


def tolerance_exceptions(rules: ScoringRules) -> dict[tuple[str, int], list[int]]:
    """The registers whose tolerance for a category differs from the organisation's, grouped by category and
    tolerance, so a query can say "above appetite" in one expression: empty when no unit has an override."""
    return rules.exceptions_by_tolerance


def _tolerance_exceptions(rules: ScoringRules) -> dict[tuple[str, int], list[int]]:
    found: dict[tuple[str, int], list[int]] = {}
    for register_id, unit_id in sorted(rules.register_units.items()):
        for category, effective in rules.inherited_appetite.get(unit_id, {}).items():
            tolerance = rules.tolerance[effective.level]
            if tolerance != rules.tolerance[_organisation_appetite(category, rules)]:
                found.setdefault((category, tolerance), []).append(register_id)
    return found


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
