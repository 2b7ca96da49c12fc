"""The Audit and Risk Committee's view: each corporate risk with what informs it, and comments on risks."""

import functools
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from riskreg.enums import DivergenceKind, LinkKind, RiskStatus, UnitKind
from riskreg.extensions import db
from riskreg.models import Comment, ContributorFigure, Register, Risk, RiskLink, Unit, User
from riskreg.rules import links as link_rules
from riskreg.rules import scoring
from riskreg.rules.links import Divergence, Rollup
from riskreg.services import ServiceError
from riskreg.services.audit import trail as audit
from riskreg.services.figures import contributor_figures_select
from riskreg.services.links import contributions_to, trends
from riskreg.services.registers import (
    Page,
    names_only,
    page_within,
    rules,
)

COMMENT_MAX_LENGTH = 4000
# A committee pack carries the comments made in the quarter up to its meeting.
PACK_COMMENT_WINDOW = timedelta(days=92)
# Meetings a pack can be made for: a date near the ends of the calendar would overflow the window's arithmetic.
MEETINGS_FROM, MEETINGS_UNTIL = date(2000, 1, 1), date(2099, 12, 31)


def is_meeting_date(meeting: date) -> bool:
    return MEETINGS_FROM <= meeting <= MEETINGS_UNTIL


LATEST_COMMENTS_SHOWN = 3


# Comments ---------------------------------------------------------------------------


def add_comment(risk: Risk, body: str, actor: User) -> Comment:
    body = body.strip()
    if not body:
        raise ServiceError("Enter a comment")
    if len(body) > COMMENT_MAX_LENGTH:
        raise ServiceError(f"Comment must be {COMMENT_MAX_LENGTH} characters or fewer")
    comment = Comment(risk=risk, author=actor, body=body)
    db.session.add(comment)
    db.session.flush()
    audit.record(actor, "comment.added", "comment", comment.id, {"body": body}, risk_id=risk.id)
    return comment


def comments_on(risk: Risk) -> list[Comment]:
    return list(
        db.session.scalars(
            sa.select(Comment)
            .where(Comment.risk_id == risk.id)
            .options(joinedload(Comment.author))
            .order_by(Comment.created_at.desc(), Comment.id.desc())
        )
    )


def _comments_by_risk(
    risk_ids: Collection[int], since: datetime | None, until: datetime | None, per_risk: int | None
) -> dict[int, list[Comment]]:
    """Comments on many risks, newest first, in one query: all in a period, or the latest few of each."""
    query = _comments_query(since is not None, until is not None, per_risk is not None)
    values = {"risks": list(risk_ids), "since": since, "until": until, "per_risk": per_risk}
    grouped: dict[int, list[Comment]] = defaultdict(list)
    for comment in db.session.scalars(query, values):
        grouped[comment.risk_id].append(comment)
    return grouped


@functools.lru_cache(maxsize=8)
def _comments_query(since: bool, until: bool, per_risk: bool) -> sa.Select:
    """``_comments_by_risk``'s query, with the bounds it has, built once (the ids and bounds are parameters):
    building it cost SQLAlchemy about as much as running it (issue 20)."""
    position = sa.func.row_number().over(
        partition_by=Comment.risk_id, order_by=(Comment.created_at.desc(), Comment.id.desc())
    )
    ranked = sa.select(Comment.id, position.label("n")).where(
        Comment.risk_id.in_(sa.bindparam("risks", expanding=True))
    )
    if since:
        ranked = ranked.where(Comment.created_at >= sa.bindparam("since", type_=Comment.created_at.type))
    if until:
        ranked = ranked.where(Comment.created_at < sa.bindparam("until", type_=Comment.created_at.type))
    ranked = ranked.subquery()
    query = sa.select(Comment).join(ranked, ranked.c.id == Comment.id).options(joinedload(Comment.author))
    if per_risk:
        query = query.where(ranked.c.n <= sa.bindparam("per_risk", type_=sa.Integer))
    return query.order_by(Comment.created_at.desc(), Comment.id.desc())


