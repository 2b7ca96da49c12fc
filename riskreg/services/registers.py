"""Reading registers: the unit tree with per-register figures, and a register's risk list."""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload

from riskreg.enums import Band, RiskStatus, UnitKind
from riskreg.extensions import db
from riskreg.models import Register, Risk, Unit, User
from riskreg.rules import scoring
from riskreg.services import NotFoundError, vocabulary
from riskreg.services.administration import scoring as scoring_settings
from riskreg.services.assurance import control_tests


@cache
def names_only():
    """User.roles loads eagerly (the signed-in user's roles are always needed); people shown by name only skip it,
    or every page would run one more query per batch of owners, reviewers or actors it shows. Made on first use:
    building the option at import configured every mapper when the app started (issue 20, fast start)."""
    return lazyload(User.roles)


def rules() -> scoring.ScoringRules:
    """The scoring rules in force: configuration, with the organisation's appetite and cadence over it."""
    return scoring_settings.rules()


def residual_score_expr(risk=Risk):
    return risk.residual_l * risk.residual_i


def tolerances_key(current: scoring.ScoringRules) -> tuple:
    """Everything ``above_appetite_expr`` writes into its CASE: each category's tolerance, the tolerance of a risk
    without one, and the registers whose unit overrides them. The key of a query built once and kept."""
    exceptions = tuple((key, tuple(ids)) for key, ids in sorted(scoring.tolerance_exceptions(current).items()))
    categories = tuple((code, scoring.tolerance_for(code, current)) for code in vocabulary.categories().codes)
    return categories, scoring.tolerance_for(None, current), exceptions


def above_appetite_expr(uncategorised: int | None = None, within: Collection[int] | None = None, risk=Risk):
    """Residual score above the tolerance of the risk's category in its register's unit: one CASE, the registers
    under a unit's override listed first (none when no unit has one). ``uncategorised``: the tolerance for a
    risk with no category (else the least appetite's); ``within``: the only registers the query reads, when
    known, so the CASE lists no others; ``risk``: the table or an alias of it (a query over two risks)."""
    current = rules()
    wanted = None if within is None else set(within)
    overridden = [
        (sa.and_(risk.category == category, risk.register_id.in_(ids)), tolerance)
        for (category, tolerance), register_ids in scoring.tolerance_exceptions(current).items()
        if (ids := register_ids if wanted is None else [i for i in register_ids if i in wanted])
    ]
    tolerance = sa.case(
        *overridden,
        *[
            (risk.category == category, scoring.tolerance_for(category, current))
            for category in vocabulary.categories().codes
        ],
        else_=scoring.tolerance_for(None, current) if uncategorised is None else uncategorised,
    )
    return residual_score_expr(risk) > tolerance


@dataclass
class RegisterFigures:
    open_risks: int = 0
    above_appetite: int = 0
    reviews_overdue: int = 0
    link_alerts: int = 0


@dataclass(slots=True)
class TreeRow:
    """One line of the registers index: a unit, where it sits in the tree, and its register's figures."""

    code: str
    name: str
    kind: UnitKind
    depth: int
    register_id: int | None
    updated_at: datetime | None
    figures: RegisterFigures


def register_figures(today: date, restricted_visible: Collection[int]) -> dict[int, RegisterFigures]:
    """Each register's figures, counting restricted risks only in ``restricted_visible`` (the registers whose
    restricted risks the reader may read): read from the figures kept on write (riskreg/services/figures.py)."""
    from riskreg.services import figures  # it imports this module

    return figures.stored(today, restricted_visible)


def all_units() -> list[Unit]:
    return list(db.session.scalars(sa.select(Unit).options(joinedload(Unit.register))).unique().all())


# Headquarters first, then areas, divisions and units, each alphabetically.
_KIND_ORDER = {UnitKind.HEADQUARTERS: 0, UnitKind.AREA: 1, UnitKind.DIVISION: 2, UnitKind.UNIT: 3}


