"""Search: the risks, countermeasures and control tests a reader may read, ranked by how well they match.

One interface, two backends chosen by the database's dialect (docs/search.md):

- PostgreSQL: a generated ``search_vector`` column (``to_tsvector('english', ...)``) with a GIN index on each
  table (migration 0021_search), matched with ``websearch_to_tsquery`` and ranked with ``ts_rank``.
- SQLite: FTS5 tables over the same columns, kept in step by triggers (same migration), ranked with ``bm25()``.

A reference typed exactly ("LN-012") comes first. Access is the caller's to state, as the registers index does:
restricted risks (with their countermeasures and tests) count only in ``restricted_visible``, the registers whose
restricted risks the reader may read (riskreg/policy.py, Action.READ_RESTRICTED; None for every register).
Nothing else is left out after counting, so the total never includes what the reader may not see.
"""

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from riskreg.enums import RiskStatus
from riskreg.extensions import db
from riskreg.models import ControlTest, Countermeasure, Register, Risk, Unit
from riskreg.services.registers import Page, page_within

TABLES = ("risk", "countermeasure", "control_test")  # what migration 0021_search indexed
MAX_WORDS = 12  # a longer query is cut: each word is one more term to match
WORD = re.compile(r"\w+")
REF_FIRST = 1_000_000.0  # the rank of an exact reference: above any text rank
MAX_ROWS = 1_000_000_000  # the deepest row a page may start at


@dataclass(frozen=True)
class Query:
    text: str
    register_id: int | None = None
    status: RiskStatus | None = None  # of the risk; a countermeasure or test follows its risk


@dataclass(frozen=True)
class Hit:
    kind: str  # "risk", "countermeasure" or "control_test"
    item_id: int
    ref: str  # the risk's reference
    title: str  # the risk's or the countermeasure's title (a test shows the countermeasure it tested)
    risk_title: str
    register_code: str
    status: RiskStatus
    tested_on: date | None


def _clean(text: str) -> str:
    return text.replace("\x00", " ")  # PostgreSQL refuses NUL in text: it is no part of any word


def words(text: str) -> list[str]:
    return WORD.findall(text)[:MAX_WORDS]


def _tsquery(text: str):
    return sa.func.websearch_to_tsquery(sa.literal_column("'english'::regconfig"), text)


def _sqlite_matches(table: str, text: str) -> sa.Subquery:
    fts = sa.literal_column(f"{table}_fts")
    # Every word, quoted: FTS5's own query syntax would refuse "LN-012" or a stray quote.
    phrase = " ".join(f'"{word}"' for word in words(text))
    return (
        sa.select(sa.literal_column("rowid").label("id"), (-sa.func.bm25(fts)).label("rank"))
        .select_from(sa.table(f"{table}_fts"))
        .where(fts.op("MATCH")(phrase))
        .subquery()
    )


def _matching(select: sa.Select, model, text: str) -> tuple[sa.Select, sa.ColumnElement]:
    """``select`` (from ``model``'s table) narrowed to the rows the words match, and their rank.

    PostgreSQL matches the table's own generated vector (no join); SQLite joins the table's FTS5 table."""
    table = model.__tablename__
    if db.engine.dialect.name == "postgresql":
        vector, query = sa.literal_column(f"{table}.search_vector"), _tsquery(text)
        return select.where(vector.op("@@")(query)), sa.func.ts_rank(vector, query)
    found = _sqlite_matches(table, text)
    return select.join(found, found.c.id == model.id), found.c.rank


def _matching_risks(select: sa.Select, text: str, ref: str) -> tuple[sa.Select, sa.ColumnElement]:
    """As ``_matching``, and the risk whose reference ``ref`` is, ranked first."""
    if db.engine.dialect.name == "postgresql":
        # Both sides of the OR have an index (GIN, unique ref): PostgreSQL combines two bitmap index scans.
        vector, query = sa.literal_column("risk.search_vector"), _tsquery(text)
        rank = sa.case((Risk.ref == ref, REF_FIRST), else_=sa.func.ts_rank(vector, query))
        return select.where(sa.or_(vector.op("@@")(query), Risk.ref == ref)), rank
    # SQLite: the reference's risk, then the others the words match; an OR across the join would read every risk.
    found = _sqlite_matches("risk", text)
    by_ref = sa.select(Risk.id).where(Risk.ref == ref)
    either = sa.union_all(
        by_ref.add_columns(sa.literal(REF_FIRST).label("rank")),
        sa.select(found.c.id, found.c.rank).where(found.c.id.not_in(by_ref)),
    ).subquery()
    return select.join(either, either.c.id == Risk.id), either.c.rank


