"""Creating and changing risks, countermeasures and reviews. Every write is audited."""

from datetime import date
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
from riskreg.services import NotFoundError, ServiceError, StaleEdit, audit, flags, reliance, similarity
from riskreg.services.registers import NAMES_ONLY, rules, touch

RISK_FIELDS = (
    "title", "cause", "event", "consequence", "category", "objective", "owner_id", "influence",
    "inherent_l", "inherent_i", "residual_l", "residual_i", "target_l", "target_i", "restricted",
)  # fmt: skip
COUNTERMEASURE_FIELDS = (
    "title", "description", "kind", "owner_id", "status", "due_on", "implemented_on", "frequency", "progress",
)  # fmt: skip
# What a countermeasure's owner may change without the register's edit rights (policy UPDATE_COUNTERMEASURE).
PROGRESS_FIELDS = ("status", "due_on", "progress")
# An owner reports an action planned or in place; dropping one is an editor's decision (retire).
PROGRESS_STATUSES = (CountermeasureStatus.PLANNED, CountermeasureStatus.IN_PLACE)
RATING_FIELDS = ("inherent_l", "inherent_i", "residual_l", "residual_i", "target_l", "target_i")


def get_by_ref(ref: str) -> Risk:
    risk = db.session.scalar(
        sa.select(Risk)
        .where(Risk.ref == ref.upper())
        .options(
            joinedload(Risk.register).joinedload(Register.unit),
            joinedload(Risk.owner).options(NAMES_ONLY),
            selectinload(Risk.countermeasures).joinedload(Countermeasure.owner).options(NAMES_ONLY),
            selectinload(Risk.reviews).joinedload(Review.reviewer).options(NAMES_ONLY),
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


def _check_version(risk: Risk, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != risk.version:
        raise StaleEdit()


def _flush_risk_change() -> None:
    """Flush a change to a risk. On PostgreSQL two requests can both pass _check_version; the second to write
    then updates no row. That is a stale edit too, and the session is rolled back so that the refusal page
    can read the risk as it is now (a failed flush leaves the session unusable until then)."""
    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        raise StaleEdit() from error


def _allocate_ref(register: Register) -> str:
    number = db.session.execute(
        sa.update(Register)
        .where(Register.id == register.id)
        .values(last_ref_number=Register.last_ref_number + 1)
        .returning(Register.last_ref_number)
    ).scalar_one()
    db.session.refresh(register, ["last_ref_number"])
    return f"{register.unit.code}-{number:03d}"


def _schedule(risk: Risk, from_date: date) -> None:
    interval = scoring.review_interval(risk.residual_score, rules())
    risk.review_frequency_days = interval.days
    risk.next_review_on = from_date + interval


def create_risk(register: Register, values: dict[str, Any], actor: User) -> Risk:
    _check_ratings(values)
    risk = Risk(register=register, ref=_allocate_ref(register), status=RiskStatus.OPEN, **values)
    _schedule(risk, today())
    db.session.add(risk)
    touch(register, utcnow())
    db.session.flush()
    similarity.refresh_embedding(risk)
    audit.record(actor, "risk.created", "risk", risk.id, _snapshot(risk, RISK_FIELDS), risk_id=risk.id)
    flags.scan_risk(risk)
    return risk


def update_risk(risk: Risk, values: dict[str, Any], expected_version: int, actor: User) -> Risk:
    _check_version(risk, expected_version)
    _check_ratings(values)
    before = _snapshot(risk, RISK_FIELDS)
    for name, value in values.items():
        if name in RISK_FIELDS:
            setattr(risk, name, value)
    changes = diff(before, _snapshot(risk, RISK_FIELDS))
    if not changes:
        return risk
    if "residual_l" in changes or "residual_i" in changes:
        _schedule(risk, risk.last_reviewed_on or risk.created_at.date())
    risk.updated_at = utcnow()
    touch(risk.register, risk.updated_at)
    _flush_risk_change()
    similarity.refresh_embedding(risk)
    audit.record(actor, "risk.updated", "risk", risk.id, changes, risk_id=risk.id)
    flags.scan_risk(risk)
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
    flags.scan_risk(risk)
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
    was_above = scoring.is_above_appetite(risk.residual_score, risk.category, rules())
    before = _snapshot(risk, ("residual_l", "residual_i", "next_review_on", "last_reviewed_on"))
    risk.residual_l, risk.residual_i = values["residual_l"], values["residual_i"]
    risk.last_reviewed_on = reviewed_on
    _schedule(risk, reviewed_on)
    risk.updated_at = utcnow()
    touch(risk.register, risk.updated_at)
    db.session.add(review)
    _flush_risk_change()
    changes = diff(before, _snapshot(risk, tuple(before)))
    changes["outcome"] = [None, values["outcome"]]
    audit.record(actor, "review.recorded", "review", review.id, changes, risk_id=risk.id)
    flags.scan_risk(risk)
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
        actor, "countermeasure.added", "countermeasure", countermeasure.id,
        _snapshot(countermeasure, COUNTERMEASURE_FIELDS), risk_id=risk.id,
    )  # fmt: skip
    return countermeasure


def update_countermeasure(countermeasure: Countermeasure, values: dict[str, Any], actor: User) -> Countermeasure:
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
        db.session.flush()
        action = "countermeasure.retired" if new_status is CountermeasureStatus.RETIRED else "countermeasure.updated"
        audit.record(actor, action, "countermeasure", countermeasure.id, changes, risk_id=countermeasure.risk_id)
    return countermeasure


def report_progress(countermeasure: Countermeasure, values: dict[str, Any], actor: User) -> Countermeasure:
    """The owner's narrow update: status (planned or in place), due date and a progress note, nothing else."""
    if not countermeasure.risk.is_open:
        raise ServiceError("The countermeasures of a closed risk cannot be updated")
    if countermeasure.status is CountermeasureStatus.RETIRED:
        raise ServiceError("A retired countermeasure cannot be updated")
    if values.get("status", countermeasure.status) not in PROGRESS_STATUSES:
        raise ServiceError("Select planned or in place", field="status")
    return update_countermeasure(countermeasure, {name: values[name] for name in PROGRESS_FIELDS if name in values},
                                 actor)  # fmt: skip


def retire_countermeasure(countermeasure: Countermeasure, actor: User) -> Countermeasure:
    if countermeasure.status is CountermeasureStatus.RETIRED:
        raise ServiceError("This countermeasure is already retired")
    return update_countermeasure(countermeasure, {"status": CountermeasureStatus.RETIRED}, actor)


def score_history(risk: Risk) -> list[tuple[date, int]]:
    """Residual scores from the reviews, oldest first (reviews are loaded newest first)."""
    return [(review.reviewed_on, review.residual_score) for review in reversed(risk.reviews)]
