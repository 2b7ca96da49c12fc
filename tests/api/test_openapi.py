"""The OpenAPI document is well formed and describes exactly the routes the API has."""

import re

import pytest
from jsonschema import Draft202012Validator

from riskreg.web.access import ACCESS_ATTRIBUTE
from riskreg.web.api import openapi, serializers, validation
from riskreg.web.api.openapi import API_PREFIX, document
from tests.api.conftest import check_against_document, error_of

# The API's description document does not depend on the engine.
pytestmark = pytest.mark.engine_independent

HTTP_METHODS = {"get", "post", "patch", "put", "delete"}


def _api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(API_PREFIX))
            routes |= {(path, method.lower()) for method in rule.methods if method.lower() in HTTP_METHODS}
    return routes


def test_the_document_lists_exactly_the_api_routes(app):
    paths = document()["paths"].items()
    documented = {(path, method) for path, item in paths for method in item if method in HTTP_METHODS}
    assert documented == _api_routes(app)


def test_every_schema_in_the_document_is_valid_json_schema():
    for schema in document()["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for parameter in document()["components"]["parameters"].values():
        Draft202012Validator.check_schema(parameter["schema"])


def test_every_local_reference_resolves():
    text = str(document())
    for reference in set(re.findall(r"'\$ref': '#/([^']+)'", text)):
        node = document()
        for part in reference.split("/"):
            node = node[part]


def test_operations_need_a_token_except_the_document(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            rule_kind = getattr(app.view_functions[rule.endpoint], ACCESS_ATTRIBUTE)
            assert rule_kind == ("public" if rule.endpoint == "api.openapi" else "token"), rule.rule
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS and path != "/openapi.json":
                assert "401" in operation["responses"], (method, path)
                assert "security" not in operation, (method, path)  # the document-wide bearer scheme applies


def test_writes_document_their_refusals():
    for path, item in document()["paths"].items():
        for method in ("post", "patch"):
            if method in item:
                assert {"403", "404", "415", "422"} <= set(item[method]["responses"]), (method, path)


def test_the_response_check_catches_an_undocumented_field(app, client):
    # The helper every API test relies on must fail on a response that strays from the document.
    class Fake:
        status_code = 200
        headers = {}
        mimetype = "application/json"

        @staticmethod
        def get_json():
            token = {"name": "t", "prefix": "rr_", "expires_on": "2026-01-01"}
            return {"data": {"id": 1, "name": "A", "email": "a@example.org", "roles": [], "token": token, "extra": 1}}

    with pytest.raises(Exception, match="extra"):
        check_against_document("GET", f"{API_PREFIX}/me", Fake())


def test_a_risk_section_added_by_another_feature_appears_in_responses_and_document(api_as, org):
    from tests.factories import RiskFactory

    risk = RiskFactory(register=org.ln.register)
    serializers.add_risk_section("flags", lambda risk: [], {"type": "array", "items": {"type": "object"}})
    for cached in (openapi.document, validation._registry, validation._validator):
        cached.cache_clear()
    try:
        assert "flags" in document()["components"]["schemas"]["RiskDetail"]["properties"]
        assert api_as(org.viewer_ln).get(f"/risks/{risk.ref}").get_json()["data"]["flags"] == []
    finally:
        serializers.RISK_SECTIONS[:] = [s for s in serializers.RISK_SECTIONS if s.name != "flags"]
        for cached in (openapi.document, validation._registry, validation._validator):
            cached.cache_clear()


def test_unknown_urls_and_methods_under_the_api_are_json(anonymous_api, client):
    response = anonymous_api.get("/nothing-here")
    assert response.status_code == 404 and error_of(response)["message"] == "Not found"
    response = anonymous_api.request("DELETE", "/registers")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"] and error_of(response)
    # The pages keep their HTML error pages.
    assert client.get("/nothing-here").mimetype == "text/html"


def test_a_server_error_is_json_too(api_as, org, app, monkeypatch):
    # Fault injection: a failure inside a view must reach the client as the API's JSON 500, not HTML.
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("riskreg.web.api.registers.registers.page_of_registers", broken)
    api = api_as(org.viewer_ln)
    # Straight through the test client: a 500 is deliberately not in the document.
    response = api.client.get(f"{API_PREFIX}/registers", headers={"Authorization": f"Bearer {api.secret}"})
    assert response.status_code == 500
    assert error_of(response)["message"].startswith("Sorry, there is a problem")
