"""HQ quality flags: scanning risks for them, deciding on them, and register health (DESIGN capability 7).

A scan compares the flags the risks' facts call for (riskreg.rules.flags) with the flags that stand for a
condition (``Flag.condition_key``), then:

- raises a flag for each condition nobody has a flag for yet, so running a scan twice raises nothing new;
- leaves alone the flags still called for (it only refreshes their staleness for ranking);
- clears the open and acknowledged flags whose condition no longer holds (resolved, resolution "cleared",
  by nobody), and forgets decided flags whose condition ended, so the flag can be raised afresh if the
  condition comes back. A dismissed duplicate pair is remembered in its own table and never raised again.

``scan_all`` covers every risk, including possible duplicates, and stores each register's health for the day.
``scan_risk`` covers one risk's own flags, on save; it leaves duplicates to ``scan_all``, because whoever
saves a risk has just been shown the similar risks in other registers (riskreg.web.risks).
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from riskreg.clock import today as clock_today
from riskreg.clock import utcnow
from riskreg.config import settings
from riskreg.enums import DivergenceKind, FlagKind, FlagResolution, FlagStatus, LinkKind, RiskStatus
from riskreg.extensions import db
from riskreg.models import (
    ControlTest,
    Countermeasure,
    DismissedPair,
    Flag,
    FlagComment,
    Register,
    RegisterHealth,
    Review,
    Risk,
    RiskLink,
    User,
)
from riskreg.rules import flags as flag_rules
from riskreg.rules import links as link_rules
from riskreg.rules.evidence import long_date
from riskreg.rules.flags import FlagRules, Raised, RiskFacts
from riskreg.services import ServiceError, recommendations, risks
from riskreg.services.assurance.control_tests import window_months
from riskreg.services.audit import trail as audit
from riskreg.services.flags import decisions, similarity
from riskreg.services.flags import pairs as pair_flags
from riskreg.services.measures import breaches as measure_breaches
from riskreg.services.registers import rules as scoring_rules

CONTRIBUTES = LinkKind.CONTRIBUTES_TO
# Staleness counts unchanged reviews among the latest few; the stagnant-score rule needs at most as many.
REVIEWS_CONSIDERED = 6
# The new flags' ids are read back this many condition keys a query (a scan at scale L raises hundreds of thousands).
KEYS_PER_QUERY = 10_000


def rules() -> FlagRules:
    return settings().flags


@dataclass
class ScanResult:
    raised: Counter = field(default_factory=Counter)
    cleared: Counter = field(default_factory=Counter)

    @property
    def raised_count(self) -> int:
        return sum(self.raised.values())

    @property
    def cleared_count(self) -> int:
        return sum(self.cleared.values())


@dataclass(frozen=True)
class _Wanted:
    risk_id: int
    raised: Raised


# Facts ----------------------------------------------------------------------------------------------------


def _recent_scores(scope, count: int) -> dict[int, list[int]]:
    position = sa.func.row_number().over(
        partition_by=Review.risk_id, order_by=(Review.reviewed_on.desc(), Review.id.desc())
    )
    ranked = (
        sa.select(Review.risk_id, (Review.residual_l * Review.residual_i).label("score"), position.label("n"))
        .where(Review.risk_id.in_(scope))
        .subquery()
    )
    scores: dict[int, list[int]] = defaultdict(list)
    query = sa.select(ranked.c.risk_id, ranked.c.score).where(ranked.c.n <= count)
    for risk_id, score in db.session.execute(query.order_by(ranked.c.risk_id, ranked.c.n)):
        scores[risk_id].append(score)
    return scores


def _countermeasures(scope, today: date) -> dict[int, list[flag_rules.CountermeasureFacts]]:
    last_test = (
        sa.select(ControlTest.countermeasure_id, sa.func.max(ControlTest.tested_on).label("tested_on"))
        .where(ControlTest.tested_on <= today)
        .group_by(ControlTest.countermeasure_id)
        .subquery()
    )
    query = (
        sa.select(
            Countermeasure.risk_id,
            Countermeasure.title,
            Countermeasure.status,
            Countermeasure.due_on,
            last_test.c.tested_on,
            Countermeasure.implemented_on,
        )
        .outerjoin(last_test, last_test.c.countermeasure_id == Countermeasure.id)
        .where(Countermeasure.risk_id.in_(scope))
        .order_by(Countermeasure.id)
    )
    found: dict[int, list[flag_rules.CountermeasureFacts]] = defaultdict(list)
    for risk_id, *facts in db.session.execute(query):
        found[risk_id].append(flag_rules.CountermeasureFacts(*facts))
    return found


def _contributing(scope) -> set[int]:
    query = sa.select(RiskLink.from_risk_id).where(RiskLink.kind == CONTRIBUTES, RiskLink.from_risk_id.in_(scope))
    return set(db.session.scalars(query))


def _divergences(risk_ids: Sequence[int] | None) -> dict[int, list[str]]:
    """Divergence messages per risk, for some risks or (None) every contributes_to link, in one query.

    One flag per risk informed, its alerts grouped by reason (riskreg.rules.links.grouped), on the risk whose
    owner can act: the risk informed, whose score is the question; or, when that risk is closed, each
    contributor, which must be linked elsewhere or closed."""
    query = (
        sa.select(RiskLink)
        .where(RiskLink.kind == CONTRIBUTES)
        .options(joinedload(RiskLink.from_risk), joinedload(RiskLink.to_risk))
        .order_by(RiskLink.id)
    )
    if risk_ids is not None:
        query = query.where(sa.or_(RiskLink.from_risk_id.in_(risk_ids), RiskLink.to_risk_id.in_(risk_ids)))
    alerts, refs = [], {}
    for link in db.session.scalars(query):
        alerts += link_rules.divergences(link.from_risk, link.to_risk, scoring_rules())
        refs |= {link.from_risk_id: link.from_risk.ref, link.to_risk_id: link.to_risk.ref}
    messages: dict[int, list[str]] = defaultdict(list)
    for alert in alerts:
        if alert.kind is DivergenceKind.PARENT_CLOSED:
            messages[alert.contributor_id].append(f"{alert.message}: link it to another risk it informs, or close it")
    for group in link_rules.grouped([a for a in alerts if a.kind is not DivergenceKind.PARENT_CLOSED], refs):
        messages[group.parent_id].append(group.message)
    return messages


def not_yet_set(risk: Risk) -> tuple[str, ...]:
    """What an import left for the register's manager to fill in."""
    missing = [
        label
        for label, value in (
            ("category", risk.category),
            ("strategic objective", risk.objective),
            ("local influence", risk.influence),
        )
        if value is None
    ]
    if risk.owner_to_confirm:
        missing.append(f"owner (‘{risk.owner_to_confirm}’ to confirm)")
    return tuple(missing)


