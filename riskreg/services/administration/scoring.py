"""The risk appetite per category and the review cadence per band, as the organisation set them.

``rules()`` is what every service and page scores with (riskreg.services.registers.rules): the configured
defaults with the administrators' settings over them, and the units' own appetite with the unit tree it is
inherited down (riskreg.rules.scoring.effective_appetite), read once per request.
"""

import functools
from dataclasses import dataclass, replace

import sqlalchemy as sa
from flask import g, has_app_context

from riskreg.config import settings
from riskreg.enums import AppetiteLevel, Band
from riskreg.extensions import db
from riskreg.models import AppetiteSetting, CadenceSetting, Register, Unit, UnitAppetite, User
from riskreg.rules import scoring
from riskreg.rules.vocabulary import Term
from riskreg.services import ServiceError, vocabulary
from riskreg.services.audit import trail as audit

_CACHE = "riskreg_scoring_rules"
MAX_DAYS = 366


# What each row of ``_settings_query`` holds, by its first column.
_APPETITE, _CADENCE, _OVERRIDE, _TREE = 1, 2, 3, 4


def _read() -> scoring.ScoringRules:
    base = settings().scoring
    appetite, days = dict(base.appetite), dict(base.review_days)
    overrides: dict[int, dict[str, AppetiteLevel]] = {}
    tree = []
    # Read in the middle of a change (a review being recorded): reading settings must not flush it half-made.
    with db.session.no_autoflush:
        rows = db.session.execute(_settings_query()).all()
    for kind, unit_id, parent_id, register_id, code, level in rows:
        if kind == _APPETITE:
            appetite[code] = level
        elif kind == _CADENCE:
            days[Band(code)] = unit_id
        elif kind == _OVERRIDE:
            overrides.setdefault(unit_id, {})[code] = level
        else:
            tree.append((unit_id, parent_id, register_id))
    return replace(
        base,
        appetite=appetite,
        review_days=days,
        unit_appetite=overrides,
        unit_parents={unit_id: parent_id for unit_id, parent_id, _register in tree},
        register_units={register_id: unit_id for unit_id, _parent, register_id in tree if register_id is not None},
    )


@functools.cache
def _settings_query() -> sa.CompoundSelect:
    """``_read``'s one statement, built once: every page that scores reads it, and the four small reads it replaced
    cost a round trip each (issue 20). Rows of (kind, three integers, a code, an appetite level): each category's
    appetite; each band's review cadence (its days in the first integer); each unit's own appetite; and the unit
    tree with its registers, which only matters when some unit has an appetite of its own: without one it returns
    no rows, rather than every unit and register (5,000 registers at scale L) on every page that scores."""
    # Typed NULLs: PostgreSQL matches a union's columns branch by branch, and takes an untyped NULL for text.
    number, text = sa.cast(sa.null(), sa.Integer), sa.cast(sa.null(), sa.String)
    any_override = sa.exists(sa.select(UnitAppetite.unit_id))
    return sa.union_all(
        # The first select types the columns: the level column reads back as an AppetiteLevel.
        sa.select(sa.literal(_APPETITE), number, number, number, AppetiteSetting.category, AppetiteSetting.level),
        sa.select(sa.literal(_CADENCE), CadenceSetting.days, number, number, CadenceSetting.band, text),
        sa.select(
            sa.literal(_OVERRIDE), UnitAppetite.unit_id, number, number, UnitAppetite.category, UnitAppetite.level
        ),
        sa.select(sa.literal(_TREE), Unit.id, Unit.parent_id, Register.id, text, text)
        .outerjoin(Register)
        .where(any_override),
    )


def rules() -> scoring.ScoringRules:
    if not has_app_context():
        return settings().scoring
    found = g.get(_CACHE)  # one look through the proxy: pages ask once a row (a band, an appetite)
    if found is None:
        found = _read()
        setattr(g, _CACHE, found)
    return found


def forget() -> None:
    """Read the rules again at their next use: after a change to them or to the unit tree they follow."""
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
    forget()
    audit.record(actor, "appetite.changed", "appetite", None, changes)
    _refresh_figures(None)
    return changes


def _refresh_figures(unit: Unit | None) -> None:
    """The stored register figures count risks above appetite: recount those of ``unit``'s subtree (None: all)."""
    from riskreg.services import figures  # it imports this module, through riskreg.services.registers

    if unit is None:
        figures.rebuild_all()
        return
    within = sa.select(Unit.id).where(Unit.path.startswith(unit.path))
    figures.refresh(db.session.scalars(sa.select(Register.id).where(Register.unit_id.in_(within))).all())


def moved(unit: Unit) -> None:
    """A unit moved: it and its subtree now inherit appetite from their new parent."""
    forget()
    if rules().unit_appetite:
        _refresh_figures(unit)


@dataclass(frozen=True)
class UnitAppetiteRow:
    """A unit's appetite in one category: its own (None when it has none) and what it inherits otherwise."""

    category: Term
    own: AppetiteLevel | None
    inherited: AppetiteLevel
    inherited_from: str  # the ancestor unit's name, or "the organisation"

    @property
    def level(self) -> AppetiteLevel:
        return self.own or self.inherited


def unit_appetite(unit: Unit) -> list[UnitAppetiteRow]:
    """Each category's appetite at ``unit``: its own override, or what it inherits and from where."""
    current = rules()
    own = current.unit_appetite.get(unit.id, {})
    ancestors = [int(part) for part in unit.path.strip("/").split("/") if part]
    names = dict(db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.id.in_(ancestors))).tuples().all())
    rows = []
    for category in vocabulary.categories().entries:
        inherited = scoring.effective_appetite(unit.parent_id, category.code, current)
        source = "the organisation" if inherited.set_at is None else names.get(inherited.set_at, "a parent unit")
        rows.append(UnitAppetiteRow(category, own.get(category.code), inherited.level, source))
    return rows


def units_with_appetite() -> list[Unit]:
    """The units that set an appetite of their own, by name."""
    with_own = sa.select(UnitAppetite.unit_id)
    return list(db.session.scalars(sa.select(Unit).where(Unit.id.in_(with_own)).order_by(Unit.name)))


def set_unit_appetite(unit: Unit, levels: dict[str, AppetiteLevel | None], actor: User | None) -> dict:
    """The unit's own appetite per category (None: inherit from its parent unit, or the organisation); returns
    what changed (and audits it). Nothing changed is a refusal."""
    current = rules()
    own = dict(current.unit_appetite.get(unit.id, {}))
    changes = {category: [own.get(category), level] for category, level in levels.items() if own.get(category) != level}
    if not changes:
        raise ServiceError("Nothing has changed: set or clear the appetite of at least one category")
    for category, (_before, level) in changes.items():
        row = db.session.get(UnitAppetite, (unit.id, category))
        if level is None:
            db.session.delete(row)
        elif row is None:
            db.session.add(UnitAppetite(unit_id=unit.id, category=category, level=level))
        else:
            row.level = level
    db.session.flush()
    forget()
    audit.record(actor, "unit_appetite.changed", "unit", unit.id, changes)
    _refresh_figures(unit)
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
    forget()
    audit.record(actor, "cadence.changed", "cadence", None, changes)
    return changes
