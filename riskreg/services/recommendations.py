"""Recommendations from the inspectorate, the NAO and internal audit (DESIGN capability 15): reading them with
filters, recording and editing them, moving their status with evidence of implementation, implementation rates,
and the overdue ones that feed HQ's flags and the certificate's disclosures. Every write is audited.

Evidence of implementation is the evidence store's own (riskreg.services.assurance.evidence): the same checks
on upload (type, size, SHA-256) and on download (the fingerprint), never a second upload path.
"""

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from riskreg.clock import today
from riskreg.enums import RecommendationSource, RecommendationStatus
from riskreg.extensions import db
from riskreg.models import Countermeasure, Evidence, Recommendation, Register, Risk, SourceReport, Unit, User
from riskreg.rules import recommendations as rules
from riskreg.rules import text
from riskreg.rules.audit_chain import diff
from riskreg.services import NotFoundError, ServiceError, StaleEdit
from riskreg.services.assurance import evidence as evidence_service
from riskreg.services.assurance.evidence_store import store
from riskreg.services.audit import trail as audit
from riskreg.services.registers import Page, names_only, page_within

EDITABLE = ("paragraph", "text", "unit_id", "owner_id", "due_on", "report_id")
LIMITS = {"paragraph": 20, "text": 4000, "title": 300, "body": 200, "status_note": 4000}
SORTS = {
    "due": (Recommendation.due_on, Recommendation.id),
    "-due": (Recommendation.due_on.desc(), Recommendation.id.desc()),
    "paragraph": (SourceReport.published_on, Recommendation.paragraph, Recommendation.id),
    "status": (Recommendation.status, Recommendation.due_on, Recommendation.id),
    "unit": (Unit.name, Recommendation.due_on, Recommendation.id),
}
OPEN = [status.value for status in rules.OPEN]


# Reading ----------------------------------------------------------------------------------------------------


def _loaded(query: sa.Select) -> sa.Select:
    return query.options(
        joinedload(Recommendation.report),
        joinedload(Recommendation.unit),
        joinedload(Recommendation.owner).options(names_only()),
    )


def get_recommendation(recommendation_id: int) -> Recommendation:
    found = db.session.scalar(
        _loaded(sa.select(Recommendation).where(Recommendation.id == recommendation_id)).options(
            selectinload(Recommendation.risks).joinedload(Risk.register).joinedload(Register.unit),
            selectinload(Recommendation.countermeasures).joinedload(Countermeasure.risk),
            selectinload(Recommendation.evidence).joinedload(Evidence.uploaded_by).options(names_only()),
        )
    )
    if found is None:
        raise NotFoundError()
    return found


def evidence_of(recommendation: Recommendation, evidence_id: int) -> Evidence:
    """One evidence item of the recommendation (404 for any other: evidence is reached through what it proves)."""
    for item in recommendation.evidence:
        if item.id == evidence_id:
            return item
    raise NotFoundError()


@dataclass(frozen=True)
class Filters:
    source: RecommendationSource | None = None
    unit_code: str | None = None
    status: RecommendationStatus | None = None
    overdue: bool = False


def _filtered(filters: Filters, as_of: date) -> sa.Select:
    query = sa.select(Recommendation).join(SourceReport).join(Unit, Unit.id == Recommendation.unit_id)
    if filters.source is not None:
        query = query.where(SourceReport.source == filters.source)
    if filters.unit_code:
        query = query.where(Unit.code == filters.unit_code.upper())
    if filters.status is not None:
        query = query.where(Recommendation.status == filters.status)
    if filters.overdue:
        query = query.where(overdue_clause(as_of))
    return query


def overdue_clause(as_of: date) -> sa.ColumnElement[bool]:
    """rules.is_overdue as SQL: accepted or in progress, due before ``as_of``."""
    return sa.and_(Recommendation.status.in_(rules.OPEN), Recommendation.due_on < as_of)


def page_of(filters: Filters, sort: str, page: int, size: int, as_of: date) -> Page:
    query = _filtered(filters, as_of)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = page_within(page, total, size)
    items = db.session.scalars(
        _loaded(query).order_by(*SORTS.get(sort, SORTS["due"])).offset((page - 1) * size).limit(size)
    ).all()
    return Page(list(items), total, page, size)


def reports() -> list[SourceReport]:
    return list(db.session.scalars(sa.select(SourceReport).order_by(SourceReport.published_on.desc(), SourceReport.id)))