# The committee view ---------------------------------------------------------------------


@dataclass
class Contributor:
    risk: Risk
    link: RiskLink
    trend: str
    alerts: list[Divergence]

    @property
    def difference(self) -> int:
        """Its residual score less its parent's: positive when it is scored higher."""
        return self.risk.residual_score - self.link.to_risk.residual_score


@dataclass
class RegisterGroup:
    register: Register
    contributors: list[Contributor] = field(default_factory=list)


@dataclass
class CorporateEntry:
    risk: Risk
    trend: str
    above_appetite: bool
    groups: list[RegisterGroup]
    rollup: Rollup
    alerts: list[link_rules.GroupedAlert]  # one per reason, for all its contributors
    comments: list[Comment] = field(default_factory=list)

    @property
    def contributor_count(self) -> int:
        return sum(len(group.contributors) for group in self.groups)


@dataclass(frozen=True)
class CommitteeFilters:
    above_appetite: bool = False  # the corporate risk itself is above appetite
    with_alerts: bool = False

    def keep(self, above_appetite: bool, has_alerts: bool) -> bool:
        return (above_appetite or not self.above_appetite) and (has_alerts or not self.with_alerts)


def _corporate_risks() -> list[Risk]:
    """Open corporate risks, and closed ones that open risks still contribute to (the committee must see those),
    with their register and unit loaded (the pack names them). ``corporate_figures`` chooses the same ones."""
    child = aliased(Risk)
    still_informed = (
        sa.select(RiskLink.to_risk_id)
        .join(child, child.id == RiskLink.from_risk_id)
        .where(RiskLink.kind == LinkKind.CONTRIBUTES_TO, child.status == RiskStatus.OPEN)
    )
    return list(
        db.session.scalars(
            sa.select(Risk)
            .join(Risk.register)
            .join(Register.unit)
            .where(Unit.kind == UnitKind.HEADQUARTERS)
            .where(sa.or_(Risk.status == RiskStatus.OPEN, Risk.id.in_(still_informed)))
            .options(
                joinedload(Risk.register).joinedload(Register.unit),
                joinedload(Risk.owner).options(names_only()),
            )
            .order_by(Risk.id)
        )
    )


def _entry(risk: Risk, incoming: list[RiskLink], trend_of: dict[int, str]) -> CorporateEntry:
    groups: dict[int, RegisterGroup] = {}
    alerts: list[Divergence] = []
    for link in sorted(incoming, key=lambda link: (link.from_risk.register.unit.name, link.from_risk.id)):
        contributor = link.from_risk
        found = link_rules.divergences(contributor, risk, rules())
        alerts += found
        group = groups.setdefault(contributor.register_id, RegisterGroup(contributor.register))
        group.contributors.append(Contributor(contributor, link, trend_of[contributor.id], found))
    return CorporateEntry(
        risk=risk,
        trend=trend_of[risk.id],
        above_appetite=scoring.is_above_appetite(risk.residual_score, risk.category, rules(), risk.register_id),
        groups=list(groups.values()),
        rollup=link_rules.rollup((link.from_risk for link in incoming), rules()),
        alerts=link_rules.grouped(
            alerts, {risk.id: risk.ref, **{link.from_risk_id: link.from_risk.ref for link in incoming}}
        ),
    )


def committee_view(
    filters: CommitteeFilters = CommitteeFilters(),  # noqa: B008 - frozen, so a shared default is safe
    comments_between: tuple[datetime, datetime] | None = None,
) -> list[CorporateEntry]:
    """Every corporate risk with its contributing risks, in a fixed number of queries however many there are.

    Comments: those made in ``comments_between`` (for a pack), otherwise the latest few on each risk.
    """
    corporate = _corporate_risks()
    ids = [risk.id for risk in corporate]
    incoming: dict[int, list[RiskLink]] = defaultdict(list)
    for link in contributions_to(ids):
        incoming[link.to_risk_id].append(link)
    trend_of = trends({*ids, *(link.from_risk_id for links in incoming.values() for link in links)})
    entries = [_entry(risk, incoming[risk.id], trend_of) for risk in corporate]
    entries = [entry for entry in entries if filters.keep(entry.above_appetite, bool(entry.alerts))]
    since, until = comments_between or (None, None)
    comments = _comments_by_risk(
        [entry.risk.id for entry in entries], since, until, None if comments_between else LATEST_COMMENTS_SHOWN
    )
    for entry in entries:
        entry.comments = comments.get(entry.risk.id, [])
    return entries


