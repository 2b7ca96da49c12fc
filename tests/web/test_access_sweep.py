"""The access-control sweep: every route × every role × every method answers what riskreg.policy says.

Generated from ``app.url_map``. Each signed-in view declares the policy check it makes
(``@checks(Action.X, target=...)`` from riskreg/web/access.py). For each scenario (an LN risk, a
restricted LN risk, an LS risk, each with a countermeasure) the sweep fills the route's URL with real
objects, asks ``policy.authorize`` what each role should get (allowed, 403 or 404; anonymous people are
sent to sign in) and compares that with what the route really answers.

A route the sweep cannot cover fails ``test_the_sweep_covers_every_route``: a signed-in view without
``@checks``, a target or a URL argument this file does not know. docs/security.md ("Adding a route") says
what to add.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Blueprint, Flask
from flask_login import current_user
from werkzeug.exceptions import Forbidden, NotFound
from werkzeug.routing import Rule

from riskreg import create_app, policy
from riskreg.models import Register, Risk
from riskreg.web.access import ACCESS_ATTRIBUTE, POLICY_CHECK_ATTRIBUTE, checks, signed_in
from tests.factories import PASSWORD, CountermeasureFactory, RiskFactory

# Each role the sweep signs in as: an attribute of tests.factories.build_organisation(); None is nobody signed in.
ROLES = {
    "anonymous": None,
    "viewer (LN)": "viewer_ln",
    "risk_manager (LN)": "risk_ln",
    "unit_head (LN)": "head_ln",
    "unit_head (LS)": "head_ls",
    "hq_risk": "hq_risk",
    "committee": "committee",
    "auditor": "auditor",
    "admin": "admin",
    "no role": "nobody",
}


class Scenario:
    """The objects one pass of the sweep puts in URLs: a risk, its register, and what OBJECTS makes for it."""

    def __init__(self, name: str, risk: Risk) -> None:
        self.name = name
        self.risk = risk
        for attribute, make in OBJECTS.items():
            setattr(self, attribute, make(self))

    @property
    def register(self) -> Register:
        return self.risk.register


# Objects each scenario makes for its risk, by attribute name. A feature with new objects adds a line.
OBJECTS: dict[str, Callable[[Scenario], Any]] = {
    "countermeasure": lambda s: CountermeasureFactory(risk=s.risk),
}

# How to fill each URL argument from a scenario. A new argument needs one line here.
URL_ARGUMENTS: dict[str, Callable[[Scenario], Any]] = {
    "ref": lambda s: s.risk.ref,
    "code": lambda s: s.register.unit.code,
    "countermeasure_id": lambda s: s.countermeasure.id,
    "filename": lambda s: "riskreg.css",  # the static files
}

# The object a declared check is about, by the name given in @checks(..., target=...). A new target needs one line.
TARGETS: dict[str, Callable[[Scenario], Any]] = {
    "risk": lambda s: s.risk,
    "register": lambda s: s.register,
}

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ALLOWED, SIGN_IN = "allowed", "sent to sign in"


def _scenarios(org) -> list[Scenario]:
    return [
        Scenario("an LN risk", RiskFactory(register=org.ln.register)),
        Scenario("a restricted LN risk", RiskFactory(register=org.ln.register, restricted=True)),
        Scenario("an LS risk", RiskFactory(register=org.ls.register)),
    ]


def _access(app: Flask, rule: Rule) -> tuple[str | None, Any]:
    view = app.view_functions[rule.endpoint]
    if rule.endpoint == "static":
        return "public", None  # Flask's own view: the built CSS, JavaScript, fonts and images
    return getattr(view, ACCESS_ATTRIBUTE, None), getattr(view, POLICY_CHECK_ATTRIBUTE, None)


def uncovered(app: Flask) -> list[str]:
    """Why each route the sweep cannot check is not covered."""
    problems = []
    for rule in app.url_map.iter_rules():
        access, check = _access(app, rule)
        if access not in ("public", "signed_in"):
            problems.append(f"{rule.rule}: no @public or @signed_in")
        elif access == "signed_in" and check is None:
            problems.append(f"{rule.rule}: signed in, but no @checks(...) declaring its policy check")
        elif check is not None and check.target is not None and check.target not in TARGETS:
            problems.append(f"{rule.rule}: target {check.target!r} is not in TARGETS")
        problems += [f"{rule.rule}: URL argument <{arg}> is not in URL_ARGUMENTS"
                     for arg in sorted(rule.arguments - URL_ARGUMENTS.keys())]  # fmt: skip
    return problems


def expected(app: Flask, rule: Rule, user, scenario: Scenario) -> str:
    """What riskreg.policy says this user gets from this route for this scenario's objects."""
    access, check = _access(app, rule)
    if access == "public":
        return ALLOWED
    if user is None:
        return SIGN_IN
    target = TARGETS[check.target](scenario) if check.target else None
    try:
        if check.action is not None:
            policy.authorize(user, check.action, target)
    except NotFound:
        return "404"
    except Forbidden:
        return "403"
    return ALLOWED