# The registers whose restricted risks a reader may read: their ids, a select of their ids, or None for all.
Visible = Collection[int] | sa.Select | None


def _readable(restricted_visible: Visible):
    if restricted_visible is None:  # the reader may read every register's restricted risks
        return sa.true()
    if not isinstance(restricted_visible, sa.Select):
        restricted_visible = list(restricted_visible)
    return sa.or_(Risk.restricted.is_(False), Risk.register_id.in_(restricted_visible))


def registers_under(units: Sequence[Unit] | None) -> sa.Select | None:
    """A select of the registers of ``units`` and of every unit below them (None: every register), for
    ``restricted_visible`` from ``policy.restricted_readable_under``: the search reads it as a subquery, so
    neither a query nor a parameter per register (an HQ risk manager's 200 at scale M)."""
    if units is None:
        return None
    within = sa.or_(sa.false(), *(Unit.path.startswith(unit.path, autoescape=True) for unit in units))
    return sa.select(Register.id).join(Unit, Unit.id == Register.unit_id).where(within)


def register_choices() -> list[tuple[int, str, str]]:
    """(register id, unit code, unit name) of every register, by name: the search form's register filter, read
    as plain rows (loading every unit and register as objects cost most of a search at scale L)."""
    return list(
        db.session.execute(
            sa.select(Register.id, Unit.code, Unit.name)
            .join(Unit, Unit.id == Register.unit_id)
            .order_by(Unit.name, Unit.code)
        ).tuples()
    )


def _branches(query: Query, restricted_visible: Visible) -> list[tuple[str, sa.Select, sa.ColumnElement]]:
    """(kind, the matching rows' ids with their risk's and countermeasure's, rank) for risks, countermeasures and
    control tests,
    narrowed to what the reader may read and to the filters. Only ids and ranks: the text of a hit is read
    for the page's rows alone."""
    text = _clean(query.text)
    no_countermeasure = sa.cast(sa.null(), sa.Integer)
    risks, risk_rank = _matching_risks(
        sa.select(Risk.id, Risk.id.label("risk_id"), no_countermeasure), text, text.strip().upper()
    )
    countermeasures, countermeasure_rank = _matching(
        sa.select(Countermeasure.id, Countermeasure.risk_id, Countermeasure.id.label("countermeasure_id")).join(
            Risk, Risk.id == Countermeasure.risk_id
        ),
        Countermeasure,
        text,
    )
    tests, test_rank = _matching(
        sa.select(ControlTest.id, Countermeasure.risk_id, Countermeasure.id.label("countermeasure_id"))
        .select_from(ControlTest)
        .join(Countermeasure, Countermeasure.id == ControlTest.countermeasure_id)
        .join(Risk, Risk.id == Countermeasure.risk_id),
        ControlTest,
        text,
    )
    branches = []
    for kind, select, rank in (
        ("risk", risks, risk_rank),
        ("countermeasure", countermeasures, countermeasure_rank),
        ("control_test", tests, test_rank),
    ):
        select = select.where(_readable(restricted_visible))
        if query.register_id is not None:
            select = select.where(Risk.register_id == query.register_id)
        if query.status is not None:
            select = select.where(Risk.status == query.status)
        branches.append((kind, select, rank))
    return branches


def _best(query: Query, restricted_visible: Visible, count: int) -> sa.CTE:
    """The ``count`` best hits of each kind (kind, item id, risk id, rank), and how many hits of that kind
    there are in all (``count(*) OVER ()``, worked out in the same pass over the matches).

    Each kind's matches are ranked on narrow rows and only its best ``count`` kept (a top-N sort), so a word
    that matches a quarter of a million risks costs their ranks, not a sort and a join of every match."""
    parts = []
    for kind, select, rank in _branches(query, restricted_visible):
        item_id, risk_id, countermeasure_id = select.selected_columns
        # OFFSET 0 keeps PostgreSQL from merging this into the select below: it then ranks each match as it
        # reads it, and the count's window holds narrow rows instead of every match's whole text vector (which
        # spilled to disk for a common word: about a third of the time at scale M).
        matched = (
            select.with_only_columns(
                item_id.label("item_id"),
                risk_id.label("risk_id"),
                countermeasure_id.label("countermeasure_id"),
                rank.label("rank"),
            )
            .offset(0)
            .subquery()
        )
        parts.append(
            sa.select(sa.literal(kind).label("kind"), matched, sa.func.count().over().label("of_kind"))
            .order_by(matched.c.rank.desc(), matched.c.item_id)
            .limit(count)
            .subquery(f"best_{kind}")
        )
    # A CTE: the page and the total both read it, and PostgreSQL then works it out once.
    return sa.union_all(*(sa.select(part) for part in parts)).cte("best")