# The committee page: every corporate risk with its figures and its first few contributors ----------------

# Contributors listed under each corporate risk on the committee page, those needing attention first; the rest are
# one link away on the risk's contributors page. The page used to list every one (issue 20: 300 ms at scale M).
CONTRIBUTORS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class ContributorFacts(link_rules.ScoredValues):
    """What the page shows of a contributing risk, read as plain values (no ORM objects); a ``Scored`` for the
    link rules."""

    id: int
    ref: str
    title: str
    category: object
    status: RiskStatus
    residual_l: int
    residual_i: int
    next_review_on: date | None
    last_reviewed_on: date | None
    restricted: bool
    register_id: int
    unit_name: str
    parent_id: int


@dataclass(slots=True)
class Shown:
    """One contributing risk as the page lists it, with what its row says worked out here rather than in macros."""

    risk: ContributorFacts
    trend: str
    difference: int  # its residual score less the risk it informs: positive when higher
    band: object
    above_appetite: bool
    review_overdue: bool
    attention: tuple  # sort key: divergent, above appetite, review overdue, higher score first


@dataclass
class PageEntry:
    """A corporate risk on the committee page: its figures over all its contributors, and the first few of them."""

    risk: Risk
    trend: str
    above_appetite: bool
    rollup: Rollup
    alerts: list[link_rules.GroupedAlert]
    contributor_total: int  # every contributing risk, open or closed
    groups: list[tuple[str, list[Shown]]]  # the shown ones by register (unit name), as the full list groups them
    comments: list[Comment] = field(default_factory=list)

    @property
    def shown_count(self) -> int:
        return sum(len(contributors) for _name, contributors in self.groups)


def contributor_facts(parent_ids: Collection[int]) -> dict[int, list[ContributorFacts]]:
    """Per risk informed, its contributing risks as plain values, by register name then reference: one query."""
    if not parent_ids:
        return {}
    found: dict[int, list[ContributorFacts]] = defaultdict(list)
    for row in db.session.execute(_facts_query(), {"parents": list(parent_ids)}):
        found[row[-1]].append(ContributorFacts(*row))
    return found


@functools.cache
def _facts_query() -> sa.Select:
    """``contributor_facts``'s query, built once (``parents``: the ids, a parameter): building a query and working
    out its cache key cost SQLAlchemy about as much as running it (issue 20)."""
    return (
        sa.select(
            Risk.id,
            Risk.ref,
            Risk.title,
            Risk.category,
            Risk.status,
            Risk.residual_l,
            Risk.residual_i,
            Risk.next_review_on,
            Risk.last_reviewed_on,
            Risk.restricted,
            Risk.register_id,
            Unit.name,
            RiskLink.to_risk_id,
        )
        .join(RiskLink, RiskLink.from_risk_id == Risk.id)
        .join(Register, Register.id == Risk.register_id)
        .join(Unit, Unit.id == Register.unit_id)
        .where(
            RiskLink.kind == LinkKind.CONTRIBUTES_TO, RiskLink.to_risk_id.in_(sa.bindparam("parents", expanding=True))
        )
        .order_by(Unit.name, Risk.id)
    )