def _facts(risks: Sequence[Risk], scope, today: date, whole: bool) -> dict[int, RiskFacts]:
    """Each risk's facts in a fixed number of queries. ``scope`` (what the queries filter on) is a list of the
    risks' ids, or for a whole scan (``whole``) a select of every open risk's id: no list of thousands of ids."""
    settings = rules()
    scores = _recent_scores(scope, max(settings.stagnant_reviews, REVIEWS_CONSIDERED))
    countermeasures = _countermeasures(scope, today)
    upwards = _contributing(scope)
    divergences = _divergences(None if whole else [risk.id for risk in risks])
    breaches = measure_breaches.breaches(scope)
    return {
        risk.id: RiskFacts(
            id=risk.id,
            is_open=risk.is_open,
            created_on=risk.created_at.date(),
            category=risk.category,
            residual_score=risk.residual_score,
            influence=risk.influence,
            cause=risk.cause,
            consequence=risk.consequence,
            has_register_above=risk.register.unit.parent_id is not None,
            next_review_on=risk.next_review_on,
            review_scores=scores.get(risk.id, []),
            countermeasures=countermeasures.get(risk.id, []),
            contributes_upwards=risk.id in upwards,
            divergences=divergences.get(risk.id, []),
            owner_inactive=risk.owner is None or not risk.owner.is_active,
            not_yet_set=not_yet_set(risk),
            measure_breaches=breaches.get(risk.id, ()),
            last_reviewed_on=risk.last_reviewed_on,
            register_id=risk.register_id,
        )
        for risk in risks
    }


