"""Every route declares its access rule, and signed-in routes turn away people who are not signed in."""

import re

from riskreg.web.access import ACCESS_ATTRIBUTE

EXEMPT = {"static"}


def _rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint not in EXEMPT]


def test_every_route_has_an_access_rule(app):
    missing = [rule.rule for rule in _rules(app) if not hasattr(app.view_functions[rule.endpoint], ACCESS_ATTRIBUTE)]
    assert missing == [], f"routes without @public, @signed_in or @token_required: {missing}"


def test_signed_in_routes_send_strangers_to_sign_in(app, client):
    checked = 0
    for rule in _rules(app):
        if getattr(app.view_functions[rule.endpoint], ACCESS_ATTRIBUTE) != "signed_in":
            continue
        url = re.sub(r"<(?:int:)?(\w+)>", lambda m: "1" if "int:" in m.group(0) else "LN-001", rule.rule)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        assert response.status_code == 302, (rule.rule, response.status_code)
        assert response.headers["Location"].startswith("/sign-in"), rule.rule
        checked += 1
    assert checked > 5


def _example_url(rule) -> str:
    return re.sub(r"<(?:int:)?(\w+)>", lambda m: "1" if "int:" in m.group(0) else "LN-001", rule.rule)


def test_token_routes_answer_strangers_with_401_json_never_a_redirect(app, client, org, sign_in):
    sign_in(org.admin)  # a signed-in session cookie must not count on the API
    checked = 0
    for rule in _rules(app):
        if getattr(app.view_functions[rule.endpoint], ACCESS_ATTRIBUTE) != "token":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for authorization in (None, "Bearer rr_" + "0" * 43):
                headers = {"Authorization": authorization} if authorization else {}
                response = client.open(_example_url(rule), method=method, headers=headers, json={})
                assert response.status_code == 401, (method, rule.rule, authorization)
                assert response.headers["WWW-Authenticate"].startswith("Bearer"), rule.rule
                assert response.get_json()["error"]["status"] == 401, rule.rule
                checked += 1
    assert checked > 10