def _shown(
    contributor: ContributorFacts, parent: Risk, alerts: list[Divergence], today: date, current: scoring.ScoringRules
) -> Shown:
    score = contributor.residual_score
    above = scoring.is_above_appetite(score, contributor.category, current, contributor.register_id)
    overdue = contributor.is_open and scoring.is_review_overdue(contributor.next_review_on, today)
    return Shown(
        contributor,
        "",
        score - parent.residual_score,
        scoring.band(score, current),
        above,
        overdue,
        (not alerts, not above, not overdue, not contributor.is_open, -score, contributor.unit_name, contributor.id),
    )


def attention_order(parent: Risk, contributors: list[ContributorFacts], today: date) -> list[tuple[Shown, list]]:
    """Each contributor with its divergences, those needing attention first: divergent from ``parent``, above
    appetite, review overdue, then open before closed and higher scores first."""
    current = rules()
    judged = []
    for contributor in contributors:
        found = link_rules.divergences(contributor, parent, current)
        judged.append((_shown(contributor, parent, found, today, current), found))
    return sorted(judged, key=lambda pair: pair[0].attention)


# Corporate risks per page of the committee page: 200 sections (1.3 MB) was not a page anyone scrolls (issue 20).
CORPORATE_PER_PAGE = 20


@dataclass(frozen=True, slots=True)
class _Risk(link_rules.ScoredValues):
    id: int
    ref: str
    category: object
    register_id: int
    residual_l: int
    residual_i: int
    status: RiskStatus


@dataclass(frozen=True, slots=True)
class CorporateFigures(_Risk):
    """A corporate risk's figures over all its open contributing risks, from one aggregate query
    (``corporate_figures``): what the committee page counts, filters and orders by without loading the
    contributors. ``alerts``: the kinds of the alerts the page lists for it (``link_rules.alert_kinds``)."""

    above_appetite: bool  # an open corporate risk above its appetite (a closed one is not counted)
    review_overdue: bool
    alerts: tuple[DivergenceKind, ...]

    @property
    def alert_count(self) -> int:
        return len(self.alerts)

    @property
    def needs_attention(self) -> bool:
        return bool(self.alerts) or self.above_appetite or self.review_overdue

    @property
    def attention(self) -> tuple:
        """Sort key: link alerts, then above appetite, then review overdue, then the usual order (by id)."""
        return (not self.alerts, not self.above_appetite, not self.review_overdue, self.id)


@dataclass(frozen=True)
class CommitteeCounts:
    """The roll-up at the top of the committee page, over every corporate risk whatever the filters and page."""

    corporate: int
    needing_attention: int
    above_appetite: int
    with_alerts: int
    alerts: int
    reviews_overdue: int

    @classmethod
    def of(cls, figures: Collection[CorporateFigures]) -> "CommitteeCounts":
        return cls(
            len(figures),
            sum(1 for f in figures if f.needs_attention),
            sum(1 for f in figures if f.above_appetite),
            sum(1 for f in figures if f.alert_count),
            sum(f.alert_count for f in figures),
            sum(1 for f in figures if f.review_overdue),
        )


@dataclass
class CommitteePage:
    """One page of the committee page's corporate risks (``page.items``: ``PageEntry``), the roll-up over all of
    them, and the heat map's points: every open corporate risk the filters keep, on any page."""

    page: Page
    counts: CommitteeCounts
    points: list[tuple[str, int, int]]


