"""HQ quality flags (DESIGN capability 7): which flags a risk's facts raise, how a flag moves through its
lifecycle, which pairs of registers duplicates are looked for between, and a register's health score.

Pure functions: riskreg.services.flags gathers the facts and acts on the answers.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from riskreg.enums import Category, CountermeasureStatus, FlagKind, FlagStatus, Influence
from riskreg.rules import scoring
from riskreg.rules import staleness as staleness_rules
from riskreg.rules.evidence import is_current, long_date, window_start


@dataclass(frozen=True)
class FlagRules:
    # Stagnant score: at least this many of the latest reviews recorded the same score, above appetite.
    stagnant_reviews: int = 3
    # A risk this young is not yet flagged for having no countermeasures or not being linked upwards:
    # its owner adds those after saving it.
    grace_days: int = 30
    # A cause or consequence shorter than this (in characters, ignoring spaces) explains nothing.
    min_description_length: int = 15
    # Duplicate flags. The engine's organisation-wide default (0.55) is for every pair of registers; a
    # register and the registers above it make far fewer pairs, so the scan can afford the more generous
    # threshold that is shown before saving (0.50 reaches 0.79 of paraphrased pairs on the evaluation set,
    # against 0.69 at 0.55: docs/benchmarks.md).
    duplicate_threshold: float = 0.5
    # At most this many higher-level risks are proposed as the duplicate of one risk, the most similar first.
    duplicates_per_risk: int = 3
    # Also look for duplicates between registers side by side (two areas). Off: areas share local themes
    # by design, and HQ's question is duplication between a register and those above it.
    include_siblings: bool = False
    weights: staleness_rules.StalenessWeights = field(default_factory=staleness_rules.StalenessWeights)


DEFAULT_FLAG_RULES = FlagRules()

# Higher first in HQ's queue: the inspection's findings (duplication, registers not reviewed) lead.
SEVERITY: dict[FlagKind, int] = {
    FlagKind.POSSIBLE_DUPLICATE: 9,
    FlagKind.REVIEW_OVERDUE: 8,
    FlagKind.LINK_DIVERGENCE: 7,
    FlagKind.STAGNANT_SCORE: 6,
    FlagKind.NO_COUNTERMEASURES: 5,
    FlagKind.ACTION_OVERDUE: 4,
    FlagKind.CONTROL_UNTESTED: 3,
    FlagKind.NOT_LINKED_UPWARDS: 2,
    FlagKind.UNCLEAR_DESCRIPTION: 1,
}

PLACEHOLDERS = frozenset({"", "n/a", "na", "none", "tbc", "tbd", "see above", "as above", "unknown", "various"})


@dataclass(frozen=True)
class CountermeasureFacts:
    title: str
    status: CountermeasureStatus
    due_on: date | None
    last_tested_on: date | None
    implemented_on: date | None = None


@dataclass(frozen=True)
class RiskFacts:
    """What the flag rules need to know about one risk."""

    id: int
    is_open: bool
    created_on: date
    category: Category
    residual_score: int
    influence: Influence
    cause: str
    consequence: str
    has_register_above: bool  # corporate risks have nowhere to be linked upwards
    next_review_on: date | None
    review_scores: Sequence[int]  # residual scores of the latest reviews, newest first
    countermeasures: Sequence[CountermeasureFacts]
    contributes_upwards: bool
    divergences: Sequence[str]  # the link divergence alerts' messages
    owner_inactive: bool
    # What an import left "not yet set" (category, strategic objective, local influence, owner to confirm).
    not_yet_set: Sequence[str] = ()


@dataclass(frozen=True)
class Raised:
    """A flag a risk's facts call for."""

    kind: FlagKind
    note: str
    other_risk_id: int | None = None
    score: float | None = None
    method: str | None = None


def condition_key(kind: FlagKind, risk_id: int, other_risk_id: int | None = None) -> str:
    """Names the condition a flag is about: one risk, or an unordered pair of risks for a duplicate."""
    if kind is FlagKind.POSSIBLE_DUPLICATE and other_risk_id is not None:
        low, high = sorted((risk_id, other_risk_id))
        return f"{kind.value}:{low}:{high}"
    return f"{kind.value}:{risk_id}"


def is_unclear(text: str, rules: FlagRules = DEFAULT_FLAG_RULES) -> bool:
    """Missing, a placeholder ("n/a", "tbc"), or too short to say anything."""
    squeezed = re.sub(r"\s+", " ", text or "").strip().lower().rstrip(".")
    return squeezed in PLACEHOLDERS or len(squeezed.replace(" ", "")) < rules.min_description_length