def search(query: Query, restricted_visible: Visible, page: int, page_size: int) -> Page:
    """A page of hits, best first, and how many there are; an empty page for a query with no words.

    One query: each kind's best ``page × page_size`` hits with how many there are of that kind, then the page's
    rows with their text. A page past the last finds no rows: then the last page, whose number the first query's
    total gives (one more query)."""
    if not words(query.text):
        return Page([], 0, 1, page_size)
    page = max(1, min(page, MAX_ROWS // page_size))  # a page number of 2^63 would overflow the limit
    rows = _page_of(query, restricted_visible, page, page_size)
    total = int(rows[0].total) if rows else 0  # a sum: PostgreSQL's is a numeric
    if rows and rows[0].kind is not None:
        return Page([_hit(row) for row in rows if row.kind is not None], total, page, page_size)
    if page == 1 or not total:
        return Page([], total, 1, page_size)
    page = page_within(page, total, page_size)
    return Page([_hit(row) for row in _page_of(query, restricted_visible, page, page_size)], total, page, page_size)


def _page_of(query: Query, restricted_visible: Visible, page: int, page_size: int) -> list[sa.Row]:
    """The page's hits with their text, each carrying the total; past the last page, one row of nulls carrying
    the total (when anything matched)."""
    best = _best(query, restricted_visible, page * page_size)
    totals = sa.select(best.c.kind, sa.func.max(best.c.of_kind).label("of_kind")).group_by(best.c.kind).subquery()
    total = sa.select(sa.func.coalesce(sa.func.sum(totals.c.of_kind), 0)).scalar_subquery()
    on_page = (
        sa.select(best)
        .order_by(best.c.rank.desc(), best.c.kind, best.c.item_id)
        .offset((page - 1) * page_size)
        .limit(page_size)
        .subquery("on_page")
    )
    hits = (
        sa.select(
            on_page.c.kind,
            on_page.c.item_id,
            sa.case((on_page.c.kind == "risk", Risk.title), else_=Countermeasure.title).label("title"),
            Risk.ref,
            Risk.title.label("risk_title"),
            Unit.code.label("register_code"),
            Risk.status,
            ControlTest.tested_on,
            on_page.c.rank,
        )
        .select_from(on_page)
        .join(Risk, Risk.id == on_page.c.risk_id)
        .join(Register, Register.id == Risk.register_id)
        .join(Unit, Unit.id == Register.unit_id)
        .outerjoin(Countermeasure, Countermeasure.id == on_page.c.countermeasure_id)
        .outerjoin(ControlTest, sa.and_(on_page.c.kind == "control_test", ControlTest.id == on_page.c.item_id))
        .subquery("hits")
    )
    # A right join on a one-row select: the total comes back even when the page has no rows.
    listed = (
        sa.select(hits, total.label("total"))
        .select_from(sa.select(sa.literal(1).label("one")).subquery("one"))
        .outerjoin(hits, sa.true())
        .order_by(hits.c.rank.desc(), hits.c.kind, hits.c.item_id)
    )
    return list(db.session.execute(listed))


def _hit(row: sa.Row) -> Hit:
    status = RiskStatus(row.status)
    return Hit(row.kind, row.item_id, row.ref, row.title, row.risk_title, row.register_code, status, row.tested_on)


def matching_risks(text: str) -> sa.Select:
    """The ids of risks whose own text matches ``text`` or whose reference it is (the API's ``q=``); the caller
    filters by access as it already does."""
    text = _clean(text)
    if not words(text):
        return sa.select(Risk.id).where(Risk.ref == text.strip().upper())
    return _matching_risks(sa.select(Risk.id), text, text.strip().upper())[0]
