"""The quarterly performance review (QPR) pack of a unit (issue 19; inspection 3.13-3.16): what changed in the
register in the quarter, measures outside tolerance with their trends, the residual heat map at the end of this
and the four quarters before (services/heat_trend.py), flags, overdue reviews and actions,
certificate exceptions and contradictions, explanations that blame a partner (evidenced or not), and the actions
agreed at reviews, carried from quarter to quarter until their exit criterion is met.

``build_pack`` reads everything in a fixed number of queries; ``render_pack_pdf`` (riskreg.web.qpr) prints it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from riskreg.enums import CertificateStatus, CountermeasureStatus, Declaration, FlagStatus, QprActionStatus, RiskStatus
from riskreg.extensions import db
from riskreg.models import (
    AuditEvent,
    Certificate,
    CertificateSection,
    Contradiction,
    Countermeasure,
    Flag,
    Measure,
    PartnerEvidence,
    QprAction,
    Register,
    Review,
    Risk,
    Unit,
    User,
)
from riskreg.rules import measures as measure_rules
from riskreg.rules.measures import Quarter
from riskreg.rules.partners import partner_blame
from riskreg.services import NotFoundError, ServiceError, StaleEdit, heat_trend, recommendations
from riskreg.services.audit import trail as audit
from riskreg.services.measures import catalogue, trends

CHANGE_ACTIONS = ("risk.created", "risk.closed", "risk.reopened", "risk.updated")


@dataclass(frozen=True)
class Explanation:
    review: Review
    partners: tuple[str, ...]
    sentence: str
    citations: list[PartnerEvidence]

    @property
    def evidenced(self) -> bool:
        return bool(self.citations)


@dataclass
class Pack:
    unit: Unit
    quarter: Quarter
    as_of: date  # the quarter's end, or today while it lasts
    reviews: list[Review] = field(default_factory=list)
    changes: list[AuditEvent] = field(default_factory=list)
    breaches: list[trends.Trend] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    overdue_reviews: list[Risk] = field(default_factory=list)
    overdue_actions: list[Countermeasure] = field(default_factory=list)
    exceptions: list[tuple[Certificate, Any]] = field(default_factory=list)
    contradictions: list[Contradiction] = field(default_factory=list)
    explanations: list[Explanation] = field(default_factory=list)
    actions: list[QprAction] = field(default_factory=list)
    recommendations: list[Any] = field(default_factory=list)
    heat_map: heat_trend.Trend | None = None  # the register at this and earlier quarter ends
    refs: dict[int, str] = field(default_factory=dict)

    @property
    def unevidenced(self) -> int:
        return sum(not explanation.evidenced for explanation in self.explanations)


def _bounds(quarter: Quarter) -> tuple[datetime, datetime]:
    return datetime.combine(quarter.start, time.min), datetime.combine(quarter.next().start, time.min)


def _register_risks(unit: Unit):
    return sa.select(Risk.id).join(Register, Register.id == Risk.register_id).where(Register.unit_id == unit.id)


def _reviews(unit: Unit, quarter: Quarter) -> list[Review]:
    return list(
        db.session.scalars(
            sa.select(Review)
            .where(Review.risk_id.in_(_register_risks(unit)), Review.reviewed_on.between(quarter.start, quarter.end))
            .options(joinedload(Review.risk), joinedload(Review.reviewer))
            .order_by(Review.reviewed_on, Review.id)
        )
    )


def _changes(unit: Unit, quarter: Quarter) -> list[AuditEvent]:
    start, end = _bounds(quarter)
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(
                AuditEvent.risk_id.in_(_register_risks(unit)),
                AuditEvent.action.in_(CHANGE_ACTIONS),
                AuditEvent.at >= start,
                AuditEvent.at < end,
            )
            .options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


def _breaches(unit: Unit, quarter: Quarter) -> list[trends.Trend]:
    """Measures with a value outside tolerance in the quarter, each with its trend to the quarter's end."""
    found = []
    for measure in catalogue.measures_of(unit):
        in_quarter = [value for value in measure.values if quarter.contains(value.period_start)]
        if any(measure_rules.is_breach(value.value, measure.tolerance) for value in in_quarter):
            found.append(trends.trend(measure, until=quarter.end))
    return found


def _flags(unit: Unit) -> list[Flag]:
    return list(
        db.session.scalars(
            sa.select(Flag)
            .where(Flag.risk_id.in_(_register_risks(unit)), Flag.status.in_((FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)))
            .options(joinedload(Flag.risk))
            .order_by(Flag.risk_id, Flag.id)
        )
    )