@cache
def _tree_query() -> sa.Select:
    """The registers index's one query, built once: building it (and the SQL cache key of a new statement) cost
    more CPU than running it (issue 20). The day is a parameter (figures.on_day)."""
    from riskreg.services import figures  # it imports this module

    columns, joins = figures.figure_columns(Register.id)
    query = sa.select(
        Unit.id, Unit.parent_id, Unit.code, Unit.name, Unit.kind, Unit.path, Register.id, Register.updated_at, *columns
    ).outerjoin(Register, Register.unit_id == Unit.id)
    for target, on in joins:
        query = query.outerjoin(target, on)
    return query


def unit_tree(today: date, reads_restricted: Callable[[str], bool]) -> list[TreeRow]:
    """Every unit, depth first, with its register's figures as the reader may see them: one query of plain rows
    (the units, their registers and the stored figures). ``reads_restricted(unit_path)`` (the view asks the policy)
    says where the figures may count restricted risks."""
    from riskreg.services import figures  # it imports this module

    rows = db.session.execute(_tree_query(), figures.on_day(today)).all()
    split = {row[6]: figures.split(row[8:]) for row in rows if row[6] is not None}
    split.update(figures.fill_missing([register_id for register_id, found in split.items() if found is None], today))
    children: dict[int | None, list] = {}
    for row in rows:
        children.setdefault(row[1], []).append(row)
    tree: list[TreeRow] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit_id, _parent, code, name, kind, path, register_id, updated_at, *_ in sorted(
            children.get(parent_id, []), key=lambda row: (_KIND_ORDER[row[4]], row[3])
        ):
            shown = split[register_id].seen(reads_restricted(path)) if register_id is not None else RegisterFigures()
            tree.append(TreeRow(code, name, kind, depth, register_id, updated_at, shown))
            walk(unit_id, depth + 1)

    walk(None, 0)
    return tree


def unit_tree_page(today: date, reads_restricted: Callable[[str], bool], page: int, page_size: int) -> "TreePage":
    """One page of ``unit_tree``, in the tree's order (the registers index, issue 20: 200 rows at scale M, 5,000 at
    L, cost more to write out than to read). The whole tree is read, so each page's depth and order are the
    tree's; the query is the same one whatever the page."""
    rows = unit_tree(today, reads_restricted)
    number = page_within(page, len(rows), page_size)
    start = (number - 1) * page_size
    return TreePage(rows[start : start + page_size], len(rows), number, page_size, _ancestors(rows, start))


def _ancestors(rows: list[TreeRow], index: int) -> list[str]:
    """The names of the units above ``rows[index]``, outermost first: a page that starts inside a subtree says
    where it is (its first rows are indented under units shown on the page before)."""
    if index >= len(rows):
        return []
    found, depth = [], rows[index].depth
    for row in reversed(rows[:index]):
        if depth == 0:
            break
        if row.depth < depth:
            found.append(row.name)
            depth = row.depth
    return found[::-1]


def get_by_code(code: str) -> Register:
    register = db.session.scalar(
        sa.select(Register).join(Register.unit).where(Unit.code == code.upper()).options(joinedload(Register.unit))
    )
    if register is None:
        raise NotFoundError()
    return register


def all_registers() -> list[Register]:
    return list(
        db.session.scalars(
            sa.select(Register).join(Register.unit).options(joinedload(Register.unit)).order_by(Unit.name)
        )
    )


@dataclass(frozen=True)
class RiskFilters:
    category: str | None = None  # a category code
    band: Band | None = None
    owner_id: int | None = None
    overdue: bool = False
    likelihood: int | None = None
    impact: int | None = None
    status: RiskStatus | None = RiskStatus.OPEN
    include_restricted: bool = False
    controls_untested: bool = False  # a countermeasure in place not tested in the last 12 months
    text: str | None = None  # a reference, or words every risk listed contains (riskreg/services/search.py)


SORTS = {
    "ref": (Risk.id,),
    "title": (Risk.title, Risk.id),
    "score": (residual_score_expr().desc(), Risk.id),
    "review": (Risk.next_review_on, Risk.id),
    "category": (Risk.category, Risk.id),
}


