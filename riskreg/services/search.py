"""Search: the risks, countermeasures and control tests a reader may read, ranked by how well they match.

One interface, two backends chosen by the database's dialect (docs/search.md):

- PostgreSQL: ``to_tsvector('english', ...)`` expressions, each with a GIN index (migration 0021_search),
  matched with ``websearch_to_tsquery`` and ranked with ``ts_rank``.
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

# What each table's search document is, in SQL. Migration 0021_search indexes exactly these expressions (with
# the table names left off); PostgreSQL uses an expression index only for an identical expression.
DOCUMENTS = {
    "risk": "risk.ref || ' ' || risk.title || ' ' || risk.event || ' ' || risk.cause || ' ' || risk.consequence",
    "countermeasure": "countermeasure.title || ' ' || countermeasure.description || ' ' || countermeasure.progress",
    "control_test": "control_test.notes",
}
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


def words(text: str) -> list[str]:
    return WORD.findall(text)[:MAX_WORDS]


def _postgresql_matches(table: str, text: str) -> sa.Subquery:
    id_column = sa.literal_column(f"{table}.id")
    vector = sa.literal_column(f"to_tsvector('english'::regconfig, {DOCUMENTS[table]})")
    query = sa.func.websearch_to_tsquery(sa.literal_column("'english'::regconfig"), text)
    return (
        sa.select(id_column.label("id"), sa.func.ts_rank(vector, query).label("rank"))
        .select_from(sa.table(table))
        .where(vector.op("@@")(query))
        .subquery()
    )


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


def _matches(table: str, text: str) -> sa.Subquery:
    if db.engine.dialect.name == "postgresql":
        return _postgresql_matches(table, text)
    return _sqlite_matches(table, text)


def _readable(restricted_visible: Collection[int]):
    return sa.or_(Risk.restricted.is_(False), Risk.register_id.in_(list(restricted_visible)))


def _hits(query: Query, restricted_visible: Collection[int]) -> sa.CompoundSelect:
    ref = query.text.strip().upper()
    found = {table: _matches(table, query.text) for table in DOCUMENTS}
    columns = (Risk.ref, Risk.title.label("risk_title"), Unit.code.label("register_code"), Risk.status)
    risk_rank = sa.case((Risk.ref == ref, REF_FIRST), else_=sa.func.coalesce(found["risk"].c.rank, 0.0))
    risks = (
        sa.select(sa.literal("risk").label("kind"), Risk.id.label("item_id"), Risk.title, *columns)
        .add_columns(sa.cast(sa.null(), sa.Date).label("tested_on"), risk_rank.label("rank"))
        .outerjoin(found["risk"], found["risk"].c.id == Risk.id)
        .where(sa.or_(found["risk"].c.id.is_not(None), Risk.ref == ref))
    )
    countermeasures = (
        sa.select(sa.literal("countermeasure"), Countermeasure.id, Countermeasure.title, *columns)
        .add_columns(sa.null(), found["countermeasure"].c.rank)
        .select_from(Countermeasure)
        .join(found["countermeasure"], found["countermeasure"].c.id == Countermeasure.id)
        .join(Risk, Risk.id == Countermeasure.risk_id)
    )
    tests = (
        sa.select(sa.literal("control_test"), ControlTest.id, Countermeasure.title, *columns)
        .add_columns(ControlTest.tested_on, found["control_test"].c.rank)
        .select_from(ControlTest)
        .join(found["control_test"], found["control_test"].c.id == ControlTest.id)
        .join(Countermeasure, Countermeasure.id == ControlTest.countermeasure_id)
        .join(Risk, Risk.id == Countermeasure.risk_id)
    )
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
    """A page of hits, best first; an empty page for a query with no words. Two queries whatever the page."""
    if not words(query.text):
        return Page([], 0, 1, page_size)
    hits = _hits(query, restricted_visible).subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(hits)) or 0
    page = page_within(page, total, page_size)
    rows = db.session.execute(
        sa.select(hits)
        .order_by(hits.c.rank.desc(), hits.c.kind, hits.c.item_id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    items = [
        Hit(
            row.kind,
            row.item_id,
            row.ref,
            row.title,
            row.risk_title,
            row.register_code,
            RiskStatus(row.status),
            row.tested_on,
        )
        for row in rows
    ]
    return Page(items, total, page, page_size)


def matching_risks(text: str) -> sa.Select:
    """The ids of risks whose own text matches ``text`` or whose reference it is (the API's ``q=``); the caller
    filters by access as it already does."""
    found = _matches("risk", text)
    by_ref = sa.select(Risk.id).where(Risk.ref == text.strip().upper())
    return sa.union(sa.select(found.c.id), by_ref) if words(text) else by_ref
