"""The OpenAPI 3.1 document of /api/v1, written by hand.

The API validates what it receives against this document (see validation.py),
and the tests check every response against it and fuzz the API with
Schemathesis, so what it says is what the API does.
"""

from functools import cache
from typing import Any

from riskreg.enums import Band
from riskreg.services.registers import SORTS
from riskreg.web.api import measure_schemas, recommendation_docs, schemas
from riskreg.web.api.schemas import ref
from riskreg.web.api.serializers import RISK_SECTIONS

API_PREFIX = "/api/v1"
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
MAX_PAGE = 100_000

ETAG = {
    "description": "The risk's version, quoted: send it back in If-Match to change the risk",
    "required": True,
    "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
}
COUNTERMEASURE_ETAG = {
    **ETAG,
    "description": "The countermeasure's version, quoted: send it back in If-Match to change it",
}
RISK_ETAG_AFTER_REVIEW = {**ETAG, "description": "The risk's new ETag: a review changes the risk"}
LOCATION = {"description": "Where the new resource can be read", "required": True, "schema": {"type": "string"}}

ERRORS = {
    400: ("BadRequest", "The request is malformed: JSON that does not parse, or invalid query parameters"),
    401: ("Unauthorized", "No token, or one that is not recognised, revoked or expired"),
    403: ("Forbidden", "The token's user may see this but not change it"),
    404: ("NotFound", "No such resource, or one the token's user may not see (a restricted risk)"),
    409: ("Conflict", "If-Match names a version of the record that is no longer current"),
    413: ("TooLarge", "The request body is larger than the API accepts"),
    415: ("UnsupportedMediaType", "The request body is not sent as application/json"),
    422: ("Unprocessable", "The body is JSON but breaks the rules: see error.fields"),
    428: ("PreconditionRequired", "If-Match is missing (or is *): send the ETag you last read"),
}


def _error_responses() -> dict[str, Any]:
    responses = {}
    for status, (name, description) in ERRORS.items():
        response: dict[str, Any] = {
            "description": description,
            "content": {"application/json": {"schema": ref("Error")}},
        }
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {"required": True, "schema": {"type": "string", "pattern": "^Bearer "}}
            }
        responses[name] = response
    return responses


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _parameters() -> dict[str, Any]:
    return {
        **measure_schemas.parameters(),
        "page": _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page number"),
        "per_page": _query(
            "per_page",
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
            "Items per page",
        ),
        "code": {
            "name": "code",
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
            "example": "LN",
            "description": "A register's unit code",
        },
        "ref": {
            "name": "ref",
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
            "example": "LN-001",
            "description": "A risk's reference",
        },
        "countermeasure_id": {
            "name": "countermeasure_id",
            "in": "path",
            "required": True,
            "schema": schemas.ID,
            "example": 1,
        },
        "if_match": {
            "name": "If-Match",
            "in": "header",
            "required": True,
            "schema": {"type": "string"},
            "example": '"1"',
            "description": (
                "The ETag of the risk or countermeasure as last read. "
                "A different version gets 409; none (or *) gets 428."
            ),
        },
    }


RISK_FILTERS = [
    _query(
        "status", {"type": "string", "enum": ["open", "closed", "all"], "default": "open"}, "Open risks unless told"
    ),
    _query("category", schemas.term_code("categories"), "Only this category"),
    _query("band", schemas.one_of(Band), "Only risks whose residual score is in this band"),
    _query("owner", schemas.ID, "Only risks owned by this person"),
    _query("overdue", {"type": "boolean", "default": False}, "Only open risks whose review is overdue"),
    _query("likelihood", schemas.RATING, "Only this residual likelihood"),
    _query("impact", schemas.RATING, "Only this residual impact"),
    _query("sort", {"type": "string", "enum": list(SORTS), "default": "ref"}, "Order (score: highest first)"),
    _query(
        "q",
        {"type": "string", "maxLength": 200},
        "Only risks with a reference equal to this, or with every word of it in their reference, title, event, "
        "cause or consequence (the search service: docs/search.md)",
    ),
]


