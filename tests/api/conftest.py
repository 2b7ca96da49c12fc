"""API test helpers: tokens for the shared organisation, and a client that checks every response
against the OpenAPI document (status documented, JSON that matches its schema, documented headers present)."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from riskreg.clock import today
from riskreg.extensions import db
from riskreg.services import tokens
from riskreg.web.api.openapi import API_PREFIX, document

DOCUMENT_URI = "urn:test:openapi"


def make_token(user, days: int = 30, name: str = "Test token") -> str:
    _token, secret = tokens.create_token(user, name, today() + timedelta(days=days))
    db.session.commit()
    return secret


def _registry() -> Registry:
    return Registry().with_resource(DOCUMENT_URI, Resource.from_contents(document(), default_specification=DRAFT202012))


def _follow(node: dict) -> dict:
    """A local $ref (#/components/...) followed to what it names."""
    while "$ref" in node:
        target = document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def operation_for(method: str, url: str) -> dict | None:
    path = urlsplit(url).path.removeprefix(API_PREFIX)
    for template, item in document()["paths"].items():
        if re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", template), path):
            return item.get("get" if method == "HEAD" else method.lower())
    return None


def check_against_document(method: str, url: str, response) -> None:
    """Fail unless the response is one the document promises for this operation."""
    operation = operation_for(method, url)
    if operation is None:
        # No such operation: only the JSON error for an unknown URL or method will do.
        assert response.status_code in (404, 405), (method, url, response.status_code)
        schema = {"$ref": f"{DOCUMENT_URI}#/components/schemas/Error"}
        Draft202012Validator(schema, registry=_registry()).validate(response.get_json())
        return
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method} {url} answered {response.status_code}, which is not documented"
    documented = _follow(documented)
    for name, header in documented.get("headers", {}).items():
        if header.get("required"):
            assert name in response.headers, f"{method} {url}: missing header {name}"
            Draft202012Validator(header["schema"]).validate(response.headers[name])
    content = documented.get("content", {}).get("application/json")
    if content is None or method == "HEAD":
        return
    assert response.mimetype == "application/json"
    if "schema" in content:
        pointer = content["schema"]["$ref"].removeprefix("#")
        validator = Draft202012Validator(
            {"$ref": f"{DOCUMENT_URI}#{pointer}"},
            registry=_registry(),
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        validator.validate(response.get_json())


class Api:
    """The test client, with a bearer token and a check of each response against the document."""

    def __init__(self, client, secret: str | None) -> None:
        self.client = client
        self.secret = secret

    def request(self, method: str, url: str, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        secret = self.secret
        if secret:
            headers.setdefault("Authorization", f"Bearer {secret}")
        full_url = url if url.startswith(API_PREFIX) else API_PREFIX + url
        response = self.client.open(full_url, method=method, headers=headers, **kwargs)
        check_against_document(method, full_url, response)
        return response

    def get(self, url: str, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs):
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs):
        return self.request("PATCH", url, **kwargs)


@pytest.fixture
def api_as(client):
    """api_as(user) -> an Api client with a fresh token of that user's."""

    def _api_as(user) -> Api:
        return Api(client, make_token(user))

    return _api_as


@pytest.fixture
def anonymous_api(client):
    return Api(client, None)


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert body["error"]["status"] == response.status_code
    return body["error"]
