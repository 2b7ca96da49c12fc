"""The OpenAPI paths and schemas of recommendations and of deciding a flag (issues 18 and 19).

Kept beside the document (riskreg.web.api.openapi adds them), in the same style: the API validates bodies and
query parameters against these very objects.
"""

from typing import Any

from riskreg.enums import RecommendationSource, RecommendationStatus
from riskreg.web.api import schemas
from riskreg.web.api.schemas import DATE, DATE_TIME, ID, STRING, closed, nullable, one_of, ref, text

ETAG = {
    "description": "The recommendation's version, quoted: send it back in If-Match to change it",
    "required": True,
    "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
}
FLAG_ETAG = {**ETAG, "description": "The flag's decision version, quoted: send it back in If-Match to decide on it"}
REF_LIST = {"type": "array", "items": {"type": "string", "maxLength": 24}, "maxItems": 50, "uniqueItems": True}

RECOMMENDATION_WRITABLE: dict[str, Any] = {
    "source": one_of(RecommendationSource, "Who made it"),
    "report_title": text(300, "The report's title"),
    "report_body": text(200, "Who published the report"),
    "report_published_on": {**DATE, "description": "The report's date (today or earlier)"},
    "paragraph": text(20, "The report's paragraph number, e.g. 4.11"),
    "text": text(schemas.TEXT_MAX, "The recommendation as the report words it"),
    "unit": {"type": "string", "minLength": 1, "maxLength": 24, "description": "The responsible unit's code"},
    "owner_id": nullable(ID),
    "due_on": DATE,
    "risks": {**REF_LIST, "description": "References of the risks it concerns (replaces the list)"},
    "countermeasure_ids": {
        "type": "array",
        "items": ID,
        "maxItems": 50,
        "uniqueItems": True,
        "description": "Countermeasures of those risks it concerns (replaces the list)",
    },
}
EVIDENCE = closed({"id": ID, "title": STRING, "kind": STRING, "dated_on": DATE, "download": nullable(STRING)})
RECOMMENDATION = closed(
    {
        "id": ID,
        "source": one_of(RecommendationSource),
        "report": closed({"title": STRING, "body": STRING, "published_on": DATE}),
        "paragraph": STRING,
        "text": STRING,
        "unit": STRING,
        "owner": nullable(ref("Person")),
        "due_on": DATE,
        "status": one_of(RecommendationStatus),
        "status_note": STRING,
        "implemented_on": nullable(DATE),
        "overdue": {"type": "boolean"},
        "risks": {"type": "array", "items": STRING, "description": "References of the risks it concerns you may read"},
        "countermeasure_ids": {"type": "array", "items": ID},
        "evidence": {"type": "array", "items": EVIDENCE},
        "version": {"type": "integer", "minimum": 1, "description": "The optimistic lock: the ETag is this, quoted"},
        "created_at": DATE_TIME,
    }
)
STATUS_CHANGE = closed(
    {"status": one_of(RecommendationStatus), "status_note": {"type": "string", "maxLength": schemas.TEXT_MAX}},
    required=["status"],
)
FLAG_DECISION = closed(
    {
        "decision": {"type": "string", "enum": ["acknowledge", "resolve", "dismiss"]},
        "reason": {"type": "string", "maxLength": 4000, "pattern": schemas.NO_NUL},
    },
    required=["decision"],
)
FLAG = closed(
    {
        "id": ID,
        "kind": STRING,
        "risk": STRING,
        "status": STRING,
        "note": STRING,
        "reason": nullable(STRING),
        "version": {"type": "integer", "minimum": 1},
    }
)
FILTERS = [
    ("source", one_of(RecommendationSource), "Only this source"),
    ("unit", {"type": "string", "maxLength": 24}, "Only this unit's (its code)"),
    ("status", one_of(RecommendationStatus), "Only this status"),
    ("overdue", {"type": "boolean", "default": False}, "Only those overdue today"),
]


def component_schemas() -> dict[str, Any]:
    return {
        "Recommendation": RECOMMENDATION,
        "RecommendationPage": schemas.page_of("Recommendation"),
        "RecommendationResponse": schemas.envelope("Recommendation"),
        "RecommendationCreate": closed(
            RECOMMENDATION_WRITABLE,
            required=["source", "report_title", "report_body", "report_published_on", "paragraph", "text", "unit"]
            + ["due_on"],
        ),
        "RecommendationUpdate": closed(RECOMMENDATION_WRITABLE, required=[]),
        "RecommendationStatusChange": STATUS_CHANGE,
        "Flag": FLAG,
        "FlagResponse": schemas.envelope("Flag"),
        "FlagDecision": FLAG_DECISION,
    }


def parameters() -> dict[str, Any]:
    return {
        "recommendation_id": {"name": "recommendation_id", "in": "path", "required": True, "schema": ID, "example": 1},
        "flag_id": {"name": "flag_id", "in": "path", "required": True, "schema": ID, "example": 1},
    }


def paths(param, query, ok, errors, body, write_errors) -> dict[str, Any]:
    """The paths, built with the document's own helpers (passed in: this module is imported by the document)."""
    changed = {**ok("RecommendationResponse", "The recommendation now", headers={"ETag": ETAG}), **errors(409, 428)}
    return {
        "/recommendations": {
            "get": {
                "operationId": "listRecommendations",
                "summary": "Recommendations from the inspectorate, the NAO and internal audit, due soonest first",
                "parameters": [param("page"), param("per_page"), *(query(*item) for item in FILTERS)],
                "responses": {**ok("RecommendationPage", "A page of recommendations"), **errors(400, 401)},
            },
            "post": {
                "operationId": "createRecommendation",
                "summary": "Record a recommendation (the HQ risk team and internal audit)",
                "requestBody": body("RecommendationCreate"),
                "responses": {
                    **ok("RecommendationResponse", "The new recommendation", 201, {"ETag": ETAG}),
                    **errors(*write_errors),
                },
            },
        },
        "/recommendations/{recommendation_id}": {
            "parameters": [param("recommendation_id")],
            "get": {
                "operationId": "getRecommendation",
                "summary": "One recommendation, with its evidence of implementation",
                "responses": {
                    **ok("RecommendationResponse", "The recommendation", headers={"ETag": ETAG}),
                    **errors(401, 404),
                },
            },
            "patch": {
                "operationId": "updateRecommendation",
                "summary": "Change what a recommendation says, its unit, owner, due date and links",
                "parameters": [param("if_match")],
                "requestBody": body("RecommendationUpdate"),
                "responses": {**changed, **errors(*write_errors)},
            },
        },
        "/recommendations/{recommendation_id}/status": {
            "parameters": [param("recommendation_id")],
            "post": {
                "operationId": "changeRecommendationStatus",
                "summary": "Move the status (its owner, the HQ risk team, internal audit); implemented needs evidence",
                "parameters": [param("if_match")],
                "requestBody": body("RecommendationStatusChange"),
                "responses": {**changed, **errors(*write_errors)},
            },
        },
        "/flags/{flag_id}/decision": {
            "parameters": [param("flag_id")],
            "post": {
                "operationId": "decideFlag",
                "summary": "Acknowledge, resolve or dismiss an HQ quality flag (the HQ risk team)",
                "parameters": [param("if_match")],
                "requestBody": body("FlagDecision"),
                "responses": {
                    **ok("FlagResponse", "The flag now", headers={"ETag": FLAG_ETAG}),
                    **errors(*write_errors, 409, 428),
                },
            },
        },
    }