def _wanted_per_risk(facts: dict[int, RiskFacts], today: date) -> tuple[dict[str, _Wanted], dict[int, int]]:
    settings, scoring, months = rules(), scoring_rules(), window_months()
    wanted: dict[str, _Wanted] = {}
    staleness: dict[int, int] = {}
    for risk_id, risk_facts in facts.items():
        staleness[risk_id] = flag_rules.staleness_of(risk_facts, today, settings, scoring, months)
        for raised in flag_rules.raised_flags(risk_facts, today, settings, scoring, months):
            wanted[flag_rules.condition_key(raised.kind, risk_id)] = _Wanted(risk_id, raised)
    wanted.update(_recommendations_wanted([risk_id for risk_id, item in facts.items() if item.is_open], today))
    return wanted, staleness


def _recommendations_wanted(risk_ids: list[int], today: date) -> dict[str, _Wanted]:
    """A flag on each open risk that an overdue recommendation concerns (capability 15): one per risk, naming them."""
    if not risk_ids:
        return {}
    kind, wanted = FlagKind.RECOMMENDATION_OVERDUE, {}
    for risk_id, overdue in recommendations.overdue_by_risk(risk_ids, today).items():
        named = "; ".join(
            f"{item.report.title}, paragraph {item.paragraph} "
            f"(due {long_date(item.due_on)}, {item.status.label.lower()})"
            for item in overdue
        )
        note = f"{'An overdue recommendation concerns' if len(overdue) == 1 else 'Overdue recommendations concern'} "
        note += f"this risk: {named}"
        wanted[flag_rules.condition_key(kind, risk_id)] = _Wanted(risk_id, Raised(kind, note))
    return wanted


# Possible duplicates --------------------------------------------------------------------------------------


@dataclass
class _Holdings:
    """Where the open risks of each wording are, for working out each risk's pair flags without listing pairs."""

    wordings: similarity.Wordings
    path_of: dict[int, str]  # register id → its unit's path
    members: dict[tuple[int, int], list[int]]  # (wording, register) → its risks' ids, ascending
    held: dict[int, set[int]]  # register → the wordings it holds
    bit_of: dict[int, int]  # register → its bit in a set of registers
    register_of_bit: dict[int, int]
    by_depth: dict[tuple[int, int], int]  # (wording, depth) → the registers at that depth holding it, as bits
    above: dict[int, tuple[int, ...]]  # register → the registers whose paths its path starts with (above it)

    @classmethod
    def of(cls, wordings: similarity.Wordings, path_of: dict[int, str]) -> "_Holdings":
        registers = sorted(path_of)
        bit_of = {register: 1 << n for n, register in enumerate(registers)}
        by_path = {path: register for register, path in path_of.items()}
        above = {
            register: tuple(by_path[path[:n]] for n in range(1, len(path)) if path[:n] in by_path)
            for register, path in path_of.items()
        }
        members: dict[tuple[int, int], list[int]] = defaultdict(list)
        held: dict[int, set[int]] = defaultdict(set)
        by_depth: dict[tuple[int, int], int] = defaultdict(int)
        for risk_id, register, wording in zip(
            wordings.risk_ids.tolist(), wordings.register_ids.tolist(), wordings.wording_of.tolist(), strict=True
        ):
            if register not in path_of:
                continue
            members[wording, register].append(risk_id)
            held[register].add(wording)
            by_depth[wording, flag_rules.depth(path_of[register])] |= bit_of[register]
        return cls(wordings, path_of, members, held, bit_of, {b: r for r, b in bit_of.items()}, by_depth, above)

    def matches(self, wording: int) -> dict[int, similarity.WordingMatch]:
        return {match.wording: match for match in self.wordings.matches[wording]}

    def held_at(self, register: int, matches: dict[int, similarity.WordingMatch]) -> Iterable[tuple[int, object]]:
        """The risks in ``register`` whose wordings are among ``matches``, with their match."""
        held = self.held.get(register, ())
        wordings = [w for w in held if w in matches] if len(held) < len(matches) else [w for w in matches if w in held]
        for wording in wordings:
            for risk_id in self.members[wording, register]:
                yield risk_id, matches[wording]