def _overdue_actions(facts: RiskFacts, today: date) -> list[CountermeasureFacts]:
    return [
        cm for cm in facts.countermeasures
        if cm.status is CountermeasureStatus.PLANNED and cm.due_on is not None and cm.due_on < today
    ]  # fmt: skip


def _untested_controls(facts: RiskFacts, today: date, months: int) -> list[CountermeasureFacts]:
    """In place, with no test in the window, and in place for longer than the window (a new control has not
    yet gone a whole window untested)."""
    start = window_start(today, months)
    return [
        cm for cm in facts.countermeasures
        if cm.status is CountermeasureStatus.IN_PLACE and not is_current(cm.last_tested_on, today, months)
        and (cm.implemented_on is None or cm.implemented_on < start)
    ]  # fmt: skip


def _titles(countermeasures: Sequence[CountermeasureFacts], with_due: bool = False) -> str:
    parts = [f"{cm.title} (due {long_date(cm.due_on)})" if with_due and cm.due_on else cm.title
             for cm in countermeasures]  # fmt: skip
    return "; ".join(parts)


def _above(facts: RiskFacts, scoring_rules: scoring.ScoringRules) -> bool:
    return scoring.is_above_appetite(facts.residual_score, facts.category, scoring_rules)


def _description_flag(facts: RiskFacts, rules: FlagRules) -> Raised | None:
    missing = [name for name, text in (("cause", facts.cause), ("consequence", facts.consequence))
               if is_unclear(text, rules)]  # fmt: skip
    if not missing:
        return None
    what = " and the ".join(missing)
    return Raised(FlagKind.UNCLEAR_DESCRIPTION, f"The {what} {'is' if len(missing) == 1 else 'are'} missing or too "
                                                "short to explain why the risk exists and what it would lead to")


def raised_flags(
    facts: RiskFacts,
    today: date,
    rules: FlagRules = DEFAULT_FLAG_RULES,
    scoring_rules: scoring.ScoringRules = scoring.DEFAULT_RULES,
    months: int = 12,
) -> list[Raised]:
    """Every flag but possible duplicates (a matter of pairs) that the risk's facts raise today."""
    if not facts.is_open:
        return []
    found: list[Raised] = []
    if scoring.is_review_overdue(facts.next_review_on, today):
        found.append(Raised(FlagKind.REVIEW_OVERDUE, f"The review was due on {long_date(facts.next_review_on)}"))
    run = staleness_rules.unchanged_run(facts.review_scores)
    if _above(facts, scoring_rules) and run >= rules.stagnant_reviews:
        tolerance = scoring.tolerance_for(facts.category, scoring_rules)
        found.append(Raised(FlagKind.STAGNANT_SCORE, f"The last {run} reviews all recorded a residual score of "
                            f"{facts.review_scores[0]}, above the tolerance of {tolerance}"))  # fmt: skip
    settled = (today - facts.created_on).days >= rules.grace_days
    if settled and not any(cm.status is not CountermeasureStatus.RETIRED for cm in facts.countermeasures):
        found.append(Raised(FlagKind.NO_COUNTERMEASURES, "No countermeasure is planned or in place"))
    description = _description_flag(facts, rules)
    if description:
        found.append(description)
    upwards_missing = facts.has_register_above and not facts.contributes_upwards
    if settled and facts.influence is Influence.LOW and upwards_missing:
        found.append(Raised(FlagKind.NOT_LINKED_UPWARDS, "The unit has little influence over this risk, but it does "
                            "not contribute to a risk in a higher-level register"))  # fmt: skip
    untested = _untested_controls(facts, today, months)
    if untested:
        found.append(Raised(FlagKind.CONTROL_UNTESTED, f"In place but not tested in the last {months} months: "
                            f"{_titles(untested)}"))  # fmt: skip
    overdue = _overdue_actions(facts, today)
    if overdue:
        found.append(Raised(FlagKind.ACTION_OVERDUE, f"Planned, past the due date: {_titles(overdue, True)}"))
    return found + _record_flags(facts)


def _record_flags(facts: RiskFacts) -> list[Raised]:
    """What the record itself lacks or contradicts: links that diverge, fields an import left not yet set."""
    found = []
    if facts.divergences:
        found.append(Raised(FlagKind.LINK_DIVERGENCE, "; ".join(facts.divergences)))
    if facts.not_yet_set:
        found.append(Raised(FlagKind.INCOMPLETE, f"Not yet set: {', '.join(facts.not_yet_set)}"))
    return found


