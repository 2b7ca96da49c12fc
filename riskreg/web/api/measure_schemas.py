"""OpenAPI paths and schemas of measures and their values (issue 19), merged into riskreg.web.api.openapi."""

from typing import Any

from riskreg.enums import MeasureDirection, MeasureFrequency, Rating
from riskreg.rules.measures import MAX_ABS_VALUE
from riskreg.web.api.schemas import DATE, DATE_TIME, ID, NO_NUL, STRING, URL, closed, envelope, nullable, one_of, ref

NUMBER: dict[str, Any] = {"type": "number", "minimum": -int(MAX_ABS_VALUE), "maximum": int(MAX_ABS_VALUE)}
PERIOD_TEXT = (
    "The period: a month (2026-04, April 2026) for a monthly measure, a financial quarter (2026-27 Q1) for a "
    "quarterly one, or any date in the period (YYYY-MM-DD)"
)

MEASURE_VALUE: dict[str, Any] = closed(
    {
        "period_start": {**DATE, "description": "The first day of the month or financial quarter"},
        "period": {**STRING, "description": "The period in words: April 2026, 2026-27 Q1"},
        "value": {"type": "number"},
        "rating": one_of(Rating, "green within tolerance, amber near its edge, red outside it"),
        "note": STRING,
        "recorded_at": DATE_TIME,
    }
)

MEASURE: dict[str, Any] = closed(
    {
        "id": ID,
        "unit": {**STRING, "description": "The unit code"},
        "name": STRING,
        "definition": STRING,
        "unit_of_measure": STRING,
        "direction": one_of(MeasureDirection),
        "frequency": one_of(MeasureFrequency),
        "green_limit": {"type": "number"},
        "red_limit": {"type": "number"},
        "source": STRING,
        "risks": {"type": "array", "items": STRING, "description": "References of the risks it informs"},
        "latest": nullable(ref("MeasureValue")),
        "url": URL,
    }
)

VALUE_CREATE: dict[str, Any] = closed(
    {
        "period": {"type": "string", "minLength": 1, "maxLength": 40, "pattern": NO_NUL, "description": PERIOD_TEXT},
        "value": NUMBER,
        "note": {"type": "string", "maxLength": 2000, "pattern": NO_NUL},
    },
    required=["period", "value"],
)

VALUE_CREATED: dict[str, Any] = closed(
    {
        "value": ref("MeasureValue"),
        "flagged": {
            "type": "array",
            "items": STRING,
            "description": "The risks flagged for review because the value is outside tolerance",
        },
    }
)


def schemas() -> dict[str, Any]:
    return {
        "Measure": MEASURE,
        "MeasureList": closed({"data": {"type": "array", "items": ref("Measure")}}),
        "MeasureDetail": closed({**MEASURE["properties"], "values": {"type": "array", "items": ref("MeasureValue")}}),
        "MeasureResponse": envelope("MeasureDetail"),
        "MeasureValue": MEASURE_VALUE,
        "MeasureValueCreate": VALUE_CREATE,
        "MeasureValueResult": VALUE_CREATED,
        "MeasureValueResponse": envelope("MeasureValueResult"),
    }


def parameters() -> dict[str, Any]:
    return {"measure_id": {"name": "measure_id", "in": "path", "required": True, "schema": ID, "example": 1}}


def paths(ok, errors, body, param, write_errors) -> dict[str, Any]:
    return {
        "/registers/{code}/measures": {
            "parameters": [param("code")],
            "get": {
                "operationId": "listMeasures",
                "summary": "A unit's measures, with their latest values",
                "responses": {**ok("MeasureList", "The measures, by name"), **errors(401, 404)},
            },
        },
        "/measures/{measure_id}": {
            "parameters": [param("measure_id")],
            "get": {
                "operationId": "getMeasure",
                "summary": "A measure with every value",
                "responses": {**ok("MeasureResponse", "The measure"), **errors(401, 404)},
            },
        },
        "/measures/{measure_id}/values": {
            "parameters": [param("measure_id")],
            "post": {
                "operationId": "createMeasureValue",
                "summary": (
                    "Record a value for a period (a period that has one is corrected); a value outside tolerance "
                    "flags the risks the measure informs (the unit's risk managers and unit heads)"
                ),
                "requestBody": body("MeasureValueCreate"),
                "responses": {**ok("MeasureValueResponse", "The value recorded", 201), **errors(*write_errors)},
            },
        },
    }