def units_with_recommendations() -> list[Unit]:
    return list(
        db.session.scalars(sa.select(Unit).where(Unit.id.in_(sa.select(Recommendation.unit_id))).order_by(Unit.name))
    )


def rates() -> dict[str, dict[str, rules.Rate]]:
    """Implementation rates per source and per unit (riskreg.rules.recommendations says how they count)."""
    by_source = db.session.execute(
        sa.select(SourceReport.source, Recommendation.status).join(Recommendation.report).order_by(SourceReport.source)
    ).tuples()
    by_unit = db.session.execute(
        sa.select(Unit.name, Recommendation.status).join(Unit, Unit.id == Recommendation.unit_id).order_by(Unit.name)
    ).tuples()
    return {
        "source": rules.rates_by((RecommendationSource(source).label, status) for source, status in by_source),
        "unit": rules.rates_by(by_unit),
    }


def overdue_for_unit(unit: Unit, as_of: date) -> list[Recommendation]:
    """The unit's own recommendations overdue on ``as_of``, oldest due first: for the certificate's disclosures
    and the quarterly performance review pack."""
    return list(
        db.session.scalars(
            _loaded(sa.select(Recommendation).where(Recommendation.unit_id == unit.id, overdue_clause(as_of))).order_by(
                Recommendation.due_on, Recommendation.id
            )
        )
    )


def overdue_by_risk(risk_ids: Collection[int], as_of: date) -> dict[int, list[Recommendation]]:
    """Overdue recommendations concerning each of ``risk_ids``: linked to it, or to one of its countermeasures.
    One query, over every overdue recommendation (a few dozen at most), filtered here: a whole scan's thousands of
    risk ids never go into the SQL."""
    direct = sa.select(
        sa.literal_column("recommendation_risk.risk_id").label("risk_id"),
        sa.literal_column("recommendation_risk.recommendation_id").label("recommendation_id"),
    ).select_from(sa.table("recommendation_risk"))
    through = (
        sa.select(Countermeasure.risk_id.label("risk_id"), sa.literal_column("rc.recommendation_id"))
        .select_from(sa.table("recommendation_countermeasure").alias("rc"))
        .join(Countermeasure, Countermeasure.id == sa.literal_column("rc.countermeasure_id"))
    )
    pairs = sa.union(direct, through).subquery()
    rows = db.session.execute(
        sa.select(pairs.c.risk_id, Recommendation)
        .join(Recommendation, Recommendation.id == pairs.c.recommendation_id)
        .join(Recommendation.report)
        .options(joinedload(Recommendation.report))
        .where(overdue_clause(as_of))
        .order_by(pairs.c.risk_id, Recommendation.due_on, Recommendation.id)
    ).tuples()
    wanted = set(risk_ids)
    found: dict[int, list[Recommendation]] = defaultdict(list)
    for risk_id, recommendation in rows:
        if risk_id in wanted:
            found[risk_id].append(recommendation)
    return found


# Writing ----------------------------------------------------------------------------------------------------

AfterChange = Callable[[Sequence[Risk], User | None], None]
# Work that follows a change to what recommendations say about risks: the flag scan registers itself here
# (riskreg.services.flags.scan), so a recommendation implemented clears its "overdue" flag at once.
AFTER_CHANGE: list[AfterChange] = []


def after_change(work: AfterChange) -> AfterChange:
    if work not in AFTER_CHANGE:
        AFTER_CHANGE.append(work)
    return work


def concerned_risks(recommendation: Recommendation) -> list[Risk]:
    found = {risk.id: risk for risk in recommendation.risks}
    found.update({item.risk_id: item.risk for item in recommendation.countermeasures})
    return [found[risk_id] for risk_id in sorted(found)]


def _changed(risks: Collection[Risk], actor: User | None) -> None:
    unique = list({risk.id: risk for risk in risks}.values())
    if unique:
        for work in AFTER_CHANGE:
            work(unique, actor)


def _text(values: dict[str, Any], name: str, required: str | None = None) -> str:
    value = text.clean(str(values.get(name) or "")).strip()
    if required and not value:
        raise ServiceError(required, field=name)
    if len(value) > LIMITS[name]:
        raise ServiceError(f"{name.replace('_', ' ').capitalize()} must be {LIMITS[name]} characters or fewer", name)
    return value


