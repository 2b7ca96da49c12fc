"""JSON Schemas (OpenAPI 3.1, so JSON Schema 2020-12) of what the API accepts and returns.

They are published in the OpenAPI document and the API validates request bodies
and query parameters against the very same objects, so the document cannot
drift from the behaviour. Response objects are closed (no additional
properties) so the tests notice a field that is sent but not documented.
"""

from enum import StrEnum
from typing import Any

from riskreg.enums import (
    AppetiteLevel,
    Band,
    ControlFrequency,
    CountermeasureKind,
    CountermeasureStatus,
    Influence,
    ReviewOutcome,
    RiskStatus,
    Role,
    UnitKind,
)
from riskreg.rules import text as text_rules

# Some character that shows, and no control character (NUL cannot be stored by PostgreSQL; others broke the
# XLSX export): riskreg.rules.text.
NOT_BLANK = text_rules.API_VISIBLE
NO_NUL = text_rules.API_NO_CONTROL
TITLE_MAX = 200
TEXT_MAX = 4000

STRING: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
ID: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
RATING: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": 5, "description": "1 (lowest) to 5 (highest)"}
SCORE: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": 25, "description": "likelihood × impact"}
DATE: dict[str, Any] = {"type": "string", "format": "date", "description": "YYYY-MM-DD"}
DATE_TIME: dict[str, Any] = {"type": "string", "format": "date-time", "description": "UTC, e.g. 2026-03-27T14:05:00Z"}
URL: dict[str, Any] = {"type": "string", "description": "a path on this server"}


def term_code(kind: str, description: str = "") -> dict[str, Any]:
    """A category or objective: the organisation's own list, so a code from GET /categories or /objectives
    (an unknown or retired one is refused with 422), not a fixed enumeration in this document."""
    words = f"A code from GET /{kind}" + (f": {description}" if description else "")
    return {"type": "string", "maxLength": 32, "pattern": NO_NUL, "description": words}