def _param(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/parameters/{name}"}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): {"$ref": f"#/components/responses/{ERRORS[status][0]}"} for status in statuses}


def _ok(schema: str, description: str, status: int = 200, headers: dict | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": ref(schema)}}}
    if headers:
        response["headers"] = headers
    return {str(status): response}


def _links(ref: str, *operations: str) -> dict[str, Any]:
    """OpenAPI links: where a response's risk reference and ETag can be used next (Schemathesis follows them)."""
    parameters = {
        "getRisk": {"ref": ref},
        "updateRisk": {"ref": ref, "header.If-Match": "$response.header.ETag"},
        "createReview": {"ref": ref, "header.If-Match": "$response.header.ETag"},
        "createCountermeasure": {"ref": ref},
        "updateCountermeasure": {
            "ref": "$request.path.ref",
            "countermeasure_id": "$request.path.countermeasure_id",
            "header.If-Match": "$response.header.ETag",
        },
    }
    return {operation: {"operationId": operation, "parameters": parameters[operation]} for operation in operations}


def _with_links(responses: dict[str, Any], status: str, links: dict[str, Any]) -> dict[str, Any]:
    responses[status]["links"] = links
    return responses


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


WRITE_ERRORS = (400, 401, 403, 404, 413, 415, 422)


def _paths() -> dict[str, Any]:
    measures = measure_schemas.paths(_ok, _errors, _body, _param, WRITE_ERRORS)
    more = recommendation_docs.paths(_param, _query, _ok, _errors, _body, WRITE_ERRORS)
    return {**_register_paths(), **_risk_paths(), **measures, **more}


def _register_paths() -> dict[str, Any]:
    return {
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document (no token needed)",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}},
            }
        },
        "/me": {
            "get": {
                "operationId": "me",
                "summary": "The token's user, their roles and the token itself",
                "responses": {**_ok("MeResponse", "You"), **_errors(401)},
            }
        },
        "/categories": {
            "get": {
                "operationId": "listCategories",
                "summary": "The organisation's risk categories, in order, retired ones included",
                "responses": {**_ok("TermList", "Risk categories"), **_errors(401)},
            }
        },
        "/objectives": {
            "get": {
                "operationId": "listObjectives",
                "summary": "The organisation's strategic objectives, in order, retired ones included",
                "responses": {**_ok("TermList", "Strategic objectives"), **_errors(401)},
            }
        },
        "/registers": {
            "get": {
                "operationId": "listRegisters",
                "summary": "Every register, by unit code",
                "parameters": [_param("page"), _param("per_page")],
                "responses": {**_ok("RegisterPage", "A page of registers"), **_errors(400, 401)},
            }
        },
        "/registers/{code}": {
            "parameters": [_param("code")],
            "get": {
                "operationId": "getRegister",
                "summary": "One register",
                "responses": {**_ok("RegisterResponse", "The register"), **_errors(401, 404)},
            },
        },
        "/registers/{code}/owners": {
            "parameters": [_param("code")],
            "get": {
                "operationId": "listOwners",
                "summary": "People who can own this register's risks and countermeasures",
                "responses": {**_ok("PersonList", "People, by name"), **_errors(401, 404)},
            },
        },
        "/registers/{code}/risks": {
            "parameters": [_param("code")],
            "get": {
                "operationId": "listRisks",
                "summary": "A register's risks (restricted ones only for those who may see them)",
                "parameters": [_param("page"), _param("per_page"), *RISK_FILTERS],
                "responses": {**_ok("RiskPage", "A page of risks"), **_errors(400, 401, 404)},
            },
            "post": {
                "operationId": "createRisk",
                "summary": "Add a risk to the register (risk managers and unit heads of the unit or above)",
                "requestBody": _body("RiskCreate"),
                "responses": _with_links(
                    {
                        **_ok("RiskResponse", "The new risk", 201, {"Location": LOCATION, "ETag": ETAG}),
                        **_errors(*WRITE_ERRORS),
                    },
                    "201",
                    _links("$response.body#/data/ref", "getRisk", "updateRisk", "createReview", "createCountermeasure"),
                ),
            },
        },
    }


