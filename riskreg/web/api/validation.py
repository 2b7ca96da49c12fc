"""Reading requests against the OpenAPI document: the JSON body, query parameters and If-Match.

The schemas are the document's own, so a request the document calls valid is
never refused here, and one it calls invalid always is. Rules the schemas
cannot say (a review date in the future, a status that cannot go back) are the
services' to enforce; their refusals come back as 422 too.

jsonschema is imported by the first request that is checked, not when the app starts (issue 20).
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from flask import request
from werkzeug.exceptions import BadRequest

from riskreg.enums import (
    ControlFrequency,
    CountermeasureKind,
    CountermeasureStatus,
    Influence,
    ReviewOutcome,
)
from riskreg.services import vocabulary
from riskreg.web.api.errors import ApiError
from riskreg.web.api.openapi import API_PREFIX, document

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, ValidationError
    from referencing import Registry

DOCUMENT_URI = "urn:riskreg:api:v1"
ENUMS = {
    "influence": Influence,
    "kind": CountermeasureKind,
    "status": CountermeasureStatus,
    "outcome": ReviewOutcome,
    "frequency": ControlFrequency,
}
DATES = frozenset({"due_on", "implemented_on", "reviewed_on"})
LABELS = {
    "title": "Title",
    "cause": "Cause",
    "event": "Risk event",
    "consequence": "Consequence",
    "category": "Category",
    "objective": "Strategic objective",
    "owner_id": "Owner",
    "influence": "Influence",
    "inherent_l": "Inherent likelihood",
    "inherent_i": "Inherent impact",
    "residual_l": "Residual likelihood",
    "residual_i": "Residual impact",
    "target_l": "Target likelihood",
    "target_i": "Target impact",
    "restricted": "Restricted",
    "description": "Description",
    "kind": "Kind",
    "status": "Status",
    "due_on": "Due date",
    "implemented_on": "Date put in place",
    "reviewed_on": "Date of review",
    "commentary": "Commentary",
    "outcome": "Outcome",
    "frequency": "How often the control operates",
}
TYPE_WORDS = {"string": "text", "integer": "a whole number", "boolean": "true or false", "object": "an object"}
INTEGER_TEXT = re.compile(r"-?[0-9]{1,12}")


@cache
def _registry() -> Registry:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    return Registry().with_resource(DOCUMENT_URI, Resource.from_contents(document(), default_specification=DRAFT202012))


@cache
def _validator(pointer: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(
        {"$ref": f"{DOCUMENT_URI}#{pointer}"},
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _label(name: str) -> str:
    return LABELS.get(name, name)


def _schema_of(error: ValidationError) -> dict:
    return error.schema if isinstance(error.schema, dict) else {}


def _message(error: ValidationError, label: str) -> str:
    """A person-readable message in GOV.UK style for one schema error."""
    schema = _schema_of(error)
    if error.validator in ("minLength", "pattern"):
        if isinstance(error.instance, str) and "\x00" in error.instance:
            return f"{label} must not contain NUL characters"
        return f"Enter the {label.lower()}"
    if error.validator == "maxLength":
        return f"{label} must be {error.validator_value} characters or fewer"
    if error.validator in ("minimum", "maximum"):
        return f"{label} must be from {schema.get('minimum')} to {schema.get('maximum')}"
    if error.validator == "enum":
        return f"{label} must be one of: {', '.join(str(value) for value in error.validator_value)}"
    if error.validator == "format":
        return f"{label} must be a real date in the form YYYY-MM-DD"
    if error.validator == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words = " or ".join(TYPE_WORDS.get(kind, kind) for kind in expected if kind != "null")
        return f"{label} must be {words}" + (" (or null)" if "null" in expected else "")
    return error.message


def _required_message(name: str, schema: dict) -> str:
    # Choices are selected, text and dates are entered (as the pages' forms say it).
    verb = "Select" if "enum" in schema or schema.get("type") == "integer" else "Enter"
    return f"{verb} the {_label(name).lower()}"


def _field_errors(error: ValidationError) -> dict[str, list[str]]:
    properties = _schema_of(error).get("properties", {})
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        return {name: [_required_message(name, properties.get(name, {}))] for name in missing}
    if error.validator == "additionalProperties":
        unknown = [name for name in error.instance if name not in properties]
        return {name: [f"{name} is not a field that can be set here"] for name in unknown}
    name = str(error.path[0]) if error.path else ""
    return {name: [_message(error, _label(name))]}


def _check(pointer: str, instance: Any) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in _validator(pointer).iter_errors(instance):
        for name, messages in _field_errors(error).items():
            fields.setdefault(name, []).extend(message for message in messages if message not in fields.get(name, []))
    return fields


def operation() -> tuple[str, dict[str, Any]]:
    """The JSON pointer and definition of the operation this request is for."""
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", request.url_rule.rule.removeprefix(API_PREFIX))  # type: ignore[union-attr]
    method = "get" if request.method == "HEAD" else request.method.lower()
    escaped = path.replace("~", "~0").replace("/", "~1")
    return f"/paths/{escaped}/{method}", document()["paths"][path][method]


def json_body() -> dict[str, Any]:
    """The request body, checked against the operation's schema: 415, 400 or 422 when it will not do."""
    if not request.is_json:
        raise ApiError(415)
    try:
        body = request.get_json()
        # Valid JSON may still hold text that is not valid Unicode (a lone surrogate): it cannot be stored.
        json.dumps(body, ensure_ascii=False).encode()
    except BadRequest as error:
        raise ApiError(400, "The request body is not valid JSON") from error
    except (RecursionError, UnicodeEncodeError) as error:
        raise ApiError(400, "The request body is nested too deeply or is not valid Unicode") from error
    if not isinstance(body, dict):
        raise ApiError(422, "The request body must be a JSON object")
    pointer, _definition = operation()
    fields = _check(f"{pointer}/requestBody/content/application~1json/schema", body)
    _check_terms(body, fields)
    if fields:
        raise ApiError(422, None, fields)
    return body


