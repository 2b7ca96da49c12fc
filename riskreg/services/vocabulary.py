"""Reading the organisation's risk categories and strategic objectives (issues 16 and 17).

A handful of rows each: read whole, once per request, and handed on as ``Terms`` (riskreg/rules/vocabulary.py)
to forms, validation, imports, exports and pages. Administration changes them (services/administration).
"""

import functools

import sqlalchemy as sa
from flask import g, has_app_context

from riskreg.extensions import db
from riskreg.models import RiskCategory, StrategicObjective
from riskreg.rules.vocabulary import Term, Terms

CATEGORIES, OBJECTIVES = "categories", "objectives"
MODELS = {CATEGORIES: RiskCategory, OBJECTIVES: StrategicObjective}
_CACHE = "riskreg_vocabulary"


def _read(kind: str) -> Terms:
    # Read in the middle of a change (a risk being saved): reading must not flush it half-made.
    with db.session.no_autoflush:
        rows = db.session.scalars(_query(kind)).all()
    return Terms(tuple(Term(row.code, row.label, row.description, row.is_retired) for row in rows))


@functools.cache
def _query(kind: str) -> sa.Select:
    """Built once: every page that scores or labels a risk reads the categories, and building a query and its cache
    key cost SQLAlchemy about as much as running one this small (issue 20)."""
    model = MODELS[kind]
    return sa.select(model).order_by(model.position, model.code)


def terms(kind: str) -> Terms:
    if not has_app_context():
        return _read(kind)
    cache = g.setdefault(_CACHE, {})
    found = cache.get(kind)  # asked once a row (a category's label)
    if found is None:
        found = cache[kind] = _read(kind)
    return found


def categories() -> Terms:
    return terms(CATEGORIES)


def objectives() -> Terms:
    return terms(OBJECTIVES)


def forget() -> None:
    """After a change: the next read sees it."""
    if has_app_context():
        g.pop(_CACHE, None)