def corporate_figures(today: date) -> list[CorporateFigures]:
    """Every corporate risk the committee sees (``_corporate_risks``), with what its open contributors add up to
    (how many, the highest score, whether any is above its own appetite: ``contributor_figure``, kept on write by
    riskreg/services/figures.py) judged by the link rules: one query of plain values, whatever the numbers of risks
    and links. A risk with contributors but no stored row (a database just upgraded, before `riskreg figures
    rebuild`) is counted here, in one more query."""
    current = rules()
    rows = db.session.execute(_figures_query(db.session.get_bind().dialect.name)).all()
    uncounted = [row[0] for row in rows if row[-1]]
    counted = {}
    if uncounted:
        query = contributor_figures_select().where(RiskLink.to_risk_id.in_(uncounted))
        counted = {parent: rest for parent, *rest in db.session.execute(query)}
    found = []
    for *values, next_review_on, open_children, highest, any_above, _uncounted in rows:
        if values[0] in counted:
            open_children, highest, any_above = counted[values[0]]
        risk = _Risk(*values)
        if not (risk.is_open or open_children):
            continue  # closed, and no open risk informs it any more
        alerts = link_rules.alert_kinds(risk, open_children or 0, highest, bool(any_above), current)
        found.append(
            CorporateFigures(
                *values,
                risk.is_open
                and scoring.is_above_appetite(risk.residual_score, risk.category, current, risk.register_id),
                risk.is_open and scoring.is_review_overdue(next_review_on, today),
                tuple(alerts),
            )
        )
    return found