def _check_terms(body: dict[str, Any], fields: dict[str, list[str]]) -> None:
    """Categories and objectives are the organisation's (not in the document): a code it has never had is refused
    with the other fields' problems. A retired one is the service's to refuse (a risk may keep its own)."""
    for name, terms in (("category", vocabulary.categories), ("objective", vocabulary.objectives)):
        value = body.get(name)
        if isinstance(value, str) and name not in fields and value not in terms().codes:
            choices = ", ".join(term.code for term in terms().active)
            fields[name] = [f"{_label(name)} must be one of: {choices}"]


def _query_value(raw: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        return int(raw) if INTEGER_TEXT.fullmatch(raw) else raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    return raw


def query_args() -> dict[str, Any]:
    """The operation's query parameters, typed and checked (400 when one is invalid), defaults filled in."""
    from jsonschema import Draft202012Validator

    _pointer, definition = operation()
    parameters = document()["components"]["parameters"]
    values: dict[str, Any] = {}
    fields: dict[str, list[str]] = {}
    for parameter in definition.get("parameters", []):
        if "$ref" in parameter:
            parameter = parameters[parameter["$ref"].rsplit("/", 1)[1]]
        if parameter["in"] != "query":
            continue
        name, schema = parameter["name"], parameter["schema"]
        raw = request.args.get(name)
        if raw is None:
            values[name] = schema.get("default")
            continue
        values[name] = _query_value(raw, schema)
        errors = list(Draft202012Validator(schema).iter_errors(values[name]))
        if errors:
            fields[name] = [_message(errors[0], name)]
    if fields:
        raise ApiError(400, "Check the query parameters", fields)
    return values


def to_values(body: dict[str, Any]) -> dict[str, Any]:
    """A checked body as the services take it: enumerations, dates, trimmed text and plain integers."""
    values: dict[str, Any] = {}
    for name, value in body.items():
        if value is None:
            values[name] = None
        elif name in ENUMS:
            values[name] = ENUMS[name](value)
        elif name in DATES:
            values[name] = date.fromisoformat(value)
        elif isinstance(value, str):
            values[name] = value.strip()
        elif isinstance(value, float):
            values[name] = int(value)  # JSON Schema counts 3.0 as an integer
        else:
            values[name] = value
    return values


def if_match_version(current: int) -> int:
    """The version the client last saw, from If-Match; the services decide whether it is stale.

    Strong comparison (RFC 9110): a weak tag or any other value is a version that does not match.
    """
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        raise ApiError(428)
    tags = {tag.strip() for tag in header.split(",")}
    if f'"{current}"' in tags:
        return current
    return 0  # versions start at 1: this never matches