def find_or_add_report(values: dict[str, Any]) -> SourceReport:
    """The source report named by its source, title and date, added when riskreg does not have it yet."""
    source = values.get("source")
    if not isinstance(source, RecommendationSource):
        raise ServiceError("Select who made the recommendation", field="source")
    title = _text(values, "title", "Enter the title of the report")
    body = _text(values, "body", "Enter who published the report")
    published_on = values.get("published_on")
    if not isinstance(published_on, date):
        raise ServiceError("Enter the date of the report", field="published_on")
    if published_on > today():
        raise ServiceError("The date of the report must be today or in the past", field="published_on")
    report = db.session.scalar(
        sa.select(SourceReport).where(
            SourceReport.source == source, SourceReport.title == title, SourceReport.published_on == published_on
        )
    )
    if report is None:
        report = SourceReport(source=source, title=title, body=body, published_on=published_on)
        db.session.add(report)
        db.session.flush()
    return report


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    checked: dict[str, Any] = {
        "paragraph": _text(values, "paragraph", "Enter the paragraph number of the recommendation"),
        "text": _text(values, "text", "Enter the recommendation"),
    }
    unit = values.get("unit")
    if not isinstance(unit, Unit):
        raise ServiceError("Select the unit responsible", field="unit")
    checked["unit_id"] = unit.id
    owner = values.get("owner")
    checked["owner_id"] = owner.id if isinstance(owner, User) else None
    due_on = values.get("due_on")
    if not isinstance(due_on, date):
        raise ServiceError("Enter the date the recommendation is due", field="due_on")
    checked["due_on"] = due_on
    checked["report_id"] = find_or_add_report(values).id
    return checked


def _flush(what: str = "recommendation") -> None:
    """Flush, a lost race on the version included (PostgreSQL: two requests both passed the check)."""
    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        raise StaleEdit(what) from error


def _links(recommendation: Recommendation, values: dict[str, Any]) -> dict[str, Any]:
    """Set the risks and controls it concerns; what changed, by reference, for the audit trail."""
    changes = {}
    if "risks" in values:
        before = [risk.ref for risk in recommendation.risks]
        recommendation.risks = list(values["risks"])
        after = [risk.ref for risk in recommendation.risks]
        if sorted(before) != sorted(after):
            changes["risks"] = [before, after]
    if "countermeasures" in values:
        before_ids = [item.id for item in recommendation.countermeasures]
        recommendation.countermeasures = list(values["countermeasures"])
        after_ids = [item.id for item in recommendation.countermeasures]
        if sorted(before_ids) != sorted(after_ids):
            changes["countermeasure_ids"] = [before_ids, after_ids]
    return changes


def create_recommendation(values: dict[str, Any], actor: User) -> Recommendation:
    checked = _checked(values)
    status = values.get("status") or RecommendationStatus.ACCEPTED
    recommendation = Recommendation(**checked, status=status, status_note="")
    db.session.add(recommendation)
    db.session.flush()
    links = _links(recommendation, values)
    db.session.flush()
    changes = {name: value for name, value in checked.items()} | {"status": status} | links
    audit.record(actor, "recommendation.created", "recommendation", recommendation.id, changes)
    _changed(concerned_risks(recommendation), actor)
    return recommendation


def update_recommendation(
    recommendation: Recommendation, values: dict[str, Any], expected_version: int, actor: User
) -> Recommendation:
    """Change what a recommendation says, whom it is for and when it is due (not its status: ``change_status``)."""
    if expected_version != recommendation.version:
        raise StaleEdit("recommendation")
    checked = _checked(values)
    concerned_before = concerned_risks(recommendation)
    before = {name: getattr(recommendation, name) for name in EDITABLE}
    for name, value in checked.items():
        setattr(recommendation, name, value)
    changes = diff(before, checked) | _links(recommendation, values)
    if changes:
        _flush()
        audit.record(actor, "recommendation.updated", "recommendation", recommendation.id, changes)
        _changed([*concerned_before, *concerned_risks(recommendation)], actor)
    return recommendation


def check_status_change(
    recommendation: Recommendation, new: RecommendationStatus, note: str, with_evidence: bool = False
) -> str:
    """Refuse a status change that cannot be made (before the page asks to confirm it); the note, cleaned."""
    if new is recommendation.status:
        raise ServiceError(f"The recommendation is already {new.label.lower()}", field="status")
    if not rules.may_move(recommendation.status, new):
        raise ServiceError(
            f"A recommendation that is {recommendation.status.label.lower()} cannot become {new.label.lower()}",
            field="status",
        )
    note = _text({"status_note": note}, "status_note")
    if new is RecommendationStatus.NOT_ACCEPTED and not note:
        raise ServiceError("Enter why the recommendation is not accepted", field="status_note")
    if new is RecommendationStatus.IMPLEMENTED and not with_evidence and not recommendation.evidence:
        raise ServiceError("Add evidence that the recommendation was implemented", field="file")
    return note