def _ranked(found: Iterable[tuple[int, object]]) -> list[tuple[int, object]]:
    """Best first, as flags are chosen: by the score a flag stores, then the other risk's id."""
    return sorted(found, key=lambda item: (-round(item[1].score, 4), item[0]))


class _PairSearch:
    """Each risk's possible pair flags as the lower risk, from where the wordings like its own are held."""

    def __init__(self, holdings: _Holdings, settings: FlagRules):
        self.holdings, self.settings = holdings, settings
        self.repeats_of: dict[tuple[int, tuple[int, ...]], list] = {}  # the same above every area of a division
        self.themes: dict[tuple[int, int], int] = {}

    def repeats(self, wording: int, register: int) -> list:
        """The risks in the registers above ``register`` like the wording, best first."""
        above = self.holdings.above[register]
        if (wording, above) not in self.repeats_of:
            matches = self.holdings.matches(wording)
            found = (item for higher in above for item in self.holdings.held_at(higher, matches))
            self.repeats_of[wording, above] = _ranked(found)
        return self.repeats_of[wording, above]

    def duplicates(self, risk_id: int, wording: int, register: int) -> list:
        """Older risks like it in other registers at its level, best first; none when the wording is a theme:
        held, with the wordings like it, by ``common_theme_registers`` registers at that level or more."""
        holdings, path = self.holdings, self.holdings.path_of[register]
        level = flag_rules.depth(path)
        if (wording, level) not in self.themes:
            held = 0
            for match in holdings.wordings.matches[wording]:
                held |= holdings.by_depth.get((match.wording, level), 0)
            self.themes[wording, level] = held
        others = self.themes[wording, level] & ~holdings.bit_of[register]
        if not others or others.bit_count() + 1 >= self.settings.common_theme_registers:
            return []
        matches, found = holdings.matches(wording), []
        while others:
            bit = others & -others
            others ^= bit
            # Registers at the same level: neither is above the other (a repeat is found from the lower risk).
            other_register = holdings.register_of_bit[bit]
            found += [item for item in holdings.held_at(other_register, matches) if item[0] < risk_id]
        return _ranked(found)


def _pair_candidates(holdings: _Holdings, settings: FlagRules, contributing: set[int]):
    """Per open risk, in the order of ids: (risk, other risk, kind, match) for each pair flag it may carry as the
    lower risk, best first within a kind. A risk *repeats* a risk in a register above it (unless it already
    informs one); it is a *possible duplicate* of an older risk in another register at its level."""
    wordings, search = holdings.wordings, _PairSearch(holdings, settings)
    for risk_id, register, wording in zip(
        wordings.risk_ids.tolist(), wordings.register_ids.tolist(), wordings.wording_of.tolist(), strict=True
    ):
        if register not in holdings.path_of or not wordings.matches[wording]:
            continue
        if risk_id not in contributing:
            for other_id, match in search.repeats(wording, register):
                yield risk_id, other_id, FlagKind.REPEATS_HIGHER, match
        if settings.include_siblings:
            for other_id, match in search.duplicates(risk_id, wording, register):
                yield risk_id, other_id, FlagKind.POSSIBLE_DUPLICATE, match


