"""Measures and their values: finding them, defining them, recording values (form, import and API share
``record_values``), and after every value the flag scan of the risks the measure informs. Every write is audited.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from riskreg.clock import utcnow
from riskreg.enums import MeasureDirection, MeasureFrequency, RiskStatus
from riskreg.extensions import db
from riskreg.importing.values import read_date
from riskreg.models import Measure, MeasureValue, Register, Risk, Unit, User
from riskreg.rules import measures as measure_rules
from riskreg.services import NotFoundError, ServiceError, StaleEdit
from riskreg.services.audit import trail as audit
from riskreg.services.flags import scan as flag_scan

MEASURE_FIELDS = (
    "name",
    "definition",
    "unit_of_measure",
    "direction",
    "frequency",
    "green_limit",
    "red_limit",
    "source",
)
NOTE_MAX = 2000


@dataclass(frozen=True)
class ValueInput:
    """One value to record: the period (its first day) and the number, with an optional note."""

    period_start: date
    value: Decimal
    note: str = ""


def read_period(raw: object, frequency: MeasureFrequency) -> date:
    """The period a value is for, from a form, the API or a spreadsheet cell. Dates are read by the import's own
    reader (UK day-first, "May-26", "05/2026", Excel date cells and day numbers), so a sheet exported the way
    people export them reads as it does in a register import; anything else ("2026-05", "2026-27 Q1") by the
    measures rule, which also says what to write instead. ValueError with that message."""
    found, _problem, _note = read_date(raw)
    return measure_rules.parse_period(found if found is not None else raw, frequency)


def get_measure(measure_id: int) -> Measure:
    measure = db.session.scalar(
        sa.select(Measure)
        .where(Measure.id == measure_id)
        .options(selectinload(Measure.values), selectinload(Measure.risks))
    )
    if measure is None:
        raise NotFoundError()
    return measure


def measures_of(unit: Unit) -> list[Measure]:
    return list(
        db.session.scalars(
            sa.select(Measure)
            .where(Measure.unit_id == unit.id)
            .options(selectinload(Measure.values), selectinload(Measure.risks))
            .order_by(Measure.name)
        )
    )


def informing(risk: Risk) -> list[Measure]:
    """The measures that inform a risk, with their values, for its page."""
    return list(
        db.session.scalars(
            sa.select(Measure)
            .where(Measure.risks.any(Risk.id == risk.id))
            .options(selectinload(Measure.values))
            .order_by(Measure.name)
        )
    )


def risk_choices(unit: Unit) -> list[Risk]:
    """The open risks a unit's measure may inform: its own register's."""
    return list(
        db.session.scalars(
            sa.select(Risk)
            .join(Register, Register.id == Risk.register_id)
            .where(Register.unit_id == unit.id, Risk.status == RiskStatus.OPEN)
            .order_by(Risk.ref)
        )
    )


def _check_definition(values: dict[str, Any]) -> None:
    refusal = measure_rules.tolerance_refusal(values["direction"], values["green_limit"], values["red_limit"])
    if refusal:
        raise ServiceError(refusal, field="red_limit")


def _check_name(unit: Unit, name: str, measure: Measure | None = None) -> None:
    query = sa.select(Measure.id).where(Measure.unit_id == unit.id, sa.func.lower(Measure.name) == name.lower())
    if measure is not None:
        query = query.where(Measure.id != measure.id)
    if db.session.scalar(query) is not None:
        raise ServiceError(f"{unit.name} already has a measure called “{name}”", field="name")


def _chosen_risks(unit: Unit, risk_ids: Sequence[int]) -> list[Risk]:
    allowed = {risk.id: risk for risk in risk_choices(unit)}
    unknown = [risk_id for risk_id in risk_ids if risk_id not in allowed]
    if unknown:
        raise ServiceError(f"A measure informs open risks in {unit.name}'s own register", field="risk_ids")
    return [allowed[risk_id] for risk_id in dict.fromkeys(risk_ids)]


def _snapshot(measure: Measure) -> dict[str, Any]:
    snapshot = {name: getattr(measure, name) for name in MEASURE_FIELDS}
    snapshot["risks"] = [risk.ref for risk in measure.risks]
    return {key: str(value) if isinstance(value, Decimal) else value for key, value in snapshot.items()}


def create_measure(unit: Unit, values: dict[str, Any], risk_ids: Sequence[int], actor: User) -> Measure:
    _check_definition(values)
    _check_name(unit, values["name"], None)
    measure = Measure(unit=unit, **values)
    measure.risks = _chosen_risks(unit, risk_ids)
    db.session.add(measure)
    db.session.flush()
    audit.record(actor, "measure.created", "measure", measure.id, _snapshot(measure))
    return measure


def update_measure(
    measure: Measure, values: dict[str, Any], risk_ids: Sequence[int], expected_version: int, actor: User
) -> Measure:
    """Change a measure's definition or tolerance, or the risks it informs; the flags follow at once."""
    if expected_version != measure.version:
        raise StaleEdit("measure")
    _check_definition(values)
    _check_name(measure.unit, values["name"], measure)
    before = _snapshot(measure)
    touched = set(measure.risks)
    for name, value in values.items():
        setattr(measure, name, value)
    measure.risks = _chosen_risks(measure.unit, risk_ids)
    touched |= set(measure.risks)
    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        raise StaleEdit("measure") from error
    after = _snapshot(measure)
    audit.record(actor, "measure.updated", "measure", measure.id, {k: [before[k], after[k]] for k in after})
    _rescan(sorted(touched, key=lambda risk: risk.id), actor)
    return measure


