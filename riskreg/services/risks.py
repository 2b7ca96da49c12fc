"""Creating and changing risks, countermeasures and reviews. Every write is audited.

The one save path for risks, whether they come from the form, the API or an import: one reference allocator
(``allocate_refs``), one review-schedule rule (``rules.scoring.review_schedule``) and the same after-save work
(``AFTER_SAVE``: the embedding, the flag scan, the register figures, each at its ``Stage``), run per risk on a
form or API save and in batches for an import. The services that do that work register it here, so this module
imports none of them: saving a risk used to import flags, which imports risks (and links, which imports risks).
"""

from collections.abc import Callable, Sequence
from datetime import date
from enum import IntEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from riskreg.clock import today, utcnow
from riskreg.enums import CountermeasureStatus, RiskStatus
from riskreg.extensions import db
from riskreg.models import Countermeasure, Register, Review, Risk, User
from riskreg.rules import countermeasures as countermeasure_rules
from riskreg.rules import scoring
from riskreg.rules.audit_chain import diff
from riskreg.services import NotFoundError, ServiceError, StaleEdit, vocabulary
from riskreg.services.audit import trail as audit
from riskreg.services.certificates import reliance
from riskreg.services.registers import names_only, rules, touch

RISK_FIELDS = (
    "title",
    "cause",
    "event",
    "consequence",
    "category",
    "objective",
    "owner_id",
    "influence",
    "inherent_l",
    "inherent_i",
    "residual_l",
    "residual_i",
    "target_l",
    "target_i",
    "restricted",
)
COUNTERMEASURE_FIELDS = (
    "title",
    "description",
    "kind",
    "owner_id",
    "status",
    "due_on",
    "implemented_on",
    "frequency",
    "progress",
)
# What a countermeasure's owner may change without the register's edit rights (policy UPDATE_COUNTERMEASURE).
PROGRESS_FIELDS = ("status", "due_on", "progress")
# An owner reports an action planned or in place; dropping one is an editor's decision (retire).
PROGRESS_STATUSES = (CountermeasureStatus.PLANNED, CountermeasureStatus.IN_PLACE)
RATING_FIELDS = ("inherent_l", "inherent_i", "residual_l", "residual_i", "target_l", "target_i")
AFTER_SAVE_BATCH = 500

AfterSave = Callable[[Sequence[Risk], User | None], None]


class Stage(IntEnum):
    """Where a piece of after-save work runs: each reads what the ones before it wrote."""

    EMBEDDING = 1  # similar-risk checks read it
    FLAGS = 2  # the scan reads the embeddings
    FIGURES = 3  # they count flags


# The registered work in stage order, whichever of its modules was imported first. See ``after_save``.
AFTER_SAVE: list[AfterSave] = []
_STAGE_OF: dict[AfterSave, Stage] = {}


def after_save(stage: Stage) -> Callable[[AfterSave], AfterSave]:
    """Register work that follows every save of risks (a decorator), at its stage; it takes the saved risks and
    the actor."""

    def register(work: AfterSave) -> AfterSave:
        if work not in _STAGE_OF:
            _STAGE_OF[work] = stage
            AFTER_SAVE.append(work)
            AFTER_SAVE.sort(key=_STAGE_OF.__getitem__)
        return work

    return register


def saved(risks: Sequence[Risk], actor: User | None) -> None:
    for work in AFTER_SAVE:
        work(risks, actor)


def saved_in_batches(
    risk_ids: Sequence[int], actor: User | None, progress: Callable[[int], None] | None = None
) -> None:
    """The after-save work for many new risks (an import), a batch at a time, with their registers loaded."""
    for start in range(0, len(risk_ids), AFTER_SAVE_BATCH):
        batch = list(risk_ids[start : start + AFTER_SAVE_BATCH])
        risks = db.session.scalars(
            sa.select(Risk)
            .where(Risk.id.in_(batch))
            .options(joinedload(Risk.register).joinedload(Register.unit), joinedload(Risk.owner))
            .order_by(Risk.id)
        ).all()
        saved(risks, actor)
        if progress:
            progress(len(batch))


def get_by_ref(ref: str) -> Risk:
    risk = db.session.scalar(
        sa.select(Risk)
        .where(Risk.ref == ref.upper())
        .options(
            joinedload(Risk.register).joinedload(Register.unit),
            joinedload(Risk.owner).options(names_only()),
            selectinload(Risk.countermeasures).joinedload(Countermeasure.owner).options(names_only()),
            selectinload(Risk.reviews).joinedload(Review.reviewer).options(names_only()),
        )
    )
    if risk is None:
        raise NotFoundError()
    return risk


def get_countermeasure(risk: Risk, countermeasure_id: int) -> Countermeasure:
    for countermeasure in risk.countermeasures:
        if countermeasure.id == countermeasure_id:
            return countermeasure
    raise NotFoundError()


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


def _check_ratings(values: dict[str, Any]) -> None:
    for name in RATING_FIELDS:
        if name in values and not scoring.is_valid_rating(values[name]):
            raise ServiceError(f"{name.replace('_', ' ')} must be from 1 to 5", field=name)