def _duplicates_wanted(
    wordings: similarity.Wordings, risks_by_id: dict[int, Risk], contributing: set[int]
) -> dict[str, _Wanted]:
    """Pair flags: a risk repeating one in a register above it, and possible duplicates at the same level,
    leaving out pairs already linked and pairs dismissed, and repeats by a risk that already informs a risk
    above it (``contributing``: it has said which); each risk's best few of each kind only. Worked out per
    risk from where each wording is held (``wordings``), never from a list of every pair of risks."""
    settings = rules()
    excluded = pair_flags.linked_pairs() | pair_flags.dismissed_pairs()
    path_of = {
        risk.register_id: risk.register.unit.path
        for risk_id in set(wordings.risk_ids.tolist())
        if (risk := risks_by_id.get(risk_id)) is not None
    }
    wanted: dict[str, _Wanted] = {}
    chosen: Counter = Counter()
    for lower_id, higher_id, kind, match in _pair_candidates(_Holdings.of(wordings, path_of), settings, contributing):
        if chosen[lower_id, kind] >= settings.duplicates_per_risk or frozenset((lower_id, higher_id)) in excluded:
            continue
        if lower_id not in risks_by_id or higher_id not in risks_by_id:
            continue
        chosen[lower_id, kind] += 1
        lower, higher = risks_by_id[lower_id], risks_by_id[higher_id]
        how = f"{match.stage.label.lower()}, score {match.score:.2f}"
        note = flag_rules.pair_note(
            kind,
            f"{lower.ref} ({lower.register.unit.name})",
            f"{higher.ref} ({higher.register.unit.name})",
            higher.title,
            how,
        )
        raised = Raised(kind, note, higher.id, round(match.score, 4), match.stage.value)
        wanted[flag_rules.condition_key(kind, lower.id, higher.id)] = _Wanted(lower.id, raised)
    return wanted


# Reconciling ------------------------------------------------------------------------------------------------


def _clear(flag: Flag, result: ScanResult) -> None:
    """The condition no longer holds: an undecided flag is resolved as cleared; a decided one lets go of it."""
    flag.condition_key = None
    if not flag.is_live:
        return
    flag.status, flag.resolution, flag.resolved_at, flag.resolved_by = (
        FlagStatus.RESOLVED,
        FlagResolution.CLEARED,
        utcnow(),
        None,
    )
    db.session.flush()
    audit.record(
        None, "flag.cleared", "flag", flag.id, {"kind": flag.kind, "status": ["open", "resolved"]}, risk_id=flag.risk_id
    )
    result.cleared[flag.kind] += 1


def _reconcile(
    existing: Iterable[Flag], wanted: dict[str, _Wanted], staleness: dict[int, int], actor: User | None
) -> ScanResult:
    result = ScanResult()
    standing = {flag.condition_key: flag for flag in existing}
    for key, flag in standing.items():
        if key not in wanted:
            _clear(flag, result)
            continue
        flag.staleness = staleness.get(flag.risk_id, flag.staleness)
        if flag.is_live and (flag.note, flag.score) != (wanted[key].raised.note, wanted[key].raised.score):
            flag.note, flag.score = wanted[key].raised.note, wanted[key].raised.score
    db.session.flush()

    # In the order of the risks' ids (numbers, not the keys' text), so flags are raised in the same order
    # whatever ids the risks have: the demo is the same in every database.
    def order(key: str) -> tuple:
        item = wanted[key]
        return item.risk_id, item.raised.other_risk_id or 0, item.raised.kind.value

    _raise_all(sorted(set(wanted) - set(standing), key=order), wanted, staleness, actor, result)
    return result