@dataclass
class Page:
    items: list
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


@dataclass
class TreePage(Page):
    within: list[str]  # the units the page's first row sits under, outermost first (empty at the top level)


def page_within(page: int, total: int, size: int) -> int:
    """The page asked for, kept between the first and the last: a page number of 2^63 overflowed the offset."""
    return max(1, min(page, Page([], total, 1, size).pages))


def _filtered(register: Register, filters: RiskFilters, today: date) -> sa.Select:
    query = sa.select(Risk).where(Risk.register_id == register.id)
    if filters.status is not None:
        query = query.where(Risk.status == filters.status)
    if not filters.include_restricted:
        query = query.where(Risk.restricted.is_(False))
    if filters.category is not None:
        query = query.where(Risk.category == filters.category)
    if filters.band is not None:
        low, high = scoring.band_range(filters.band, rules())
        query = query.where(residual_score_expr().between(low, high))
    if filters.owner_id is not None:
        query = query.where(Risk.owner_id == filters.owner_id)
    if filters.overdue:
        query = query.where(Risk.next_review_on < today, Risk.status == RiskStatus.OPEN)
    return _narrowed(query, filters, today)


def _narrowed(query: sa.Select, filters: RiskFilters, today: date) -> sa.Select:
    """``_filtered``'s second half: ratings, untested controls and text."""
    if filters.likelihood is not None:
        query = query.where(Risk.residual_l == filters.likelihood)
    if filters.impact is not None:
        query = query.where(Risk.residual_i == filters.impact)
    if filters.controls_untested:
        query = query.where(Risk.id.in_(control_tests.untested_risk_ids(today)))
    if filters.text:
        from riskreg.services import search  # it imports this module

        query = query.where(Risk.id.in_(search.matching_risks(filters.text)))
    return query


def list_risks(register: Register, filters: RiskFilters, sort: str, page: int, today: date, page_size: int) -> Page:
    query = _filtered(register, filters, today)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page = page_within(page, total or 0, page_size)
    items = db.session.scalars(
        query.options(joinedload(Risk.owner).options(names_only()))
        .order_by(*SORTS.get(sort, SORTS["ref"]))
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return Page(list(items), total or 0, page, page_size)


def heat_map(register: Register, include_restricted: bool) -> dict[tuple[int, int], int]:
    """Open risks by (residual likelihood, residual impact)."""
    query = (
        sa.select(Risk.residual_l, Risk.residual_i, sa.func.count())
        .where(Risk.register_id == register.id, Risk.status == RiskStatus.OPEN)
        .group_by(Risk.residual_l, Risk.residual_i)
    )
    if not include_restricted:
        query = query.where(Risk.restricted.is_(False))
    return {(likelihood, impact): count for likelihood, impact, count in db.session.execute(query)}


def owners_in(register: Register) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .options(names_only())
            .where(User.id.in_(sa.select(Risk.owner_id).where(Risk.register_id == register.id)))
            .order_by(User.name)
        )
    )


def owners_to_confirm(register: Register, most: int = 50) -> list[tuple[str, str, str]]:
    """(reference, title, owner as the file named them) of open risks whose imported owner matched nobody."""
    return list(
        db.session.execute(
            sa.select(Risk.ref, Risk.title, Risk.owner_to_confirm)
            .where(Risk.register_id == register.id, Risk.owner_to_confirm.is_not(None), Risk.status == RiskStatus.OPEN)
            .order_by(Risk.id)
            .limit(most)
        ).tuples()
    )


def touch(register: Register, when: datetime) -> None:
    register.updated_at = when


def page_of_registers(page: int, page_size: int) -> Page:
    """Registers by unit code (unique, so pages are stable), with their units and parent units loaded."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Register))
    items = db.session.scalars(
        sa.select(Register)
        .join(Register.unit)
        .options(joinedload(Register.unit).joinedload(Unit.parent))
        .order_by(Unit.code)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return Page(list(items), total or 0, page, page_size)