def _overdue(unit: Unit, as_of: date) -> tuple[list[Risk], list[Countermeasure]]:
    risks = db.session.scalars(
        sa.select(Risk)
        .where(Risk.id.in_(_register_risks(unit)), Risk.status == RiskStatus.OPEN, Risk.next_review_on < as_of)
        .options(joinedload(Risk.owner))
        .order_by(Risk.next_review_on, Risk.ref)
    ).all()
    actions = db.session.scalars(
        sa.select(Countermeasure)
        .join(Risk, Risk.id == Countermeasure.risk_id)
        .where(
            Countermeasure.risk_id.in_(_register_risks(unit)),
            Risk.status == RiskStatus.OPEN,
            Countermeasure.status == CountermeasureStatus.PLANNED,
            Countermeasure.due_on < as_of,
        )
        .options(joinedload(Countermeasure.risk), joinedload(Countermeasure.owner))
        .order_by(Countermeasure.due_on, Countermeasure.id)
    ).all()
    return list(risks), list(actions)


def _certificates(unit: Unit, quarter: Quarter) -> tuple[list, list[Contradiction]]:
    """Exceptions declared in the unit's current certificates (not superseded), and contradictions of signed
    assertions recorded in the quarter."""
    certificates = db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.unit_id == unit.id, Certificate.status != CertificateStatus.SUPERSEDED)
        .options(selectinload(Certificate.sections).selectinload(CertificateSection.assertions))
        .order_by(Certificate.period.desc(), Certificate.version.desc())
    ).all()
    exceptions = [
        (certificate, assertion)
        for certificate in certificates
        for assertion in certificate.assertions
        if assertion.declaration in (Declaration.ASSURED_WITH_EXCEPTIONS, Declaration.NOT_ASSURED)
    ]
    contradictions = db.session.scalars(
        sa.select(Contradiction)
        .join(Certificate, Certificate.id == Contradiction.certificate_id)
        .where(Certificate.unit_id == unit.id, Contradiction.occurred_on.between(quarter.start, quarter.end))
        .options(joinedload(Contradiction.risk), joinedload(Contradiction.assertion))
        .order_by(Contradiction.occurred_on, Contradiction.id)
    ).all()
    return exceptions, list(contradictions)


def _explanations(reviews: list[Review]) -> list[Explanation]:
    blamed = {review.id: partner_blame(review.commentary) for review in reviews}
    ids = [review_id for review_id, blame in blamed.items() if blame is not None]
    citations: dict[int, list[PartnerEvidence]] = {review_id: [] for review_id in ids}
    if ids:
        for citation in db.session.scalars(
            sa.select(PartnerEvidence)
            .where(PartnerEvidence.review_id.in_(ids))
            .options(joinedload(PartnerEvidence.measure))
            .order_by(PartnerEvidence.id)
        ):
            citations[citation.review_id].append(citation)
    return [
        Explanation(review, blamed[review.id].partners, blamed[review.id].sentence, citations[review.id])
        for review in reviews
        if blamed[review.id] is not None
    ]


def actions_for(unit: Unit, quarter: Quarter) -> list[QprAction]:
    """Actions agreed at this quarter's review or earlier and still open at its start (carried), or closed in it."""
    return list(
        db.session.scalars(
            sa.select(QprAction)
            .where(
                QprAction.unit_id == unit.id,
                QprAction.agreed_in <= quarter.start,
                sa.or_(QprAction.status == QprActionStatus.OPEN, QprAction.closed_on >= quarter.start),
            )
            .options(joinedload(QprAction.owner), joinedload(QprAction.risk), joinedload(QprAction.measure))
            .order_by(QprAction.agreed_in, QprAction.due_on, QprAction.id)
        )
    )


def build_pack(unit: Unit, quarter: Quarter, today: date) -> Pack:
    as_of = min(quarter.end, today)
    pack = Pack(unit, quarter, as_of)
    pack.reviews = _reviews(unit, quarter)
    pack.changes = _changes(unit, quarter)
    pack.breaches = _breaches(unit, quarter)
    pack.flags = _flags(unit)
    pack.overdue_reviews, pack.overdue_actions = _overdue(unit, as_of)
    pack.exceptions, pack.contradictions = _certificates(unit, quarter)
    pack.explanations = _explanations(pack.reviews)
    pack.actions = actions_for(unit, quarter)
    pack.recommendations = recommendations.overdue_for_unit(unit, as_of)
    # Restricted risks included: the pack's readers may read them (policy READ_QPR), as its other sections show.
    pack.heat_map = heat_trend.trend(unit.register, heat_trend.quarter_ends(quarter, today), include_restricted=True)
    pack.refs = dict(db.session.execute(sa.select(Risk.id, Risk.ref).where(Risk.id.in_(_register_risks(unit)))).all())
    return pack


