"""The risk appetite per category and the review cadence per band, as the organisation set them.

``rules()`` is what every service and page scores with (riskreg.services.registers.rules): the configured
defaults with the administrators' settings over them, read once per request.
"""

from dataclasses import replace

import sqlalchemy as sa
from flask import g, has_app_context

from riskreg.config import settings
from riskreg.enums import AppetiteLevel, Band
from riskreg.extensions import db
from riskreg.models import AppetiteSetting, CadenceSetting, User
from riskreg.rules import scoring
from riskreg.services import ServiceError
from riskreg.services.audit import trail as audit

_CACHE = "riskreg_scoring_rules"
MAX_DAYS = 366


def _read() -> scoring.ScoringRules:
    base = settings().scoring
    appetite, days = dict(base.appetite), dict(base.review_days)
    # Read in the middle of a change (a review being recorded): reading settings must not flush it half-made.
    with db.session.no_autoflush:
        appetite.update(db.session.execute(sa.select(AppetiteSetting.category, AppetiteSetting.level)).tuples().all())
        days.update(db.session.execute(sa.select(CadenceSetting.band, CadenceSetting.days)).tuples().all())
    return replace(base, appetite=appetite, review_days=days)


def rules() -> scoring.ScoringRules:
    if not has_app_context():
        return settings().scoring
    if _CACHE not in g:
        setattr(g, _CACHE, _read())
    return getattr(g, _CACHE)


def _forget() -> None:
    if has_app_context():
        g.pop(_CACHE, None)


def _store(model, key_column: str, key, value_column: str, value) -> None:
    row = db.session.get(model, key)
    if row is None:
        db.session.add(model(**{key_column: key, value_column: value}))
    else:
        setattr(row, value_column, value)


def set_appetite(levels: dict[str, AppetiteLevel], actor: User) -> dict:
    """Every category's appetite; returns what changed (and audits it). Nothing changed is a refusal."""
    current = rules()
    # By category code; one an administrator added has no setting until now, and was judged by the least.
    changes = {
        category: [scoring.appetite_of(category, current), level]
        for category, level in levels.items()
        if category not in current.appetite or current.appetite[category] != level
    }
    if not changes:
        raise ServiceError("Nothing has changed: choose a different appetite for at least one category")
    for category, (_before, level) in changes.items():
        _store(AppetiteSetting, "category", category, "level", level)
    db.session.flush()
    _forget()
    audit.record(actor, "appetite.changed", "appetite", None, changes)
    return changes


def set_cadence(days: dict[Band, int], actor: User) -> dict:
    """Days between reviews for each band (1 to 366). Risks keep their next review date until their next review."""
    for band, value in days.items():
        if not 1 <= value <= MAX_DAYS:
            raise ServiceError(f"Days between reviews must be from 1 to {MAX_DAYS}", field=band.value)
    current = rules().review_days
    changes = {band: [current[band], value] for band, value in days.items() if current[band] != value}
    if not changes:
        raise ServiceError("Nothing has changed: change the days for at least one band")
    for band, (_before, value) in changes.items():
        _store(CadenceSetting, "band", band, "days", value)
    db.session.flush()
    _forget()
    audit.record(actor, "cadence.changed", "cadence", None, changes)
    return changes