# A category or strategic objective as GET /categories and /objectives list them.
TERM: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["code", "label", "description", "retired"],
    "properties": {
        "code": {**STRING, "description": "What risks hold and the API accepts; never changes"},
        "label": {**STRING, "description": "What people read; an administrator may rename it"},
        "description": {"type": ["string", "null"]},
        "retired": {**BOOLEAN, "description": "Kept on the risks that have it; not accepted for others"},
    },
}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def one_of(enum: type[StrEnum], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "enum": [member.value for member in enum]}
    if description:
        schema["description"] = description
    return schema


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def text(max_length: int, description: str) -> dict[str, Any]:
    """Required text: surrounding spaces are removed before it is stored."""
    return {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": NOT_BLANK, "description": description}


def closed(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    """An object with exactly these properties; all of them required unless told otherwise."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def page_of(item: str) -> dict[str, Any]:
    return closed({"data": {"type": "array", "items": ref(item)}, "meta": ref("PageMeta"), "links": ref("PageLinks")})


def envelope(item: str) -> dict[str, Any]:
    return closed({"data": ref(item)})


RATING_NAMES = ("inherent_l", "inherent_i", "residual_l", "residual_i", "target_l", "target_i")

RISK_WRITABLE: dict[str, Any] = {
    "title": text(TITLE_MAX, "A short name for the risk"),
    "cause": text(TEXT_MAX, "Because of…"),
    "event": text(TEXT_MAX, "There is a risk that…"),
    "consequence": text(TEXT_MAX, "Which would lead to…"),
    "category": term_code("categories"),
    "objective": term_code("objectives", "the strategic objective the risk threatens"),
    "owner_id": {**ID, "description": "A person from GET /registers/{code}/owners"},
    "influence": one_of(Influence, "How far the unit itself can change the risk"),
    **{name: RATING for name in RATING_NAMES},
    "restricted": {**BOOLEAN, "description": "Only the unit, HQ risk, the committee and internal audit can see it"},
}

COUNTERMEASURE_WRITABLE: dict[str, Any] = {
    "title": text(TITLE_MAX, "The control or action"),
    "description": {"type": "string", "maxLength": TEXT_MAX, "pattern": NO_NUL},
    "kind": one_of(CountermeasureKind),
    "owner_id": {**ID, "description": "A person from GET /registers/{code}/owners"},
    "status": one_of(CountermeasureStatus, "planned → in_place → retired (a plan may also be retired)"),
    "due_on": nullable(DATE),
    "implemented_on": nullable(DATE),
    "frequency": {
        "type": ["string", "null"],
        "enum": [*(f.value for f in ControlFrequency), None],
        "description": "How often the control operates; it sets the minimum sample a test needs",
    },
}

PERSON = closed({"id": ID, "name": STRING})

RISK: dict[str, Any] = {
    "ref": {**STRING, "description": "The unit code and a number, e.g. LN-007"},
    "url": URL,
    "html_url": URL,
    "register": {**STRING, "description": "The code of the risk's register"},
    "title": STRING,
    "cause": STRING,
    "event": STRING,
    "consequence": STRING,
    # null: "not yet set" on a risk imported without one (HQ's checks flag it as incomplete)
    "category": nullable(term_code("categories")),
    "objective": nullable(term_code("objectives")),
    "influence": {"anyOf": [one_of(Influence), {"type": "null"}]},
    "owner_to_confirm": nullable({**STRING, "description": "An owner named on import who matched nobody"}),
    "owner_id": nullable(ID),
    "owner": nullable(ref("Person")),
    "status": one_of(RiskStatus),
    "closed_reason": nullable(STRING),
    "restricted": BOOLEAN,
    **{name: RATING for name in RATING_NAMES},
    "inherent_score": SCORE,
    "residual_score": SCORE,
    "target_score": SCORE,
    "residual_band": one_of(Band),
    "appetite": closed({"level": one_of(AppetiteLevel), "tolerance": {**SCORE, "description": "Highest acceptable"}}),
    "above_appetite": {**BOOLEAN, "description": "Residual score above the category's tolerance"},
    "review_frequency_days": {"type": "integer", "minimum": 1},
    "next_review_on": nullable(DATE),
    "last_reviewed_on": nullable(DATE),
    "review_overdue": BOOLEAN,
    "version": {"type": "integer", "minimum": 1, "description": "The optimistic lock: the ETag is this, quoted"},
    "created_at": DATE_TIME,
    "updated_at": DATE_TIME,
}

COUNTERMEASURE = closed(
    {
        "id": ID,
        "url": URL,
        "risk": {**STRING, "description": "The risk's reference"},
        "title": STRING,
        "description": STRING,
        "kind": one_of(CountermeasureKind),
        "status": one_of(CountermeasureStatus),
        "owner_id": nullable(ID),
        "owner": nullable(ref("Person")),
        "due_on": nullable(DATE),
        "implemented_on": nullable(DATE),
        "frequency": {"type": ["string", "null"], "enum": [*(f.value for f in ControlFrequency), None]},
        "overdue": {**BOOLEAN, "description": "Still planned after its due date"},
        "version": {"type": "integer", "minimum": 1, "description": "The optimistic lock: the ETag is this, quoted"},
        "created_at": DATE_TIME,
    }
)

REVIEW = closed(
    {
        "id": ID,
        "risk": {**STRING, "description": "The risk's reference"},
        "reviewed_on": DATE,
        "reviewer": nullable(ref("Person")),
        "residual_l": RATING,
        "residual_i": RATING,
        "residual_score": SCORE,
        "commentary": STRING,
        "outcome": one_of(ReviewOutcome),
        "created_at": DATE_TIME,
    }
)

REGISTER = closed(
    {
        "code": {**STRING, "description": "The unit's code, used in URLs and risk references"},
        "title": STRING,
        "url": URL,
        "html_url": URL,
        "risks_url": URL,
        "unit": closed({"code": STRING, "name": STRING, "kind": one_of(UnitKind)}),
        "parent": nullable({**STRING, "description": "The code of the unit above"}),
        "is_corporate": BOOLEAN,
        "updated_at": DATE_TIME,
        "figures": closed(
            {
                "open_risks": {"type": "integer", "minimum": 0},
                "above_appetite": {"type": "integer", "minimum": 0},
                "reviews_overdue": {"type": "integer", "minimum": 0},
            }
        ),
    }
)

ME = closed(
    {
        "id": ID,
        "name": STRING,
        "email": STRING,
        "roles": {"type": "array", "items": closed({"role": one_of(Role), "unit": STRING})},
        "token": closed({"name": STRING, "prefix": STRING, "expires_on": DATE}),
    }
)

ERROR = closed(
    {
        "error": closed(
            {
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "message": STRING,
                "fields": {
                    "type": "object",
                    "description": "Messages for each field at fault (422, and 400 for query parameters)",
                    "additionalProperties": {"type": "array", "items": STRING, "minItems": 1},
                },
            },
            required=["status", "message"],
        )
    }
)

PAGE_META = closed(
    {
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1},
        "total": {"type": "integer", "minimum": 0},
        "pages": {"type": "integer", "minimum": 1},
    }
)

PAGE_LINKS = closed({"self": URL, "first": URL, "last": URL, "next": nullable(URL), "prev": nullable(URL)})


def request_bodies() -> dict[str, Any]:
    risk_required = [name for name in RISK_WRITABLE if name != "restricted"]
    # A new countermeasure is planned or already in place; retiring is a change to an existing one.
    new_status = {"type": "string", "enum": [CountermeasureStatus.PLANNED.value, CountermeasureStatus.IN_PLACE.value]}
    new_status["description"] = "planned when left out"
    countermeasure_create = {**COUNTERMEASURE_WRITABLE, "status": new_status}
    return {
        "RiskCreate": closed(RISK_WRITABLE, required=risk_required),
        "RiskUpdate": closed(RISK_WRITABLE, required=[]),
        "CountermeasureCreate": closed(countermeasure_create, required=["title", "kind", "owner_id"]),
        "CountermeasureUpdate": closed(COUNTERMEASURE_WRITABLE, required=[]),
        "ReviewCreate": closed(
            {
                "reviewed_on": {**DATE, "description": "Today or earlier; today when left out"},
                "residual_l": RATING,
                "residual_i": RATING,
                "commentary": text(TEXT_MAX, "What the review found"),
                "outcome": one_of(ReviewOutcome),
            },
            required=["residual_l", "residual_i", "commentary", "outcome"],
        ),
    }