def _risk_paths() -> dict[str, Any]:
    return {
        "/risks/{ref}": {
            "parameters": [_param("ref")],
            "get": {
                "operationId": "getRisk",
                "summary": "A risk with its countermeasures and reviews",
                "responses": _with_links(
                    {**_ok("RiskResponse", "The risk", headers={"ETag": ETAG}), **_errors(401, 404)},
                    "200",
                    _links("$request.path.ref", "updateRisk", "createReview"),
                ),
            },
            "patch": {
                "operationId": "updateRisk",
                "summary": "Change some of a risk's fields",
                "parameters": [_param("if_match")],
                "requestBody": _body("RiskUpdate"),
                "responses": {
                    **_ok("RiskResponse", "The risk as it is now", headers={"ETag": ETAG}),
                    **_errors(*WRITE_ERRORS, 409, 428),
                },
            },
        },
        "/risks/{ref}/countermeasures": {
            "parameters": [_param("ref")],
            "post": {
                "operationId": "createCountermeasure",
                "summary": "Add a countermeasure to an open risk",
                "requestBody": _body("CountermeasureCreate"),
                "responses": {
                    **_ok(
                        "CountermeasureResponse",
                        "The new countermeasure",
                        201,
                        {"Location": LOCATION, "ETag": COUNTERMEASURE_ETAG},
                    ),
                    **_errors(*WRITE_ERRORS),
                },
            },
        },
        "/risks/{ref}/countermeasures/{countermeasure_id}": {
            "parameters": [_param("ref"), _param("countermeasure_id")],
            "get": {
                "operationId": "getCountermeasure",
                "summary": "One countermeasure",
                "responses": _with_links(
                    {
                        **_ok("CountermeasureResponse", "The countermeasure", headers={"ETag": COUNTERMEASURE_ETAG}),
                        **_errors(401, 404),
                    },
                    "200",
                    _links("$request.path.ref", "updateCountermeasure"),
                ),
            },
            "patch": {
                "operationId": "updateCountermeasure",
                "summary": "Change a countermeasure (its status only forwards: planned → in_place → retired)",
                "parameters": [_param("if_match")],
                "requestBody": _body("CountermeasureUpdate"),
                "responses": {
                    **_ok("CountermeasureResponse", "The countermeasure now", headers={"ETag": COUNTERMEASURE_ETAG}),
                    **_errors(*WRITE_ERRORS, 409, 428),
                },
            },
        },
        "/risks/{ref}/reviews": {
            "parameters": [_param("ref")],
            "post": {
                "operationId": "createReview",
                "summary": "Record a review: stores the scores now and moves the next review date",
                "parameters": [_param("if_match")],
                "requestBody": _body("ReviewCreate"),
                "responses": {
                    **_ok("ReviewResponse", "The review", 201, {"ETag": RISK_ETAG_AFTER_REVIEW}),
                    **_errors(*WRITE_ERRORS, 409, 428),
                },
            },
        },
    }


def _risk_detail() -> dict[str, Any]:
    properties = {**schemas.RISK, **{section.name: section.schema for section in RISK_SECTIONS}}
    return schemas.closed(properties)


def _component_schemas() -> dict[str, Any]:
    return {
        "Error": schemas.ERROR,
        "Person": schemas.PERSON,
        "PersonList": schemas.closed({"data": {"type": "array", "items": ref("Person")}}),
        "Term": schemas.TERM,
        "TermList": schemas.closed({"data": {"type": "array", "items": ref("Term")}}),
        "Me": schemas.ME,
        "MeResponse": schemas.envelope("Me"),
        "PageMeta": schemas.PAGE_META,
        "PageLinks": schemas.PAGE_LINKS,
        "Register": schemas.REGISTER,
        "RegisterPage": schemas.page_of("Register"),
        "RegisterResponse": schemas.envelope("Register"),
        "Risk": schemas.closed(schemas.RISK),
        "RiskDetail": _risk_detail(),
        "RiskPage": schemas.page_of("Risk"),
        "RiskResponse": schemas.envelope("RiskDetail"),
        "Countermeasure": schemas.COUNTERMEASURE,
        "CountermeasureResponse": schemas.envelope("Countermeasure"),
        "Review": schemas.REVIEW,
        "ReviewResponse": schemas.envelope("Review"),
        **schemas.request_bodies(),
        **measure_schemas.schemas(),
        **recommendation_docs.component_schemas(),
    }


@cache
def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "riskreg API",
            "version": "1.0.0",
            "description": (
                "Risk registers, risks, countermeasures and reviews. Authenticate with a personal access token "
                "(create one on your account page) sent as `Authorization: Bearer <token>`. The same permissions "
                'apply as in the web pages. Errors are JSON: `{"error": {"status", "message", "fields"}}`.'
            ),
        },
        "servers": [{"url": API_PREFIX}],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal access token (rr_…) from your account page",
                }
            },
            "parameters": {**_parameters(), **recommendation_docs.parameters()},
            "responses": _error_responses(),
            "schemas": _component_schemas(),
        },
    }
