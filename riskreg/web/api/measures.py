"""API routes: a unit's measures, one measure, and recording a value (issue 19)."""

from decimal import Decimal

from flask import url_for
from flask_login import current_user

from riskreg.clock import today
from riskreg.policy import Action, can
from riskreg.rules import measures as measure_rules
from riskreg.services.measures import catalogue
from riskreg.web.access import requires, token_required
from riskreg.web.api import bp, responses
from riskreg.web.api.errors import ApiError, service_refusals
from riskreg.web.api.validation import json_body


def value_json(value) -> dict:
    return {
        "period_start": value.period_start.isoformat(),
        "period": value.period_label,
        "value": float(value.value),
        "rating": value.rating.value,
        "note": value.note,
        "recorded_at": value.recorded_at.isoformat(timespec="seconds") + "Z",
    }


def measure_json(measure) -> dict:
    return {
        "id": measure.id,
        "unit": measure.unit.code,
        "name": measure.name,
        "definition": measure.definition,
        "unit_of_measure": measure.unit_of_measure,
        "direction": measure.direction.value,
        "frequency": measure.frequency.value,
        "green_limit": float(measure.green_limit),
        "red_limit": float(measure.red_limit),
        "source": measure.source,
        # A measure informing a restricted risk does not reveal it to readers who may not see it.
        "risks": [risk.ref for risk in measure.risks if can(current_user, Action.READ_RISK, risk)],
        "latest": value_json(measure.values[-1]) if measure.values else None,
        "url": url_for("measures.show", measure_id=measure.id),
    }


@bp.get("/registers/<code>/measures")
@token_required
@requires(Action.READ_REGISTER, "register")
def list_measures(register):
    return responses.data([measure_json(measure) for measure in catalogue.measures_of(register.unit)])


@bp.get("/measures/<int:measure_id>")
@token_required
@requires(Action.READ_REGISTER, "measure.unit.register")
def get_measure(measure):
    return responses.data({**measure_json(measure), "values": [value_json(value) for value in measure.values]})


@bp.post("/measures/<int:measure_id>/values")
@token_required
@requires(Action.MANAGE_MEASURES, "measure")
def create_measure_value(measure):
    body = json_body()
    try:
        period = catalogue.read_period(body["period"], measure.frequency)
        value = measure_rules.parse_number(Decimal(str(body["value"])), "The value")
    except ValueError as error:
        field = "value" if "value" in str(error).lower() and "period" not in str(error).lower() else "period"
        raise ApiError(422, None, {field: [str(error)]}) from None
    item = catalogue.ValueInput(period, value, body.get("note", "").strip())
    with service_refusals():
        saved = catalogue.record_value(measure, item, current_user, today())
    flagged = [risk.ref for risk in measure.risks] if saved.rating.value == "red" else []
    return responses.data({"value": value_json(saved), "flagged": flagged}, 201)