@functools.lru_cache(maxsize=2)
def _figures_query(dialect: str) -> sa.Select | sa.TextualSelect:
    """``corporate_figures``'s query, built once: building it and working out its cache key cost SQLAlchemy more
    than running it (issue 20). On PostgreSQL its values (a unit kind, a link kind) are written into the SQL, so
    its prepared statement is planned once per connection rather than at every bind."""
    query = _figures_select()
    if dialect != "postgresql":
        return query
    written = query.compile(dialect=db.session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    return sa.text(str(written)).columns(*(sa.column(c.name, c.type) for c in query.selected_columns))


def _figures_select() -> sa.Select:
    stored = ContributorFigure
    # Looked for by the index, and only where the row is missing: written as EXISTS, PostgreSQL hashed every link
    # for every request (1.4 ms at scale M).
    informed = (
        sa.select(RiskLink.id)
        .where(RiskLink.to_risk_id == Risk.id, RiskLink.kind == LinkKind.CONTRIBUTES_TO)
        .limit(1)
        .scalar_subquery()
        .is_not(None)
    )
    return (
        sa.select(
            Risk.id,
            Risk.ref,
            Risk.category,
            Risk.register_id,
            Risk.residual_l,
            Risk.residual_i,
            Risk.status,
            Risk.next_review_on,
            stored.open_contributors,
            stored.highest,
            stored.any_above_appetite,
            # No stored row, but contributors: not counted yet.
            sa.case((stored.risk_id.is_(None), informed), else_=False).label("uncounted"),
        )
        .join(Register, Register.id == Risk.register_id)
        .join(Unit, Unit.id == Register.unit_id)
        .outerjoin(stored, stored.risk_id == Risk.id)
        .where(Unit.kind == UnitKind.HEADQUARTERS)
        .order_by(Risk.id)
    )


def committee_page(
    today: date,
    filters: CommitteeFilters = CommitteeFilters(),  # noqa: B008 - frozen, so a shared default is safe
    page: int = 1,
    size: int = CORPORATE_PER_PAGE,
    shown: int = CONTRIBUTORS_SHOWN,
) -> CommitteePage:
    """One page of the corporate risks the filters keep, those needing attention first (link alerts, above
    appetite, review overdue), then by id; the roll-up over every corporate risk. Only the page's corporate risks
    are loaded, each with its figures (roll-up and alerts over all its contributors) and its first ``shown``
    contributors, those needing attention first: a fixed number of queries of plain values, whatever the numbers.
    A page past the end is the last page."""
    figures = corporate_figures(today)
    kept = sorted((f for f in figures if filters.keep(f.above_appetite, bool(f.alerts))), key=lambda f: f.attention)
    number = page_within(page, len(kept), size)
    chosen = [f.id for f in kept[(number - 1) * size : number * size]]
    entries = _page_entries(chosen, today, shown)
    points = [(f.ref, f.residual_l, f.residual_i) for f in kept if f.is_open]
    return CommitteePage(Page(entries, len(kept), number, size), CommitteeCounts.of(figures), points)


def page_of(risk: Risk, today: date, size: int = CORPORATE_PER_PAGE) -> int | None:
    """The page of the committee page (without filters) that lists ``risk``; None when it lists it on none."""
    ordered = sorted(corporate_figures(today), key=lambda f: f.attention)
    found = next((n for n, figures in enumerate(ordered) if figures.id == risk.id), None)
    return None if found is None else found // size + 1


def _page_entries(ids: list[int], today: date, shown: int) -> list[PageEntry]:
    """The page's corporate risks, in the order of ``ids``, with their figures, contributors, trends and comments."""
    if not ids:
        return []
    loaded = db.session.scalars(_page_risks_query(), {"ids": ids})
    by_id = {risk.id: risk for risk in loaded}
    corporate = [by_id[risk_id] for risk_id in ids]
    facts = contributor_facts(ids)
    current = rules()
    entries = []
    for risk in corporate:
        contributors = facts.get(risk.id, [])
        ordered = attention_order(risk, contributors, today)
        found_of = {row.risk.id: found for row, found in ordered}
        alerts = [alert for contributor in contributors for alert in found_of[contributor.id]]  # in the list's order
        refs = {risk.id: risk.ref, **{contributor.id: contributor.ref for contributor in contributors}}
        entry = PageEntry(
            risk=risk,
            trend="",
            above_appetite=scoring.is_above_appetite(risk.residual_score, risk.category, current, risk.register_id),
            rollup=link_rules.rollup(contributors, current),
            alerts=link_rules.grouped(alerts, refs),
            contributor_total=len(contributors),
            groups=_by_register([row for row, _found in ordered[:shown]]),
        )
        entries.append(entry)
    trend_of = trends({*(e.risk.id for e in entries), *(r.risk.id for e in entries for _n, g in e.groups for r in g)})
    for entry in entries:
        entry.trend = trend_of[entry.risk.id]
        for _name, rows in entry.groups:
            for row in rows:
                row.trend = trend_of[row.risk.id]
    comments = _comments_by_risk([entry.risk.id for entry in entries], None, None, LATEST_COMMENTS_SHOWN)
    for entry in entries:
        entry.comments = comments.get(entry.risk.id, [])
    return entries


@functools.cache
def _page_risks_query() -> sa.Select:
    """The page's corporate risks (``ids``, a parameter) with their owners, registers and units: built once, as
    ``_facts_query``."""
    return (
        sa.select(Risk)
        .where(Risk.id.in_(sa.bindparam("ids", expanding=True)))
        .options(
            joinedload(Risk.owner).options(names_only()),
            # The policy asks a restricted one's register and unit (who may comment): not one query more then.
            joinedload(Risk.register).joinedload(Register.unit),
        )
    )


def _by_register(rows: list[Shown]) -> list[tuple[str, list[Shown]]]:
    groups: dict[int, tuple[str, list[Shown]]] = {}
    for row in sorted(rows, key=lambda row: (row.risk.unit_name, row.risk.id)):
        groups.setdefault(row.risk.register_id, (row.risk.unit_name, []))[1].append(row)
    return list(groups.values())


def contributors_page(parent: Risk, today: date, page: int, size: int) -> Page:
    """One page of every risk that informs ``parent``, those needing attention first (its items: the page's rows
    grouped by register, as ``(unit name, rows)``). A fixed number of queries."""
    contributors = contributor_facts([parent.id]).get(parent.id, [])
    number = page_within(page, len(contributors), size)
    ordered = [row for row, _found in attention_order(parent, contributors, today)]
    rows = ordered[(number - 1) * size : number * size]
    trend_of = trends({row.risk.id for row in rows})
    for row in rows:
        row.trend = trend_of[row.risk.id]
    return Page(_by_register(rows), len(contributors), number, size)


def pack(meeting: date) -> list[CorporateEntry]:
    """The principal risks for a committee meeting: every corporate risk, with the quarter's comments."""
    until = datetime.combine(meeting + timedelta(days=1), time.min)
    return committee_view(CommitteeFilters(), comments_between=(until - PACK_COMMENT_WINDOW, until))
