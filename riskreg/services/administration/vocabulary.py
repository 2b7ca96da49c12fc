"""Administering the risk categories and strategic objectives (issues 16 and 17): add, rename, describe,
reorder, retire and reinstate; delete only what no risk or appetite setting uses. Every change is audited."""

import re
from collections.abc import Collection

import sqlalchemy as sa

from riskreg.clock import utcnow
from riskreg.extensions import db
from riskreg.models import AppetiteSetting, Risk, UnitAppetite, User
from riskreg.models.vocabulary import CODE_LENGTH, VocabularyEntry
from riskreg.services import NotFoundError, ServiceError
from riskreg.services.audit import trail as audit
from riskreg.services.vocabulary import CATEGORIES, MODELS, OBJECTIVES, forget

LABEL_MAX = 80
# The audit trail's entity, and the words pages and messages use, for each vocabulary.
ENTITY = {CATEGORIES: "risk_category", OBJECTIVES: "strategic_objective"}
NOUN = {CATEGORIES: "category", OBJECTIVES: "strategic objective"}
_CODE = re.compile(r"[a-z][a-z0-9_]*")


def _model(kind: str):
    if kind not in MODELS:
        raise NotFoundError()
    return MODELS[kind]


def all_entries(kind: str) -> list[VocabularyEntry]:
    model = _model(kind)
    return list(db.session.scalars(sa.select(model).order_by(model.position, model.code)))


def get_entry(kind: str, code: str) -> VocabularyEntry:
    entry = db.session.get(_model(kind), code)
    if entry is None:
        raise NotFoundError()
    return entry


def uses(kind: str) -> dict[str, int]:
    """How many risks (and, for categories, appetite settings, the organisation's and units') hold each code."""
    column = Risk.category if kind == CATEGORIES else Risk.objective
    counts = dict(
        db.session.execute(sa.select(column, sa.func.count()).where(column.is_not(None)).group_by(column))
        .tuples()
        .all()
    )
    if kind == CATEGORIES:  # the organisation's and the units' appetite settings name categories too
        settings = sa.union_all(sa.select(AppetiteSetting.category), sa.select(UnitAppetite.category))
        for code in db.session.scalars(settings):
            counts[code] = counts.get(code, 0) + 1
    return counts


def _kind_of(entry: VocabularyEntry) -> str:
    return next(kind for kind, model in MODELS.items() if isinstance(entry, model))


def _check_label(kind: str, label: str, code: str | None = None) -> str:
    label = " ".join((label or "").split())
    if not label:
        raise ServiceError(f"Enter the {NOUN[kind]}'s name", field="label")
    if len(label) > LABEL_MAX:
        raise ServiceError(f"The name must be {LABEL_MAX} characters or fewer", field="label")
    model = MODELS[kind]
    clash = db.session.scalar(
        sa.select(model.label).where(sa.func.lower(model.label) == label.lower(), model.code != code)
    )
    if clash is not None:
        raise ServiceError(f"There is already a {NOUN[kind]} called {clash}", field="label")
    return label


def _code_from(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:CODE_LENGTH].strip("_")


def _record(actor: User, kind: str, action: str, entry: VocabularyEntry, changes: dict) -> None:
    db.session.flush()
    forget()
    audit.record(actor, f"{ENTITY[kind]}.{action}", ENTITY[kind], None, {"code": entry.code, **changes})


def add(
    kind: str, label: str, description: str | None, actor: User, code: str | None = None, reserved: Collection[str] = ()
) -> VocabularyEntry:
    """A new entry at the end of the list. Its code (what exports and the API use) is made from the name unless
    given, and never changes; it may not be one of ``reserved`` (the web's appetite forms name a field after each
    category's code, so a code must not be one of a form's own names, typed or made from the name)."""
    model = _model(kind)
    label = _check_label(kind, label)
    code = (code or "").strip().lower() or _code_from(label)
    if not _CODE.fullmatch(code) or len(code) > CODE_LENGTH:
        raise ServiceError(
            f"The code must start with a letter and use only a to z, 0 to 9 and _, up to {CODE_LENGTH} characters",
            field="code",
        )
    if code in reserved:
        raise ServiceError("Choose another code: this one is a word riskreg's pages use themselves", field="code")
    if db.session.get(model, code) is not None:
        raise ServiceError(f"There is already a {NOUN[kind]} with the code {code}", field="code")
    position = (db.session.scalar(sa.select(sa.func.max(model.position))) or 0) + 1
    entry = model(code=code, label=label, description=(description or "").strip() or None, position=position)
    db.session.add(entry)
    _record(actor, kind, "added", entry, {"label": label, "description": entry.description})
    return entry


def edit(entry: VocabularyEntry, label: str, description: str | None, actor: User) -> dict:
    """Rename or describe an entry; every risk that has it reads the new name at once."""
    kind = _kind_of(entry)
    label = _check_label(kind, label, entry.code)
    description = (description or "").strip() or None
    changes = {
        name: [getattr(entry, name), value]
        for name, value in (("label", label), ("description", description))
        if getattr(entry, name) != value
    }
    if not changes:
        raise ServiceError("Nothing has changed: change the name or the description")
    entry.label, entry.description = label, description
    _record(actor, kind, "changed", entry, changes)
    return changes


def move(entry: VocabularyEntry, step: int, actor: User) -> None:
    """Move an entry one place up (-1) or down (+1) in the order lists and forms show."""
    kind = _kind_of(entry)
    entries = all_entries(kind)
    index = entries.index(entry)
    other = index + step
    if step not in (-1, 1) or not 0 <= other < len(entries):
        raise ServiceError(f"This {NOUN[kind]} cannot move further {'up' if step < 0 else 'down'}")
    entries[index], entries[other] = entries[other], entries[index]
    for position, each in enumerate(entries, start=1):
        each.position = position
    _record(actor, kind, "moved", entry, {"position": [index + 1, other + 1]})


def retire(entry: VocabularyEntry, actor: User) -> None:
    """Not offered for new risks any more; risks that have it keep it and show it."""
    kind = _kind_of(entry)
    if entry.is_retired:
        raise ServiceError(f"This {NOUN[kind]} is already retired")
    entry.retired_at = utcnow()
    _record(actor, kind, "retired", entry, {"label": entry.label})


def reinstate(entry: VocabularyEntry, actor: User) -> None:
    kind = _kind_of(entry)
    if not entry.is_retired:
        raise ServiceError(f"This {NOUN[kind]} is not retired")
    entry.retired_at = None
    _record(actor, kind, "reinstated", entry, {"label": entry.label})


def deletion_problem(entry: VocabularyEntry) -> str | None:
    """Why this entry cannot be deleted (a risk or appetite setting uses it), or None."""
    kind = _kind_of(entry)
    used = uses(kind).get(entry.code, 0)
    if used:
        times = f"{used} time{'s' if used != 1 else ''}"
        return f"{entry.label} is used {times}: retire it instead, so it is not offered for new risks"
    return None


def delete(entry: VocabularyEntry, actor: User) -> None:
    """Only an entry nothing uses (one added by mistake); anything used is retired instead."""
    kind = _kind_of(entry)
    if problem := deletion_problem(entry):
        raise ServiceError(problem)
    db.session.delete(entry)
    _record(actor, kind, "deleted", entry, {"label": entry.label})
