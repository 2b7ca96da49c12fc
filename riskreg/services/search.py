"""Search: the risks, countermeasures and control tests a reader may read, ranked by how well they match.

One interface, two backends chosen by the database's dialect (docs/search.md):

- PostgreSQL: a generated ``search_vector`` column (``to_tsvector('english', ...)``) with a GIN index on each
  table (migration 0021_search), matched with ``websearch_to_tsquery`` and ranked with ``ts_rank``.
- SQLite: FTS5 tables over the same columns, kept in step by triggers (same migration), ranked with ``bm25()``.

A reference typed exactly ("LN-012") comes first. Access is the caller's to state, as the registers index does:
restricted risks (with their countermeasures and tests) count only in ``restricted_visible``, the registers whose
restricted risks the reader may read (riskreg/policy.py, Action.READ_RESTRICTED). Nothing else is left out
after counting, so the total never includes what the reader may not see.
"""

import re
from collections.abc import Collection
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


def _readable(restricted_visible: Collection[int]):
    return sa.or_(Risk.restricted.is_(False), Risk.register_id.in_(list(restricted_visible)))


def _hits(query: Query, restricted_visible: Collection[int]) -> sa.CompoundSelect:
    text = _clean(query.text)
    ref = text.strip().upper()
    columns = (Risk.ref, Risk.title.label("risk_title"), Unit.code.label("register_code"), Risk.status)
    risks, risk_rank = _matching_risks(
        sa.select(sa.literal("risk").label("kind"), Risk.id.label("item_id"), Risk.title, *columns), text, ref
    )
    risks = risks.add_columns(sa.cast(sa.null(), sa.Date).label("tested_on"), risk_rank.label("rank"))
    countermeasures, countermeasure_rank = _matching(
        sa.select(sa.literal("countermeasure"), Countermeasure.id, Countermeasure.title, *columns)
        .select_from(Countermeasure)
        .join(Risk, Risk.id == Countermeasure.risk_id),
        Countermeasure,
        text,
    )
    countermeasures = countermeasures.add_columns(sa.null(), countermeasure_rank)
    tests, test_rank = _matching(
        sa.select(sa.literal("control_test"), ControlTest.id, Countermeasure.title, *columns)
        .select_from(ControlTest)
        .join(Countermeasure, Countermeasure.id == ControlTest.countermeasure_id)
        .join(Risk, Risk.id == Countermeasure.risk_id),
        ControlTest,
        text,
    )
    tests = tests.add_columns(ControlTest.tested_on, test_rank)
    selects = []
    for select in (risks, countermeasures, tests):
        select = select.join(Register, Register.id == Risk.register_id).join(Unit, Unit.id == Register.unit_id)
        select = select.where(_readable(restricted_visible))
        if query.register_id is not None:
            select = select.where(Risk.register_id == query.register_id)
        if query.status is not None:
            select = select.where(Risk.status == query.status)
        selects.append(select)
    return sa.union_all(*selects)


def search(query: Query, restricted_visible: Collection[int], page: int, page_size: int) -> Page:
    """A page of hits, best first, and how many there are; an empty page for a query with no words.

    One query: the total comes with the page (``count(*) OVER ()``), so the matches are found and ranked once.
    A page past the last finds no rows and so no total: then a count, and the last page (two more queries)."""
    if not words(query.text):
        return Page([], 0, 1, page_size)
    hits = _hits(query, restricted_visible).subquery()
    page = max(page, 1)
    rows = _page_of(hits, page, page_size)
    if rows:
        return Page([_hit(row) for row in rows], rows[0].total, page, page_size)
    if page == 1:
        return Page([], 0, 1, page_size)  # nothing matches: no need to count
    total = db.session.scalar(sa.select(sa.func.count()).select_from(hits)) or 0
    page = page_within(page, total, page_size)
    return Page([_hit(row) for row in _page_of(hits, page, page_size)], total, page, page_size)


def _page_of(hits: sa.Subquery, page: int, page_size: int) -> list[sa.Row]:
    return list(
        db.session.execute(
            sa.select(hits, sa.func.count().over().label("total"))
            .order_by(hits.c.rank.desc(), hits.c.kind, hits.c.item_id)
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    )


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