def _raise_all(
    keys: list[str], wanted: dict[str, _Wanted], staleness: dict[int, int], actor: User | None, result: ScanResult
) -> None:
    """``_raise`` for many flags with one flush and one audit write: an import's scan raises thousands."""
    if not keys:
        return
    now, rows = utcnow(), []
    for key in keys:
        raised = wanted[key].raised
        rows.append(
            {
                "kind": raised.kind,
                "risk_id": wanted[key].risk_id,
                "other_risk_id": raised.other_risk_id,
                "condition_key": key,
                "score": raised.score,
                "method": raised.method,
                "status": FlagStatus.OPEN,
                "staleness": staleness.get(wanted[key].risk_id, 0),
                "note": raised.note,
                "raised_by_id": None,
                "raised_at": now,
            }
        )
        result.raised[raised.kind] += 1
    # One executemany in the keys' order (the ORM sent one INSERT per flag); a condition key names one live flag.
    db.session.execute(sa.insert(Flag.__table__), rows)
    ids = {}
    for start in range(0, len(keys), KEYS_PER_QUERY):  # a query takes at most 65,535 parameters (PostgreSQL)
        chunk = keys[start : start + KEYS_PER_QUERY]
        ids.update(
            db.session.execute(sa.select(Flag.condition_key, Flag.id).where(Flag.condition_key.in_(chunk))).all()
        )
    audit.record_many(
        actor,
        [
            (
                "flag.raised",
                "flag",
                ids[row["condition_key"]],
                {
                    "kind": row["kind"],
                    "note": row["note"],
                    "other_risk_id": row["other_risk_id"],
                    "score": row["score"],
                },
                row["risk_id"],
            )
            for row in rows
        ],
    )


def _open_risks() -> list[Risk]:
    return list(
        db.session.scalars(
            sa.select(Risk)
            .where(Risk.status == RiskStatus.OPEN)
            .options(joinedload(Risk.register).joinedload(Register.unit), joinedload(Risk.owner))
            .order_by(Risk.id)
        )
    )