def change_status(
    recommendation: Recommendation,
    new: RecommendationStatus,
    note: str,
    expected_version: int,
    actor: User,
    evidence: evidence_service.EvidenceInput | None = None,
) -> Recommendation:
    """Move the status, with the owner's note and, for "implemented", evidence of implementation (new, in the
    same request, or already attached). "Not accepted" needs the reason."""
    if expected_version != recommendation.version:
        raise StaleEdit("recommendation")
    note = check_status_change(recommendation, new, note, with_evidence=evidence is not None)
    prepared = evidence_service.prepare(evidence, actor) if evidence is not None else None
    before = {"status": recommendation.status, "status_note": recommendation.status_note}
    recommendation.status, recommendation.status_note = new, note
    recommendation.implemented_on = today() if new is RecommendationStatus.IMPLEMENTED else None
    _flush()
    audit.record(
        actor,
        "recommendation.status_changed",
        "recommendation",
        recommendation.id,
        diff(before, {"status": new, "status_note": note}),
    )
    if prepared is not None:
        _attach(recommendation, prepared, actor)
    _changed(concerned_risks(recommendation), actor)
    return recommendation


def _attach(recommendation: Recommendation, prepared: tuple[Evidence, bytes | None], actor: User) -> Evidence:
    item, data = prepared
    recommendation.evidence.append(item)
    db.session.add(item)
    db.session.flush()
    if data is not None:
        store().save(item.id, data)
    changes = evidence_service.describe(item) | {"recommendation_id": recommendation.id}
    audit.record(actor, "evidence.added", "evidence", item.id, changes)
    return item


def add_evidence(recommendation: Recommendation, item: evidence_service.EvidenceInput, actor: User) -> Evidence:
    """Evidence of implementation, through the evidence store's checks."""
    return _attach(recommendation, evidence_service.prepare(item, actor), actor)


def read_evidence_file(item: Evidence) -> bytes:
    """The file's bytes after the evidence store's fingerprint check (EvidenceDamaged when they changed)."""
    return evidence_service.read_file(item)


# For the forms -----------------------------------------------------------------------------------------------


def candidate_owners() -> list[User]:
    """Anyone active may own a recommendation (a director, a business manager, a unit head)."""
    return list(
        db.session.scalars(sa.select(User).options(names_only()).where(User.is_active.is_(True)).order_by(User.name))
    )


def all_units() -> list[Unit]:
    return list(db.session.scalars(sa.select(Unit).order_by(Unit.name)))


def unit_by_code(code: str) -> Unit | None:
    return db.session.scalar(sa.select(Unit).where(Unit.code == code.upper())) if code else None


def user_by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def risks_by_refs(refs: Collection[str]) -> dict[str, Risk]:
    if not refs:
        return {}
    found = db.session.scalars(
        sa.select(Risk).where(Risk.ref.in_(list(refs))).options(joinedload(Risk.register).joinedload(Register.unit))
    )
    return {risk.ref: risk for risk in found}


def countermeasures_of(risks: Collection[Risk]) -> list[Countermeasure]:
    if not risks:
        return []
    return list(
        db.session.scalars(
            sa.select(Countermeasure)
            .where(Countermeasure.risk_id.in_([risk.id for risk in risks]))
            .options(joinedload(Countermeasure.risk))
            .order_by(Countermeasure.risk_id, Countermeasure.id)
        )
    )


def rows_for_export(unit_ids: Collection[int]) -> list[tuple]:
    """The recommendations to the exported registers' units, as the XLSX export's sheet shows them."""
    if not unit_ids:
        return []
    found = db.session.scalars(
        _loaded(sa.select(Recommendation).where(Recommendation.unit_id.in_(list(unit_ids))))
        .options(selectinload(Recommendation.risks), selectinload(Recommendation.evidence))
        .order_by(Recommendation.unit_id, Recommendation.due_on, Recommendation.id)
    )
    return [
        (
            item.unit.code,
            item.report.source,
            item.report.title,
            item.report.published_on,
            item.paragraph,
            item.text,
            item.owner.name if item.owner else "",
            item.due_on,
            item.status,
            item.status_note,
            item.implemented_on,
            ", ".join(risk.ref for risk in item.risks if not risk.restricted),
            len(item.evidence),
        )
        for item in found
    ]