def outcome(response) -> str:
    status = response.status_code
    location = urlsplit(response.headers.get("Location", ""))
    # Flask-Login's refusal carries ?next=; signing out also lands on /sign-in, without it.
    if status == 401 or (status == 302 and location.path == "/sign-in" and "next=" in location.query):
        return SIGN_IN
    if status in (403, 404):
        return str(status)
    # 400 and 422 are a form sent empty and refused by its validation, 409 a stale edit: past the policy check.
    return ALLOWED if 200 <= status < 400 or status in (400, 409, 422) else f"unexpected {status}"


def _client(app: Flask, user):
    client = app.test_client()
    if user is not None:
        # A fresh sign-in for every request: a swept POST to /sign-out ends the user's sessions.
        response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, f"could not sign in as {user.email}"
    return client


@dataclass
class Probe:
    role: str
    user: Any
    endpoint: str
    method: str
    url: str
    scenario: Scenario
    want: str


def plan(app: Flask, org, scenarios: list[Scenario], roles=ROLES, endpoints=None) -> list[Probe]:
    """Every request the sweep makes, with the answer riskreg.policy expects."""
    probes = []
    for role, attribute in roles.items():
        user = getattr(org, attribute) if attribute else None
        for rule in app.url_map.iter_rules():
            if endpoints is not None and rule.endpoint not in endpoints:
                continue
            seen = set()  # URLs that only differ in parts a rule does not use are requested once
            for scenario in scenarios:
                url = rule.build({arg: URL_ARGUMENTS[arg](scenario) for arg in rule.arguments})[1]
                for method in sorted(rule.methods & set(METHODS)):
                    if (method, url) not in seen:
                        seen.add((method, url))
                        want = expected(app, rule, user, scenario)
                        probes.append(Probe(role, user, rule.endpoint, method, url, scenario, want))
    return probes


def sweep(app: Flask, probes: list[Probe]) -> list[str]:
    """Make each request; describe every answer that differs from the policy's."""
    mismatches = []
    for probe in probes:
        got = outcome(_client(app, probe.user).open(probe.url, method=probe.method))
        if got != probe.want:
            mismatches.append(
                f"{probe.role}: {probe.method} {probe.url} ({probe.scenario.name}): "
                f"policy says {probe.want}, route gave {got}"
            )
    return mismatches


def test_the_sweep_covers_every_route(app):
    assert uncovered(app) == [], "see docs/security.md, 'Adding a route'"


@pytest.mark.parametrize("role", list(ROLES))
def test_every_route_answers_as_the_policy_says(app, org, role):
    probes = plan(app, org, _scenarios(org), {role: ROLES[role]})
    assert {probe.endpoint for probe in probes} == {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sweep(app, probes) == []


def test_the_sweep_expects_every_kind_of_answer(app, org):
    """Guards against a vacuous sweep: the policy must expect allowed, 403, 404 and sign-in somewhere."""
    assert {probe.want for probe in plan(app, org, _scenarios(org))} == {ALLOWED, "403", "404", SIGN_IN}


def test_a_countermeasure_is_reached_only_through_its_own_risk(app, org):
    """Direct object references: an editor of both risks still gets 404 for a mismatched pair of ids."""
    ln, _restricted, ls = _scenarios(org)
    client = _client(app, org.risk_hq)  # may edit LN and LS
    for action in ("edit", "retire"):
        assert client.get(f"/risks/{ln.risk.ref}/countermeasures/{ls.countermeasure.id}/{action}").status_code == 404
        assert client.get(f"/risks/{ln.risk.ref}/countermeasures/{ln.countermeasure.id}/{action}").status_code == 200


def _app_with_route(view: Callable) -> Flask:
    extra = Blueprint("sweep_probe", __name__)
    extra.add_url_rule("/probe/<ref>", view_func=view)
    app = create_app("testing")
    app.register_blueprint(extra)
    return app


def test_the_sweep_catches_a_route_that_skips_its_check(org):
    """A route declaring an edit check but never asking the policy: the sweep reports who got in."""

    @signed_in
    @checks(policy.Action.EDIT_REGISTER, target="risk")
    def careless(ref):
        return "edited"

    app = _app_with_route(careless)
    probes = plan(app, org, _scenarios(org)[:1], {"viewer (LN)": "viewer_ln"}, {"sweep_probe.careless"})
    assert sweep(app, probes) == [
        "viewer (LN): GET /probe/LN-001 (an LN risk): policy says 403, route gave allowed"
    ]


def test_the_sweep_refuses_an_undeclared_route():
    @signed_in
    def undeclared(ref):
        return "?"

    assert uncovered(_app_with_route(undeclared)) == [
        "/probe/<ref>: signed in, but no @checks(...) declaring its policy check"
    ]


def test_a_declared_check_matches_the_route(org):
    """The other way round: a route that does check, and declares it, passes."""

    @signed_in
    @checks(policy.Action.EDIT_REGISTER, target="risk")
    def careful(ref):
        from riskreg.services import risks

        policy.authorize(current_user, policy.Action.EDIT_REGISTER, risks.get_by_ref(ref))
        return "edited"

    app = _app_with_route(careful)
    roles = {name: ROLES[name] for name in ("viewer (LN)", "unit_head (LN)", "unit_head (LS)")}
    probes = plan(app, org, _scenarios(org)[:2], roles, {"sweep_probe.careful"})
    assert {probe.want for probe in probes} == {ALLOWED, "403", "404"}
    assert sweep(app, probes) == []