def scan_all(
    actor: User | None = None, today: date | None = None, progress: Callable[[int, str], None] | None = None
) -> ScanResult:
    """Scan every open risk, possible duplicates included, and store each register's health for the day.

    ``progress(percent, doing)`` follows the stages (a job commits there): the wordings compared, a block at a
    time, come first, before anything is loaded or written, so a commit there expires and writes nothing."""
    today = today or clock_today()
    say = progress or (lambda _percent, _doing: None)
    say(5, "Grouping the open risks by wording")

    def compared(done: int, total: int) -> None:
        say(5 + 55 * done // max(total, 1), f"Compared {done:,} of {total:,} distinct wordings with each other")

    wordings = similarity.similar_wordings(rules().duplicate_threshold, compared)
    say(60, f"Checking the flags of every open risk ({len(wordings.risk_ids):,} with {len(wordings):,} wordings)")
    risks = _open_risks()
    scope = sa.select(Risk.id).where(Risk.status == RiskStatus.OPEN)
    wanted, staleness = _wanted_per_risk(_facts(risks, scope, today, whole=True), today)
    wanted.update(_duplicates_wanted(wordings, {risk.id: risk for risk in risks}, _contributing(scope)))
    del wordings
    _drop_redundant(wanted, {item.risk_id for item in wanted.values() if item.raised.kind is FlagKind.REPEATS_HIGHER})
    existing = db.session.scalars(sa.select(Flag).where(Flag.condition_key.is_not(None)))
    result = _reconcile(existing, wanted, staleness, actor)
    _store_health(risks, staleness, today)
    audit.record(actor, "flags.scanned", "flag", None, {"raised": result.raised_count, "cleared": result.cleared_count})
    return result


def _drop_redundant(wanted: dict[str, _Wanted], repeating: set[int]) -> None:
    """A risk flagged as repeating a higher-level risk is not also flagged as "not linked upwards": the repeat
    says which risk to link it to."""
    for risk_id in repeating:
        wanted.pop(flag_rules.condition_key(FlagKind.NOT_LINKED_UPWARDS, risk_id), None)


def scan_risk(risk: Risk, actor: User | None = None, today: date | None = None) -> ScanResult:
    """One risk's own flags, when it is saved. A closed risk's flags are all cleared, duplicates included."""
    today = today or clock_today()
    wanted, staleness = _wanted_per_risk(_facts([risk], [risk.id], today, whole=False), today)
    repeats = sa.select(Flag.id).where(
        Flag.risk_id == risk.id, Flag.kind == FlagKind.REPEATS_HIGHER, Flag.status.in_(_LIVE)
    )
    if db.session.scalar(repeats.limit(1)) is not None:
        _drop_redundant(wanted, {risk.id})
    touching = Flag.risk_id == risk.id
    if not risk.is_open:
        touching = sa.or_(touching, Flag.other_risk_id == risk.id)
    else:
        touching = sa.and_(touching, Flag.kind.not_in([kind for kind in FlagKind if kind.is_pair]))
    existing = db.session.scalars(sa.select(Flag).where(Flag.condition_key.is_not(None), touching))
    return _reconcile(existing, wanted, staleness, actor)


@recommendations.after_change
@risks.after_save(risks.Stage.FLAGS)
def scan_saved(saved: Sequence[Risk], actor: User | None = None, today: date | None = None) -> ScanResult:
    """``scan_risk`` for a batch of saved risks (an import's, a few hundred at a time) in a fixed number of
    queries: each risk's own flags, and for a closed one its duplicate flags too."""
    today = today or clock_today()
    ids = [risk.id for risk in saved]
    closed = [risk.id for risk in saved if not risk.is_open]
    wanted, staleness = _wanted_per_risk(_facts(saved, ids, today, whole=False), today)
    touching = sa.and_(Flag.risk_id.in_(ids), Flag.kind != FlagKind.POSSIBLE_DUPLICATE)
    if closed:
        touching = sa.or_(touching, Flag.risk_id.in_(closed), Flag.other_risk_id.in_(closed))
    existing = db.session.scalars(sa.select(Flag).where(Flag.condition_key.is_not(None), touching))
    return _reconcile(existing, wanted, staleness, actor)


# Register health ------------------------------------------------------------------------------------------


def _store_health(risks: Sequence[Risk], staleness: dict[int, int], today: date) -> None:
    flagged = set(db.session.scalars(sa.select(Flag.risk_id).where(Flag.status.in_(_LIVE)).distinct()))
    figures: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for risk in risks:
        row = figures[risk.register_id]
        row[0] += 1
        row[1] += risk.id in flagged
        row[2] += bool(risk.next_review_on and risk.next_review_on < today)
        row[3] += staleness.get(risk.id, 0)
    stored = {
        row.register_id: row
        for row in db.session.scalars(sa.select(RegisterHealth).where(RegisterHealth.taken_on == today))
    }
    for register_id in db.session.scalars(sa.select(Register.id)):
        health = flag_rules.HealthFigures(*figures.get(register_id, [0, 0, 0, 0]))
        row = stored.get(register_id) or RegisterHealth(register_id=register_id, taken_on=today)
        row.score, row.mean_staleness = flag_rules.health_score(health), round(health.mean_staleness, 1)
        row.open_risks, row.flagged_risks, row.overdue_reviews = (
            health.open_risks,
            health.flagged_risks,
            health.overdue_reviews,
        )
        db.session.add(row)
    db.session.flush()


_LIVE = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)


# Deciding on flags ----------------------------------------------------------------------------------------

COMMENT_MAX_LENGTH = 4000


def raise_flag(risk: Risk, kind: FlagKind, note: str, actor: User) -> Flag:
    """A flag the HQ risk team raises by hand, for what it saw itself. It stands for no condition, so scans
    leave it alone: it stays until someone decides on it. Possible duplicates come from scans (they need a pair)."""
    note = note.strip()
    if kind.is_pair:
        raise ServiceError("Possible duplicates and repeats are raised by scans: choose another kind of flag")
    if not note:
        raise ServiceError("Enter what the register's owners should look at")
    if not risk.is_open:
        raise ServiceError(f"{risk.ref} is closed: flags are raised on open risks")
    flag = Flag(kind=kind, risk=risk, note=note, status=FlagStatus.OPEN, raised_by=actor, raised_at=utcnow())
    db.session.add(flag)
    db.session.flush()
    audit.record(actor, "flag.raised", "flag", flag.id, {"kind": kind, "note": note}, risk_id=risk.id)
    return flag


