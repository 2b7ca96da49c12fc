"""HQ quality flags (DESIGN capability 7): which flags a risk's facts raise, how a flag moves through its
lifecycle, which pairs of registers duplicates are looked for between, and a register's health score.

Pure functions: riskreg.services.flags.scan gathers the facts and acts on the answers.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from riskreg.enums import CountermeasureStatus, FlagKind, FlagStatus, Influence
from riskreg.rules import scoring
from riskreg.rules import staleness as staleness_rules
from riskreg.rules.evidence import is_current, long_date, window_start


@dataclass(frozen=True)
class FlagRules:
    # Stagnant score: at least this many of the latest reviews recorded the same score, above appetite. Four
    # is a year of reviews at the usual 90-day cadence: three in a row is common, and HQ cannot chase them all.
    stagnant_reviews: int = 4
    # A review this many days late is the owner's (the reminders remind them); later, HQ is told.
    review_grace_days: int = 30
    # Untested controls, overdue actions and missing countermeasures are HQ's business on risks above
    # appetite; on the others they are the owner's and the certificate's (which discloses them).
    housekeeping_above_appetite_only: bool = True
    # An overdue action reaches HQ when it is this many days late: before that the owner's reminders chase it.
    action_grace_days: int = 90
    # A risk this young is not yet flagged for having no countermeasures or not being linked upwards:
    # its owner adds those after saving it.
    grace_days: int = 30
    # A cause or consequence shorter than this (in characters, ignoring spaces) explains nothing.
    min_description_length: int = 15
    # Pair flags: the similarity engine's scan threshold, chosen for precision at least 0.8 on the labelled
    # pairs of different risks that look alike (docs/benchmarks.md, "Precision").
    duplicate_threshold: float = 0.6
    # At most this many other risks are proposed as the duplicate (or the original) of one risk, the most
    # similar first: one is enough to start the conversation, and the rest follow when it is linked.
    duplicates_per_risk: int = 1
    # Also look for duplicates between registers at the same level (two areas, two divisions).
    include_siblings: bool = True
    # A wording held by at least this many registers at one level is a theme they share, not a duplicate.
    common_theme_registers: int = 3
    weights: staleness_rules.StalenessWeights = field(default_factory=staleness_rules.StalenessWeights)


DEFAULT_FLAG_RULES = FlagRules()

# Higher first in HQ's queue: the inspection's findings (duplication, registers not reviewed) lead.
SEVERITY: dict[FlagKind, int] = {
    FlagKind.POSSIBLE_DUPLICATE: 9,
    FlagKind.REPEATS_HIGHER: 9,
    FlagKind.REVIEW_OVERDUE: 8,
    # An inspectorate, NAO or internal audit recommendation about the risk is past its due date (capability 15).
    FlagKind.RECOMMENDATION_OVERDUE: 8,
    FlagKind.LINK_DIVERGENCE: 7,
    FlagKind.MEASURE_BREACH: 7,
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
class MeasureBreach:
    """A measure informing the risk whose latest value is outside tolerance (riskreg.rules.measures)."""

    note: str
    recorded_on: date  # when the value was recorded: a review on or after that day has answered it


@dataclass(frozen=True)
class RiskFacts:
    """What the flag rules need to know about one risk."""

    id: int
    is_open: bool
    created_on: date
    category: str | None  # a category code
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
    measure_breaches: Sequence[MeasureBreach] = ()
    last_reviewed_on: date | None = None
    register_id: int | None = None  # its register's unit's appetite applies (None: the organisation's)


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
    if kind.is_pair and other_risk_id is not None:
        low, high = sorted((risk_id, other_risk_id))
        return f"{kind.value}:{low}:{high}"
    return f"{kind.value}:{risk_id}"


def is_unclear(text: str, rules: FlagRules = DEFAULT_FLAG_RULES) -> bool:
    """Missing, a placeholder ("n/a", "tbc"), or too short to say anything."""
    squeezed = re.sub(r"\s+", " ", text or "").strip().lower().rstrip(".")
    return squeezed in PLACEHOLDERS or len(squeezed.replace(" ", "")) < rules.min_description_length


def _overdue_actions(facts: RiskFacts, today: date) -> list[CountermeasureFacts]:
    return [
        cm
        for cm in facts.countermeasures
        if cm.status is CountermeasureStatus.PLANNED and cm.due_on is not None and cm.due_on < today
    ]


def _untested_controls(facts: RiskFacts, today: date, months: int) -> list[CountermeasureFacts]:
    """In place, with no test in the window, and in place for longer than the window (a new control has not
    yet gone a whole window untested)."""
    start = window_start(today, months)
    return [
        cm
        for cm in facts.countermeasures
        if cm.status is CountermeasureStatus.IN_PLACE
        and not is_current(cm.last_tested_on, today, months)
        and (cm.implemented_on is None or cm.implemented_on < start)
    ]


def _in_place(facts: RiskFacts) -> int:
    return sum(cm.status is CountermeasureStatus.IN_PLACE for cm in facts.countermeasures)


def _titles(countermeasures: Sequence[CountermeasureFacts], with_due: bool = False) -> str:
    parts = [
        f"{cm.title} (due {long_date(cm.due_on)})" if with_due and cm.due_on else cm.title for cm in countermeasures
    ]
    return "; ".join(parts)


def _above(facts: RiskFacts, scoring_rules: scoring.ScoringRules) -> bool:
    return scoring.is_above_appetite(facts.residual_score, facts.category, scoring_rules, facts.register_id)


def _description_flag(facts: RiskFacts, rules: FlagRules) -> Raised | None:
    missing = [
        name for name, text in (("cause", facts.cause), ("consequence", facts.consequence)) if is_unclear(text, rules)
    ]
    if not missing:
        return None
    what = " and the ".join(missing)
    return Raised(
        FlagKind.UNCLEAR_DESCRIPTION,
        f"The {what} {'is' if len(missing) == 1 else 'are'} missing or too "
        "short to explain why the risk exists and what it would lead to",
    )


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
    due = facts.next_review_on
    if due is not None and (today - due).days > rules.review_grace_days:
        found.append(
            Raised(
                FlagKind.REVIEW_OVERDUE,
                f"The review was due on {long_date(due)}, {(today - due).days} "
                "days ago: review it, or close the risk if it no longer applies",
            )
        )
    above = _above(facts, scoring_rules)
    run = staleness_rules.unchanged_run(facts.review_scores)
    if above and run >= rules.stagnant_reviews:
        tolerance = scoring.tolerance_for(facts.category, scoring_rules, facts.register_id)
        found.append(
            Raised(
                FlagKind.STAGNANT_SCORE,
                f"The last {run} reviews all recorded a residual score of "
                f"{facts.review_scores[0]}, above the tolerance of {tolerance}: say what will bring it "
                "down, or escalate it",
            )
        )
    material = above or not rules.housekeeping_above_appetite_only
    settled = (today - facts.created_on).days >= rules.grace_days
    live = any(cm.status is not CountermeasureStatus.RETIRED for cm in facts.countermeasures)
    if settled and material and not live:
        found.append(
            Raised(FlagKind.NO_COUNTERMEASURES, "No countermeasure is planned or in place for a risk above appetite")
        )
    description = _description_flag(facts, rules)
    if description:
        found.append(description)
    upwards_missing = facts.has_register_above and not facts.contributes_upwards
    if settled and facts.influence is Influence.LOW and upwards_missing:
        found.append(
            Raised(
                FlagKind.NOT_LINKED_UPWARDS,
                "The unit has little influence over this risk, but it does "
                "not contribute to a risk in a higher-level register: link it to the risk it informs, "
                "or close it",
            )
        )
    untested = _untested_controls(facts, today, months) if material else []
    # Some controls tested in the window: the risk has assurance, and the gaps are the certificate's to show.
    if untested and len(untested) == _in_place(facts):
        found.append(
            Raised(
                FlagKind.CONTROL_UNTESTED,
                f"None of its controls was tested in the last {months} "
                f"months: {_titles(untested)}. Test the one it relies on most",
            )
        )
    late = [cm for cm in _overdue_actions(facts, today) if (today - cm.due_on).days > rules.action_grace_days]
    if material and late:
        found.append(
            Raised(
                FlagKind.ACTION_OVERDUE,
                f"Planned, more than {rules.action_grace_days} days past "
                f"the due date: {_titles(late, True)}. Complete it, or re-plan it",
            )
        )
    return found + _record_flags(facts)


def _record_flags(facts: RiskFacts) -> list[Raised]:
    """What the record itself lacks or contradicts: links that diverge, fields an import left not yet set."""
    found = []
    if facts.divergences:
        found.append(Raised(FlagKind.LINK_DIVERGENCE, "; ".join(facts.divergences)))
    if facts.not_yet_set:
        found.append(Raised(FlagKind.INCOMPLETE, f"Not yet set: {', '.join(facts.not_yet_set)}"))
    unanswered = unanswered_breaches(facts)
    if unanswered:
        found.append(Raised(FlagKind.MEASURE_BREACH, "; ".join(breach.note for breach in unanswered)))
    return found


def unanswered_breaches(facts: RiskFacts) -> list[MeasureBreach]:
    """Breaches recorded after the risk's latest review: a breach asks for a review, and a review answers it (the
    measure stays red in the quarterly pack until its values come back within tolerance)."""
    reviewed = facts.last_reviewed_on
    return [breach for breach in facts.measure_breaches if reviewed is None or reviewed < breach.recorded_on]


def staleness_of(
    facts: RiskFacts,
    today: date,
    rules: FlagRules = DEFAULT_FLAG_RULES,
    scoring_rules: scoring.ScoringRules = scoring.DEFAULT_RULES,
    months: int = 12,
) -> int:
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


def depth(path: str) -> int:
    return len([part for part in path.split("/") if part])


def pair_flag(
    first: tuple[int, str], second: tuple[int, str], include_siblings: bool = True
) -> tuple[int, int, FlagKind] | None:
    """(lower risk, higher risk, kind) for two similar risks given as (id, unit path), by where their
    registers sit. One register above the other (area and corporate, unit and division): the lower risk
    *repeats* the higher one, and should inform it (inspection 4.10). Registers at the same level (two areas,
    two divisions): a *possible duplicate*, the newer risk counted as the lower. None in the same register or
    in registers at different levels of different branches, which share themes but not risks."""
    (first_id, first_path), (second_id, second_path) = first, second
    if first_path == second_path:
        return None
    if first_path.startswith(second_path):
        return first_id, second_id, FlagKind.REPEATS_HIGHER
    if second_path.startswith(first_path):
        return second_id, first_id, FlagKind.REPEATS_HIGHER
    if include_siblings and depth(first_path) == depth(second_path):
        return max(first_id, second_id), min(first_id, second_id), FlagKind.POSSIBLE_DUPLICATE
    return None


def pair_note(kind: FlagKind, lower: str, higher: str, higher_title: str, how: str) -> str:
    """What a pair flag tells the register's owners to do. ``lower``/``higher`` are "REF (unit name)"."""
    if kind is FlagKind.REPEATS_HIGHER:
        return (
            f"{lower} repeats {higher}, “{higher_title}” ({how}): link it as contributing to it, or close it "
            "if the unit cannot influence it"
        )
    return (
        f"{lower} may be the same risk as {higher} ({how}): if one register should hold it, close the other "
        "as a duplicate; if not, dismiss the flag"
    )


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