def has_quarter_started(quarter: Quarter, today: date) -> bool:
    return quarter.start <= today


# Actions agreed at a review -----------------------------------------------------------------------------------


def get_action(action_id: int) -> QprAction:
    action = db.session.get(QprAction, action_id)
    if action is None:
        raise NotFoundError()
    return action


def _snapshot(action: QprAction) -> dict[str, Any]:
    return {
        "title": action.title,
        "owner_id": action.owner_id,
        "due_on": action.due_on,
        "exit_criterion": action.exit_criterion,
        "agreed_in": action.agreed_in,
        "risk_id": action.risk_id,
        "measure_id": action.measure_id,
    }


def agree_action(unit: Unit, quarter: Quarter, values: dict[str, Any], actor: User | None, today: date) -> QprAction:
    """Record an action agreed at the quarter's review: an owner, a due date and an exit criterion."""
    if quarter.start > today:
        raise ServiceError("That quarter's review has not happened yet")
    if not values.get("exit_criterion", "").strip():
        raise ServiceError("Enter the exit criterion: what ends the monitoring", field="exit_criterion")
    if values["due_on"] < quarter.start:
        raise ServiceError("The due date must be after the start of the quarter", field="due_on")
    risk, measure = values.get("risk"), values.get("measure")
    if risk is not None and risk.register.unit_id != unit.id:
        raise ServiceError("Choose a risk in the unit's own register", field="risk_id")
    if measure is not None and measure.unit_id != unit.id:
        raise ServiceError("Choose one of the unit's measures", field="measure_id")
    action = QprAction(
        unit=unit,
        agreed_in=quarter.start,
        status=QprActionStatus.OPEN,
        created_by_id=actor.id if actor else None,
        **values,
    )
    db.session.add(action)
    db.session.flush()
    audit.record(actor, "qpr_action.agreed", "qpr_action", action.id, _snapshot(action), risk_id=action.risk_id)
    return action


def close_action(
    action: QprAction, note: str, closed_on: date, expected_version: int, actor: User, today: date
) -> QprAction:
    """Close an action by saying how its exit criterion was met; until then it is carried to every later pack."""
    if expected_version != action.version:
        raise StaleEdit("action")
    if not action.is_open:
        raise ServiceError("This action is already closed")
    if not note.strip():
        raise ServiceError("Say how the exit criterion was met", field="note")
    if closed_on > today or closed_on < action.agreed_in:
        raise ServiceError("The date closed must be between the quarter it was agreed in and today", field="closed_on")
    action.status, action.closure_note, action.closed_on, action.closed_by = (
        QprActionStatus.CLOSED,
        note.strip(),
        closed_on,
        actor,
    )
    db.session.flush()
    audit.record(
        actor,
        "qpr_action.closed",
        "qpr_action",
        action.id,
        {"status": ["open", "closed"], "closure_note": note.strip(), "closed_on": closed_on},
        risk_id=action.risk_id,
    )
    return action


# Evidence for a partner explanation ------------------------------------------------------------------------------


def cite_evidence(
    review: Review, measure: Measure | None, title: str, reference: str, actor: User | None
) -> PartnerEvidence:
    """A review's explanation blaming a partner cites a measure, or a document by title and where to find it."""
    title, reference = title.strip(), reference.strip()
    if measure is None and not title:
        raise ServiceError("Choose a measure or name a document")
    if measure is not None and measure.unit_id != review.risk.register.unit_id:
        raise ServiceError("Choose one of the unit's measures", field="measure_id")
    citation = PartnerEvidence(
        review=review,
        measure=measure,
        document_title=title or None,
        document_reference=reference or None,
        cited_by=actor,
    )
    db.session.add(citation)
    db.session.flush()
    changes = {"review_id": review.id, "measure_id": measure.id if measure else None, "document_title": title or None}
    audit.record(actor, "partner_evidence.cited", "partner_evidence", citation.id, changes, risk_id=review.risk_id)
    return citation


def get_review(risk: Risk, review_id: int) -> Review:
    for review in risk.reviews:
        if review.id == review_id:
            return review
    raise NotFoundError()