def move_flag(flag: Flag, new: FlagStatus, actor: User, action: str, **changes) -> None:
    """Every status change of a flag: checked against the lifecycle, audited against the flag's risk."""
    refusal = flag_rules.transition_refusal(flag.status, new)
    if refusal:
        raise ServiceError(refusal)
    decisions.bump(flag)
    before = flag.status
    flag.status = new
    now = utcnow()
    if new is FlagStatus.ACKNOWLEDGED:
        flag.acknowledged_by, flag.acknowledged_at = actor, now
    else:
        flag.resolved_by, flag.resolved_at = actor, now
    db.session.flush()
    audit.record(
        actor, action, "flag", flag.id, {"kind": flag.kind, "status": [before, new], **changes}, risk_id=flag.risk_id
    )


def acknowledge(flag: Flag, actor: User) -> Flag:
    """HQ has seen the flag and is dealing with it (with the register's owners)."""
    move_flag(flag, FlagStatus.ACKNOWLEDGED, actor, "flag.acknowledged")
    return flag


def bulk_acknowledge(flag_ids: Iterable[int], actor: User) -> int:
    """Acknowledge every open flag among ``flag_ids``; others are left as they are. Returns how many."""
    ids = sorted({int(flag_id) for flag_id in flag_ids})
    if not ids:
        raise ServiceError("Select the flags to acknowledge")
    chosen = db.session.scalars(
        sa.select(Flag).where(Flag.id.in_(ids), Flag.status == FlagStatus.OPEN).order_by(Flag.id)
    ).all()
    for flag in chosen:
        acknowledge(flag, actor)
    return len(chosen)


def resolve(flag: Flag, actor: User, reason: str = "") -> Flag:
    """HQ considers the matter dealt with. While the condition lasts the flag keeps standing for it."""
    flag.resolution, flag.reason = FlagResolution.FIXED, reason.strip() or None
    move_flag(flag, FlagStatus.RESOLVED, actor, "flag.resolved", reason=flag.reason)
    return flag


def dismiss(flag: Flag, actor: User, reason: str) -> Flag:
    """Not a problem, for a stated reason. A dismissed duplicate pair is remembered and never raised again."""
    refusal = flag_rules.dismissal_refusal(reason)
    if refusal:
        raise ServiceError(refusal)
    flag.reason = reason.strip()
    flag.resolution = FlagResolution.NOT_DUPLICATE if flag.is_duplicate else FlagResolution.DISMISSED
    move_flag(flag, FlagStatus.DISMISSED, actor, "flag.dismissed", reason=flag.reason)
    if flag.is_duplicate and flag.other_risk_id is not None:
        low, high = sorted((flag.risk_id, flag.other_risk_id))
        if frozenset((low, high)) not in pair_flags.dismissed_pairs():
            db.session.add(
                DismissedPair(
                    low_risk_id=low, high_risk_id=high, reason=flag.reason, dismissed_by_id=actor.id, flag_id=flag.id
                )
            )
            db.session.flush()
    return flag


def add_comment(flag: Flag, body: str, actor: User) -> FlagComment:
    """Feedback from the HQ risk team, or a reply from the register's owners."""
    body = body.strip()
    if not body:
        raise ServiceError("Enter a comment")
    if len(body) > COMMENT_MAX_LENGTH:
        raise ServiceError(f"Comment must be {COMMENT_MAX_LENGTH} characters or fewer")
    comment = FlagComment(flag=flag, author=actor, body=body)
    db.session.add(comment)
    db.session.flush()
    audit.record(
        actor, "flag.commented", "flag_comment", comment.id, {"flag_id": flag.id, "body": body}, risk_id=flag.risk_id
    )
    return comment