def _rescan(risks: Sequence[Risk], actor: User | None) -> None:
    """A value or a tolerance changed: the risks the measure informs are scanned for their own flags now."""
    if risks:
        flag_scan.scan_saved(list(risks), actor)


def check_value(item: ValueInput, measure: Measure, today: date) -> str | None:
    """Why a value cannot be recorded (a period not yet begun, a note too long); None when it can."""
    if item.period_start > today:
        return f"{measure.period_label(item.period_start)} has not started yet: values are for past or current periods"
    if len(item.note) > NOTE_MAX:
        return f"The note must be {NOTE_MAX} characters or fewer"
    return None


def record_values(measure: Measure, items: Sequence[ValueInput], actor: User | None, today: date) -> list[MeasureValue]:
    """Record values, each for its period; a value for a period that has one corrects it. All or nothing:
    one refused value refuses them all. Then the informed risks are scanned once (a breach flags them)."""
    for item in items:
        refusal = check_value(item, measure, today)
        if refusal:
            raise ServiceError(refusal, field="value")
    existing = {value.period_start: value for value in measure.values}
    saved, events = [], []
    now = utcnow()
    for item in items:
        current = existing.get(item.period_start)
        before = str(current.value) if current is not None else None
        if current is None:
            current = MeasureValue(measure=measure, period_start=item.period_start)
            db.session.add(current)
            existing[item.period_start] = current
        current.value, current.note, current.recorded_by, current.recorded_at = item.value, item.note, actor, now
        saved.append(current)
        action = "measure_value.recorded" if before is None else "measure_value.corrected"
        events.append((action, {"period": item.period_start.isoformat(), "value": [before, str(item.value)]}))
    db.session.flush()
    audit.record_many(
        actor,
        [
            (action, "measure_value", value.id, {"measure_id": measure.id, **changes}, None)
            for value, (action, changes) in zip(saved, events, strict=True)
        ],
    )
    _rescan(measure.risks, actor)
    return saved


def record_value(measure: Measure, item: ValueInput, actor: User | None, today: date) -> MeasureValue:
    return record_values(measure, [item], actor, today)[0]


def find_measure(unit: Unit, name: str) -> Measure | None:
    """A unit's measure by its name, ignoring case and surrounding spaces (an import names measures)."""
    return db.session.scalar(
        sa.select(Measure)
        .where(Measure.unit_id == unit.id, sa.func.lower(Measure.name) == name.strip().lower())
        .options(selectinload(Measure.values), selectinload(Measure.risks))
    )


DIRECTIONS = tuple(MeasureDirection)
FREQUENCIES = tuple(MeasureFrequency)