def _check_terms(values: dict[str, Any], risk: Risk | None = None) -> None:
    """A category and objective must be active ones; a risk keeps a retired one it already has."""
    for name, terms, noun in (
        ("category", vocabulary.categories(), "category"),
        ("objective", vocabulary.objectives(), "strategic objective"),
    ):
        value = values.get(name)
        if value is not None and not terms.offered(value, getattr(risk, name, None)):
            choices = ", ".join(term.code for term in terms.active)
            raise ServiceError(f"{noun.capitalize()} must be one of: {choices}", field=name)


def _check_version(risk: Risk, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != risk.version:
        raise StaleEdit()


def _flush_risk_change(what: str = "risk") -> None:
    """Flush a change to a risk or countermeasure. On PostgreSQL two requests can both pass the version check;
    the second to write then updates no row. That is a stale edit too, and the session is rolled back so that
    the refusal page can read the record as it is now (a failed flush leaves the session unusable until then)."""
    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        raise StaleEdit(what) from error


def allocate_refs(register: Register, count: int = 1) -> list[str]:
    """The next ``count`` references of the register (LN-007…), in one statement however many."""
    if count < 1:
        return []
    if register.unit.is_retired:  # every new risk gets its reference here: form, API, import, escalation
        raise ServiceError(f"{register.unit.name} is retired: its register takes no new risks")
    last = db.session.execute(
        sa.update(Register)
        .where(Register.id == register.id)
        .values(last_ref_number=Register.last_ref_number + count)
        .returning(Register.last_ref_number)
    ).scalar_one()
    db.session.refresh(register, ["last_ref_number"])
    return [f"{register.unit.code}-{number:03d}" for number in range(last - count + 1, last + 1)]


def schedule(risk: Risk, from_date: date) -> None:
    risk.review_frequency_days, risk.next_review_on = scoring.review_schedule(risk.residual_score, from_date, rules())


def create_risk(register: Register, values: dict[str, Any], actor: User) -> Risk:
    _check_ratings(values)
    _check_terms(values)
    risk = Risk(register=register, ref=allocate_refs(register)[0], status=RiskStatus.OPEN, **values)
    schedule(risk, today())
    db.session.add(risk)
    touch(register, utcnow())
    db.session.flush()
    audit.record(actor, "risk.created", "risk", risk.id, _snapshot(risk, RISK_FIELDS), risk_id=risk.id)
    saved([risk], actor)
    return risk


def insert_risks(register: Register, values: Sequence[dict[str, Any]]) -> list[tuple[int, str]]:
    """New risks in bulk for an import, as (id, reference): references from ``allocate_refs``; each row's
    review schedule already worked out by ``scoring.review_schedule`` (a file may give its own dates). The
    caller audits them and runs ``saved_in_batches`` once everything is written."""
    if not values:
        return []
    now = utcnow()
    refs = allocate_refs(register, len(values))
    rows = [
        {
            "closed_reason": None,
            "owner_to_confirm": None,
            **row,
            "register_id": register.id,
            "ref": ref,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for ref, row in zip(refs, values, strict=True)
    ]
    # A plain executemany (no RETURNING): the drivers send it as one pipelined batch, where a multi-row
    # INSERT ... RETURNING of thousands of rows costs psycopg seconds just to parse. The new references
    # are known, so one query finds the new ids.
    db.session.execute(sa.insert(Risk.__table__), rows)
    touch(register, now)
    ids = dict(db.session.execute(sa.select(Risk.ref, Risk.id).where(Risk.ref.in_(refs))).all())
    return [(ids[ref], ref) for ref in refs]


def update_risk(risk: Risk, values: dict[str, Any], expected_version: int, actor: User) -> Risk:
    _check_version(risk, expected_version)
    _check_ratings(values)
    _check_terms(values, risk)
    before = _snapshot(risk, RISK_FIELDS)
    for name, value in values.items():
        if name in RISK_FIELDS:
            setattr(risk, name, value)
    changes = diff(before, _snapshot(risk, RISK_FIELDS))
    if not changes:
        return risk
    if "owner_id" in changes and risk.owner_id is not None:
        risk.owner_to_confirm = None  # the manager has resolved the owner named on import
    if "residual_l" in changes or "residual_i" in changes:
        schedule(risk, risk.last_reviewed_on or risk.created_at.date())
    risk.updated_at = utcnow()
    touch(risk.register, risk.updated_at)
    _flush_risk_change()
    audit.record(actor, "risk.updated", "risk", risk.id, changes, risk_id=risk.id)
    saved([risk], actor)
    return risk


def close_risk(risk: Risk, reason: str, expected_version: int, actor: User) -> Risk:
    _check_version(risk, expected_version)
    if not risk.is_open:
        raise ServiceError("This risk is already closed")
    if not reason.strip():
        raise ServiceError("Enter why the risk is being closed")
    risk.status = RiskStatus.CLOSED
    risk.closed_reason = reason.strip()
    risk.updated_at = utcnow()
    touch(risk.register, risk.updated_at)
    _flush_risk_change()
    audit.record(
        actor, "risk.closed", "risk", risk.id, {"status": ["open", "closed"], "reason": reason}, risk_id=risk.id
    )
    saved([risk], actor)
    return risk


def record_review(risk: Risk, values: dict[str, Any], expected_version: int, actor: User) -> Review:
    """Store the scores at this moment and move the next review date by the cadence for the new band."""
    _check_version(risk, expected_version)
    _check_ratings(values)
    if not risk.is_open:
        raise ServiceError("A closed risk cannot be reviewed")
    reviewed_on = values["reviewed_on"]
    if reviewed_on > today():
        raise ServiceError("The review date must be today or in the past", field="reviewed_on")
    review = Review(risk=risk, reviewer=actor, **values)
    was_above = scoring.is_above_appetite(risk.residual_score, risk.category, rules(), risk.register_id)
    before = _snapshot(risk, ("residual_l", "residual_i", "next_review_on", "last_reviewed_on"))
    risk.residual_l, risk.residual_i = values["residual_l"], values["residual_i"]
    risk.last_reviewed_on = reviewed_on
    schedule(risk, reviewed_on)
    risk.updated_at = utcnow()
    touch(risk.register, risk.updated_at)
    db.session.add(review)
    _flush_risk_change()
    changes = diff(before, _snapshot(risk, tuple(before)))
    changes["outcome"] = [None, values["outcome"]]
    audit.record(actor, "review.recorded", "review", review.id, changes, risk_id=risk.id)
    saved([risk], actor)
    reliance.after_review(review, rules(), was_above)
    return review


def add_countermeasure(risk: Risk, values: dict[str, Any], actor: User) -> Countermeasure:
    if not risk.is_open:
        raise ServiceError("A closed risk cannot be given new countermeasures")
    countermeasure = Countermeasure(risk=risk, **values)
    db.session.add(countermeasure)
    touch(risk.register, utcnow())
    db.session.flush()
    audit.record(
        actor,
        "countermeasure.added",
        "countermeasure",
        countermeasure.id,
        _snapshot(countermeasure, COUNTERMEASURE_FIELDS),
        risk_id=risk.id,
    )
    return countermeasure


def update_countermeasure(
    countermeasure: Countermeasure, values: dict[str, Any], expected_version: int, actor: User
) -> Countermeasure:
    if expected_version != countermeasure.version:
        raise StaleEdit("countermeasure")
    new_status = values.get("status", countermeasure.status)
    if not countermeasure_rules.can_transition(countermeasure.status, new_status):
        raise ServiceError(
            f"A countermeasure that is {countermeasure.status.label.lower()} cannot become {new_status.label.lower()}",
            field="status",
        )
    if new_status is CountermeasureStatus.IN_PLACE and not (
        values.get("implemented_on") or countermeasure.implemented_on
    ):
        values["implemented_on"] = today()
    before = _snapshot(countermeasure, COUNTERMEASURE_FIELDS)
    for name, value in values.items():
        if name in COUNTERMEASURE_FIELDS:
            setattr(countermeasure, name, value)
    changes = diff(before, _snapshot(countermeasure, COUNTERMEASURE_FIELDS))
    if changes:
        touch(countermeasure.risk.register, utcnow())
        _flush_risk_change("countermeasure")
        action = "countermeasure.retired" if new_status is CountermeasureStatus.RETIRED else "countermeasure.updated"
        audit.record(actor, action, "countermeasure", countermeasure.id, changes, risk_id=countermeasure.risk_id)
    return countermeasure


def report_progress(
    countermeasure: Countermeasure, values: dict[str, Any], expected_version: int, actor: User
) -> Countermeasure:
    """The owner's narrow update: status (planned or in place), due date and a progress note, nothing else."""
    if not countermeasure.risk.is_open:
        raise ServiceError("The countermeasures of a closed risk cannot be updated")
    if countermeasure.status is CountermeasureStatus.RETIRED:
        raise ServiceError("A retired countermeasure cannot be updated")
    if values.get("status", countermeasure.status) not in PROGRESS_STATUSES:
        raise ServiceError("Select planned or in place", field="status")
    narrow = {name: values[name] for name in PROGRESS_FIELDS if name in values}
    return update_countermeasure(countermeasure, narrow, expected_version, actor)


def retire_countermeasure(countermeasure: Countermeasure, expected_version: int, actor: User) -> Countermeasure:
    if countermeasure.status is CountermeasureStatus.RETIRED:
        raise ServiceError("This countermeasure is already retired")
    return update_countermeasure(countermeasure, {"status": CountermeasureStatus.RETIRED}, expected_version, actor)


def score_history(risk: Risk) -> list[tuple[date, int]]:
    """Residual scores from the reviews, oldest first (reviews are loaded newest first)."""
    return [(review.reviewed_on, review.residual_score) for review in reversed(risk.reviews)]