def staleness_of(
    facts: RiskFacts, today: date, rules: FlagRules = DEFAULT_FLAG_RULES,
    scoring_rules: scoring.ScoringRules = scoring.DEFAULT_RULES, months: int = 12,
) -> int:  # fmt: skip
    """The risk's staleness score (rule 4.7) from the same facts."""
    if not facts.is_open:
        return 0
    days = (today - facts.next_review_on).days if facts.next_review_on else 0
    return staleness_rules.staleness(
        staleness_rules.StalenessFacts(
            days_past_review=max(0, days),
            unchanged_reviews_above_appetite=staleness_rules.unchanged_reviews_above_appetite(
                facts.review_scores, _above(facts, scoring_rules)
            ),
            overdue_actions=len(_overdue_actions(facts, today)),
            untested_controls=len(_untested_controls(facts, today, months)),
            owner_inactive=facts.owner_inactive,
        ),
        rules.weights,
    )


# Duplicate scope ----------------------------------------------------------------


def parent_path(path: str) -> str:
    """The materialised path of a unit's parent: "/1/4/" gives "/1/"."""
    parts = [part for part in path.split("/") if part]
    return "/" + "".join(f"{part}/" for part in parts[:-1])


def duplicate_pair(
    first: tuple[int, str], second: tuple[int, str], include_siblings: bool = False
) -> tuple[int, int] | None:
    """(lower risk, higher risk) when two risks, given as (id, unit path), are in registers where a
    duplicate matters: one unit above the other (area and corporate, unit and division), or side by side
    when siblings are included (the newer risk counts as the lower). None otherwise."""
    (first_id, first_path), (second_id, second_path) = first, second
    if first_path == second_path:
        return None
    if first_path.startswith(second_path):
        return first_id, second_id
    if second_path.startswith(first_path):
        return second_id, first_id
    if include_siblings and parent_path(first_path) == parent_path(second_path):
        return max(first_id, second_id), min(first_id, second_id)
    return None


# Lifecycle ------------------------------------------------------------------------

TRANSITIONS: dict[FlagStatus, frozenset[FlagStatus]] = {
    FlagStatus.OPEN: frozenset({FlagStatus.ACKNOWLEDGED, FlagStatus.RESOLVED, FlagStatus.DISMISSED}),
    FlagStatus.ACKNOWLEDGED: frozenset({FlagStatus.RESOLVED, FlagStatus.DISMISSED}),
    FlagStatus.RESOLVED: frozenset(),
    FlagStatus.DISMISSED: frozenset(),
}


def transition_refusal(current: FlagStatus, new: FlagStatus) -> str | None:
    """Why a flag that is ``current`` cannot become ``new``, in words for the user; None when it can."""
    if new in TRANSITIONS[current]:
        return None
    if current is new:
        return f"This flag is already {current.label.lower()}"
    return f"A flag that is {current.label.lower()} cannot be {new.label.lower()}"


def dismissal_refusal(reason: str | None) -> str | None:
    if not (reason or "").strip():
        return "Enter why the flag is being dismissed"
    return None


# Register health ----------------------------------------------------------------

# A register whose open risks average this staleness has used up the staleness part of its health.
STALENESS_REFERENCE = 180


@dataclass(frozen=True)
class HealthFigures:
    open_risks: int
    flagged_risks: int  # open risks with at least one open or acknowledged flag
    overdue_reviews: int
    total_staleness: int

    @property
    def mean_staleness(self) -> float:
        return self.total_staleness / self.open_risks if self.open_risks else 0.0


def health_score(figures: HealthFigures) -> int:
    """0 (every risk flagged, overdue and very stale) to 100 (no open flags, nothing overdue, nothing stale).

    40% weight on the share of open risks with open flags, 30% on the share overdue for review, 30% on the
    mean staleness against STALENESS_REFERENCE. A register with no open risks scores 100.
    """
    if figures.open_risks <= 0:
        return 100
    flagged = min(1.0, figures.flagged_risks / figures.open_risks)
    overdue = min(1.0, figures.overdue_reviews / figures.open_risks)
    stale = min(1.0, figures.mean_staleness / STALENESS_REFERENCE)
    return round(100 * (1 - (0.4 * flagged + 0.3 * overdue + 0.3 * stale)))


def health_trend(scores_oldest_first: Sequence[int]) -> str:
    """'better', 'worse' or 'steady' from the two latest health scores; 'new' with fewer than two."""
    if len(scores_oldest_first) < 2:
        return "new"
    return {"rising": "better", "falling": "worse"}.get(scoring.trend(list(scores_oldest_first)), "steady")
