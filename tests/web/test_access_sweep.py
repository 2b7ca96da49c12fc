"""The access-control sweep: every route × every role × every method answers what riskreg.policy says.

Generated from ``app.url_map``. Each signed-in view declares the policy checks it makes
(``@requires(Action.X, "risk")`` from riskreg/web/access.py, which also makes them). For each scenario (an LN risk, a
restricted LN risk, an LS risk and a corporate risk, each with the objects OBJECTS makes for it) the sweep
fills the route's URL with real objects, asks ``policy.authorize`` what each role should get (allowed, 403
or 404; anonymous people are sent to sign in) and compares that with what the route really answers.

A route the sweep cannot cover fails ``test_the_sweep_covers_every_route``: a signed-in view without
``@requires``, or a target or URL argument this file does not know. docs/security.md ("Adding a route") says
what to add.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Blueprint, Flask
from werkzeug.exceptions import Forbidden, NotFound
from werkzeug.routing import Rule

import riskreg.web
from riskreg import create_app, policy
from riskreg.clock import today
from riskreg.enums import AssuranceLine, EvidenceKind, FlagKind, Role
from riskreg.extensions import db
from riskreg.models import Flag, Register, Risk
from riskreg.rules.measures import review_quarter
from riskreg.services import committee_actions, links, recommendations, tokens
from riskreg.services import jobs as jobs_service
from riskreg.services.administration import vocabulary as vocabulary_admin
from riskreg.services.assurance import evidence
from riskreg.services.certificates import templates as certificate_templates
from riskreg.services.transfer import importing
from riskreg.web.access import ACCESS_ATTRIBUTE, LOADERS, POLICY_CHECK_ATTRIBUTE, PolicyCheck, requires, signed_in
from tests.certificates.support import signed_stub
from tests.factories import (
    PASSWORD,
    ControlTestFactory,
    CountermeasureFactory,
    ReviewFactory,
    RiskFactory,
    RiskLinkFactory,
    user_with_role,
)

# Each role the sweep signs in as: an attribute of tests.factories.build_organisation(); None is nobody signed in.
ROLES = {
    "anonymous": None,
    "viewer (LN)": "viewer_ln",  # owns the LN scenario's risk and its countermeasure
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

    def __init__(self, name: str, org, risk: Risk) -> None:
        self.name, self.org, self.risk = name, org, risk
        for attribute, make in OBJECTS.items():
            setattr(self, attribute, make(self))

    @property
    def register(self) -> Register:
        return self.risk.register


def _link(s: Scenario):
    """A link between the scenario's risk and a risk in another register (links never stay in one)."""
    if s.register.is_corporate:
        return RiskLinkFactory(from_risk=RiskFactory(register=s.org.ln.register), to_risk=s.risk)
    return RiskLinkFactory(from_risk=s.risk, to_risk=RiskFactory(register=s.org.hq.register))


def _evidence(s: Scenario):
    """A file attached to the scenario's (internal audit) control test, stored as an upload would be."""
    item = evidence.EvidenceInput(
        EvidenceKind.FILE, "Sweep working papers", today(), data=b"%PDF-1.7\n%%EOF\n", filename="papers.pdf"
    )
    return evidence.add_evidence(s.control_test, item, s.org.auditor)


def _editor(s: Scenario):
    return {"LN": s.org.risk_ln, "LS": s.org.risk_ls, "HQ": s.org.risk_hq}[s.register.unit.code]


def _flag(s: Scenario):
    """An HQ quality flag on the scenario's risk."""
    flag = Flag(kind=FlagKind.REVIEW_OVERDUE, risk=s.risk, note="The review was due")
    db.session.add(flag)
    db.session.commit()
    return flag


def _measure(s: Scenario):
    """A measure of the scenario's unit, informing the scenario's risk."""
    from tests.measures.support import make_measure

    return make_measure(s.register.unit, [s.risk], _editor(s), name=f"Sweep measure {s.risk.ref}")


def _qpr_action(s: Scenario):
    """An action agreed at the unit's last quarterly performance review."""
    from riskreg.services.measures import qpr

    values = {"title": "Sweep action", "owner": _editor(s), "due_on": today(), "exit_criterion": "Sweep done"}
    return qpr.agree_action(s.register.unit, review_quarter(today()), values, _editor(s), today())


def _recommendation(s: Scenario):
    """An inspection recommendation for the scenario's unit, owned by its risk's owner, about the risk and its
    countermeasure, with a file as evidence of implementation."""
    from tests.recommendations.support import make_recommendation

    recommendation = make_recommendation(
        s.register.unit, owner=s.risk.owner, risks=[s.risk], countermeasures=[s.countermeasure]
    )
    item = evidence.EvidenceInput(
        EvidenceKind.FILE, "Implementation note", today(), data=b"%PDF-1.7\n%%EOF\n", filename="note.pdf"
    )
    recommendations.add_evidence(recommendation, item, s.org.hq_risk)
    db.session.commit()
    return recommendation


def _import_upload(s: Scenario):
    """A spreadsheet waiting between the import wizard's steps, uploaded by the register's risk manager."""
    data = b"Title,Residual likelihood,Residual impact\nStaff shortages,3,4\n"
    return importing.store_upload(s.register, _editor(s), "register.csv", data, importing.ImportOptions())


def _job(s: Scenario):
    """A finished background job with a file, asked for by the register's risk manager (its page: theirs only)."""
    job = jobs_service.create("committee_pack", "Committee pack", {"meeting": "2026-06-05"}, _editor(s))
    jobs_service.finish(job, {}, jobs_service.StoredFile("pack.pdf", "application/pdf", b"%PDF-1.7\n"))
    db.session.commit()
    return job


# Objects each scenario makes for its risk, by attribute name. A feature with new objects adds a line.
OBJECTS: dict[str, Callable[[Scenario], Any]] = {
    "unit": lambda s: s.register.unit,
    "countermeasure": lambda s: CountermeasureFactory(risk=s.risk, owner=s.risk.owner),
    "link": _link,
    "corporate_register": lambda s: s.org.hq.register,
    "control_test": lambda s: ControlTestFactory(
        countermeasure=s.countermeasure, tester=s.org.auditor, line=AssuranceLine.THIRD
    ),
    "evidence": _evidence,
    "import_upload": _import_upload,
    "api_token": lambda s: tokens.create_token(_editor(s), "Sweep", today() + timedelta(days=30))[0],
    "flag": _flag,
    "certificate": lambda s: signed_stub(s.register.unit),
    "template_section": lambda s: certificate_templates.default_template().sections[0],
    "template_assertion": lambda s: s.template_section.assertions[0],
    # Someone administration acts on (deactivates, removes a role from): never a user the sweep signs in as.
    "managed_user": lambda s: user_with_role(Role.VIEWER, s.register.unit, name="Managed Person"),
    "measure": _measure,
    "qpr_action": _qpr_action,
    "review": lambda s: ReviewFactory(risk=s.risk),
    "recommendation": _recommendation,
    "committee_action": lambda s: committee_actions.raise_action(
        {"request": "Sweep", "owner_id": s.org.risk_hq.id, "raised_on": today(), "due_on": today()}, s.org.committee
    ),
    "job": lambda s: _job(s),
    # A category an administrator added, that nothing uses (so it may be retired, reinstated and deleted); named
    # by its scenario's risk, as a test may make the scenarios more than once and names are unique.
    "category": lambda s: vocabulary_admin.add(
        "categories", f"Sweep {s.name} {s.risk.ref}", None, s.org.admin, code=f"sweep_{s.risk.id}"
    ),
}

# How to fill each URL argument from a scenario. A new argument needs one line here.
URL_ARGUMENTS: dict[str, Callable[[Scenario], Any]] = {
    "ref": lambda s: s.risk.ref,
    "code": lambda s: s.register.unit.code,
    "countermeasure_id": lambda s: s.countermeasure.id,
    "link_id": lambda s: s.link.id,
    "test_id": lambda s: s.control_test.id,
    "evidence_id": lambda s: s.evidence.id,
    "token": lambda s: s.import_upload.token,
    "token_id": lambda s: s.api_token.id,
    "fmt": lambda s: "csv",
    "flag_id": lambda s: s.flag.id,
    "filename": lambda s: "riskreg.css",  # the static files
    "certificate_id": lambda s: s.certificate.id,
    "assertion_id": lambda s: s.certificate.assertions[0].id,
    "template_section_id": lambda s: s.template_section.id,
    "template_assertion_id": lambda s: s.template_assertion.id,
    "user_id": lambda s: s.managed_user.id,
    "assignment_id": lambda s: s.managed_user.roles[0].id,
    "measure_id": lambda s: s.measure.id,
    "qpr_action_id": lambda s: s.qpr_action.id,
    "review_id": lambda s: s.review.id,
    "quarter": lambda s: review_quarter(today()).slug,
    "action_id": lambda s: s.committee_action.id,
    "secret": lambda s: "no-such-reset-link",  # a password reset link (public; a wrong one explains itself)
    "recommendation_id": lambda s: s.recommendation.id,
    "item_id": lambda s: s.recommendation.evidence[0].id,  # a recommendation's evidence of implementation
    "job_id": lambda s: s.job.id,
    "vocabulary": lambda s: "categories",
    "entry": lambda s: s.category.code,
}

# URL arguments naming an object that only one user may use, whatever the policy says (the service answers
# 404 to anyone else, so its tokens cannot be probed): who that user is.
OWNED_BY: dict[str, Callable[[Scenario], Any]] = {
    "token": lambda s: s.import_upload.user_id,
    "token_id": lambda s: s.api_token.user_id,
}

# Scenarios where a route does not apply at all, by endpoint: everyone signed in must be refused (403 or 404).
NOT_APPLICABLE: dict[str, Callable[[Scenario], bool]] = {
    "links.escalate": lambda s: s.register.is_corporate,  # corporate risks have nowhere to escalate to
    "links.escalate_new": lambda s: s.register.is_corporate,
    "links.cascade": lambda s: not links.cascade_targets(s.risk),  # no register below to cascade into
}

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ALLOWED, SIGN_IN, REFUSED = "allowed", "sent to sign in", "refused (403 or 404)"


def _scenarios(org) -> list[Scenario]:
    return [
        # Owned by the LN viewer, with a countermeasure they own: owners act on what they own whatever their role
        # (the restricted LN risk, owned by nobody, is the viewer's check that owning is what lets them in).
        Scenario("an LN risk", org, RiskFactory(register=org.ln.register, owner=org.viewer_ln)),
        Scenario("a restricted LN risk", org, RiskFactory(register=org.ln.register, restricted=True)),
        Scenario("an LS risk", org, RiskFactory(register=org.ls.register)),
        Scenario("a corporate risk", org, RiskFactory(register=org.hq.register)),
    ]


def _access(app: Flask, rule: Rule) -> tuple[str | None, tuple | None]:
    view = app.view_functions[rule.endpoint]
    if rule.endpoint == "static":
        return "public", None  # Flask's own view: the built CSS, JavaScript, fonts and images
    return getattr(view, ACCESS_ATTRIBUTE, None), getattr(view, POLICY_CHECK_ATTRIBUTE, None)


def _resolve(scenario: Scenario, path: str) -> Any:
    target = scenario
    for name in path.split("."):
        target = getattr(target, name)
    return target


def uncovered(app: Flask) -> list[str]:
    """Why each route the sweep cannot check is not covered."""
    known = {"risk", "register", *OBJECTS}
    problems = []
    for rule in app.url_map.iter_rules():
        access, declared = _access(app, rule)
        if access not in ("public", "signed_in", "token"):
            problems.append(f"{rule.rule}: no @public, @signed_in or @token_required")
        elif access in ("signed_in", "token") and not declared:
            kind = "signed in" if access == "signed_in" else "token required"
            problems.append(f"{rule.rule}: {kind}, but no @requires(...) declaring its policy check")
        problems += [
            f"{rule.rule}: target {check.target!r} is not a scenario object (add it to OBJECTS)"
            for check in declared or ()
            if check.target and check.target.split(".")[0] not in known
        ]
        problems += [
            f"{rule.rule}: URL argument <{arg}> is not in URL_ARGUMENTS"
            for arg in sorted(rule.arguments - URL_ARGUMENTS.keys())
        ]
    return problems


def expected(app: Flask, rule: Rule, method: str, user, scenario: Scenario) -> str:
    """What riskreg.policy says this user gets from this route, by this method, for this scenario's objects."""
    access, declared = _access(app, rule)
    if access == "public":
        return ALLOWED
    if user is None:
        return SIGN_IN
    if NOT_APPLICABLE.get(rule.endpoint, lambda _s: False)(scenario):
        return REFUSED
    for check in declared:
        if check.action is None or (check.methods is not None and method not in check.methods):
            continue
        try:
            policy.authorize(user, check.action, _resolve(scenario, check.target) if check.target else None)
        except NotFound:
            return "404"
        except Forbidden:
            return str(check.refuse_with or 403)
    if any(OWNED_BY[arg](scenario) != user.id for arg in rule.arguments & OWNED_BY.keys()):
        return "404"
    return ALLOWED


def outcome(response) -> str:
    status = response.status_code
    location = urlsplit(response.headers.get("Location", ""))
    # Flask-Login's refusal carries ?next=; signing out also lands on /sign-in, without it.
    if status == 401 or (status == 302 and location.path == "/sign-in" and "next=" in location.query):
        return SIGN_IN
    if status in (403, 404):
        return str(status)
    # 400 and 422 are a form or body sent empty and refused by its validation, 409 a stale edit, 428 an API
    # update without If-Match, 415 an API write without a JSON body: all past the policy check.
    return ALLOWED if 200 <= status < 400 or status in (400, 409, 415, 422, 428) else f"unexpected {status}"


def _client(app: Flask, user):
    client = app.test_client()
    if user is not None:
        response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, f"could not sign in as {user.email}"
    return client


class _Sessions:
    """A fresh client per request, carrying the user's session cookie; signs in again once a swept
    request (POST /sign-out) has ended the user's sessions."""

    def __init__(self, app: Flask) -> None:
        self.app, self.cookies, self.secrets = app, {}, {}

    def api_client(self, user):
        """A client with no cookie that sends the user's personal access token (the JSON API's only sign-in)."""
        client = self.app.test_client()
        if user is not None:
            if user.id not in self.secrets:
                self.secrets[user.id] = tokens.create_token(user, "Access sweep", today() + timedelta(days=30))[1]
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {self.secrets[user.id]}"
        return client

    def client(self, user):
        if user is None:
            return self.app.test_client()
        name = self.app.config["SESSION_COOKIE_NAME"]
        token, cookie = self.cookies.get(user.id, (None, None))
        if token != user.session_token:
            cookie = _client(self.app, user).get_cookie(name).value
            self.cookies[user.id] = (user.session_token, cookie)
        client = self.app.test_client()
        client.set_cookie(name, cookie)
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
                        want = expected(app, rule, method, user, scenario)
                        probes.append(Probe(role, user, rule.endpoint, method, url, scenario, want))
    return probes


def sweep(app: Flask, probes: list[Probe]) -> list[str]:
    """Make each request; describe every answer that differs from the policy's."""
    mismatches, sessions = [], _Sessions(app)
    for probe in probes:
        api = _access(app, app.url_map._rules_by_endpoint[probe.endpoint][0])[0] == "token"
        client = sessions.api_client(probe.user) if api else sessions.client(probe.user)
        got = outcome(client.open(probe.url, method=probe.method))
        if got != probe.want and not (probe.want == REFUSED and got in ("403", "404")):
            mismatches.append(
                f"{probe.role}: {probe.method} {probe.url} ({probe.scenario.name}): "
                f"policy says {probe.want}, route gave {got}"
            )
    return mismatches


def test_the_sweep_has_an_owner_who_is_only_a_viewer(app, org):
    """Owners act on what they own: the policy lets the LN viewer review their own risk and report progress on
    their own countermeasure, and nothing else in LN's register; the sweep then checks the routes agree."""
    ln, restricted, _ls, _corporate = _scenarios(org)
    assert ln.risk.owner == org.viewer_ln and ln.countermeasure.owner == org.viewer_ln
    probes = plan(
        app,
        org,
        [ln, restricted],
        {"viewer (LN)": "viewer_ln"},
        {"risks.review", "risks.countermeasure_progress", "risks.edit"},
    )
    wants = {(probe.endpoint, probe.method, probe.scenario.name): probe.want for probe in probes}
    assert wants[("risks.review", "POST", "an LN risk")] == ALLOWED
    assert wants[("risks.countermeasure_progress", "POST", "an LN risk")] == ALLOWED
    assert wants[("risks.review", "POST", "a restricted LN risk")] == "403"
    assert wants[("risks.countermeasure_progress", "POST", "a restricted LN risk")] == "403"
    assert wants[("risks.edit", "POST", "an LN risk")] == "403"
    assert sweep(app, probes) == []


def test_the_sweep_covers_every_route(app):
    assert uncovered(app) == [], "see docs/security.md, 'Adding a route'"


@pytest.mark.engine_independent  # who may do what is the policy's and the routes', whatever the engine
@pytest.mark.parametrize("role", list(ROLES))
def test_every_route_answers_as_the_policy_says(app, org, role):
    probes = plan(app, org, _scenarios(org), {role: ROLES[role]})
    assert {probe.endpoint for probe in probes} == {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sweep(app, probes) == []


def test_the_sweep_expects_every_kind_of_answer(app, org):
    """Guards against a vacuous sweep: the policy must expect allowed, 403, 404 and sign-in somewhere."""
    assert {probe.want for probe in plan(app, org, _scenarios(org))} >= {ALLOWED, "403", "404", SIGN_IN}


def test_a_countermeasure_is_reached_only_through_its_own_risk(app, org):
    """Direct object references: an editor of both risks still gets 404 for a mismatched pair of ids."""
    ln, _restricted, ls, _corporate = _scenarios(org)
    client = _client(app, org.risk_hq)  # may edit LN and LS
    for action in ("edit", "retire"):
        assert client.get(f"/risks/{ln.risk.ref}/countermeasures/{ls.countermeasure.id}/{action}").status_code == 404
        assert client.get(f"/risks/{ln.risk.ref}/countermeasures/{ln.countermeasure.id}/{action}").status_code == 200


def _app_with_route(view: Callable) -> Flask:
    extra = Blueprint("sweep_probe", __name__)
    extra.add_url_rule("/probe/<ref>", view_func=view, methods=["GET", "POST"])
    app = create_app("testing")
    app.register_blueprint(extra)
    return app


def test_the_sweep_catches_a_route_that_skips_its_check(org):
    """A route whose declaration is not enforced (set by hand, not by @requires): the sweep reports who got in."""

    @signed_in
    def careless(ref):
        return "edited"

    setattr(careless, POLICY_CHECK_ATTRIBUTE, (PolicyCheck(policy.Action.EDIT_REGISTER, "risk"),))

    app = _app_with_route(careless)
    probes = plan(app, org, _scenarios(org)[:1], {"viewer (LN)": "viewer_ln"}, {"sweep_probe.careless"})
    assert sweep(app, probes) == [
        "viewer (LN): GET /probe/LN-001 (an LN risk): policy says 403, route gave allowed",
        "viewer (LN): POST /probe/LN-001 (an LN risk): policy says 403, route gave allowed",
    ]


def test_the_sweep_refuses_an_undeclared_route():
    @signed_in
    def undeclared(ref):
        return "?"

    assert uncovered(_app_with_route(undeclared)) == [
        "/probe/<ref>: signed in, but no @requires(...) declaring its policy check"
    ]


def _probe_plan(app: Flask, org, endpoint: str, role_names: tuple[str, ...]):
    """The probes for one test route (LN and restricted-LN risks), and what each expects by (role, method, scenario)."""
    probes = plan(app, org, _scenarios(org)[:2], {name: ROLES[name] for name in role_names}, {endpoint})
    return probes, {(probe.role, probe.method, probe.scenario.name): probe.want for probe in probes}


def test_stacked_checks_apply_in_order_and_by_method(org):
    """Read on GET, edit on POST: a viewer may look but not send; another unit gets 404 for a restricted risk."""

    @signed_in
    @requires(policy.Action.READ_RISK, "risk")
    @requires(policy.Action.EDIT_REGISTER, "risk", methods={"POST"})
    def careful(risk):
        return f"ok {risk.ref}"

    app = _app_with_route(careful)
    probes, wants = _probe_plan(app, org, "sweep_probe.careful", ("viewer (LN)", "unit_head (LN)", "unit_head (LS)"))
    assert wants[("viewer (LN)", "GET", "an LN risk")] == ALLOWED
    assert wants[("viewer (LN)", "POST", "an LN risk")] == "403"
    assert wants[("unit_head (LS)", "GET", "a restricted LN risk")] == "404"
    assert sweep(app, probes) == []


def test_requires_enforces_what_it_declares(org):
    """The declaration alone protects a route whose body checks nothing: a viewer may not edit, the editor may,
    a user who may not see a restricted risk gets 404, and the view receives the risk, not its reference."""

    @signed_in
    @requires(policy.Action.EDIT_REGISTER, "risk")
    def edit(risk):
        return f"editing {risk.ref}"

    app = _app_with_route(edit)
    probes, wants = _probe_plan(app, org, "sweep_probe.edit", ("viewer (LN)", "risk_manager (LN)", "unit_head (LS)"))
    assert wants[("viewer (LN)", "GET", "an LN risk")] == "403"
    assert wants[("risk_manager (LN)", "POST", "an LN risk")] == ALLOWED
    assert wants[("unit_head (LS)", "GET", "a restricted LN risk")] == "404"
    assert sweep(app, probes) == []
    risk = _scenarios(org)[0].risk
    assert _client(app, org.risk_ln).get(f"/probe/{risk.ref}").get_data(as_text=True) == f"editing {risk.ref}"


def test_requires_refuses_a_target_it_cannot_load():
    with pytest.raises(ValueError, match="no loader for 'spreadsheet'"):
        requires(policy.Action.READ_REGISTER, "spreadsheet")


def test_every_loader_is_a_scenario_object():
    """Each object a route may name is one the sweep can put in a URL."""
    assert set(LOADERS) <= {"risk", "register", *OBJECTS}


def test_no_route_repeats_its_check():
    """Routes check through @requires only; services trust them. Nothing under riskreg/web calls authorize."""
    web = Path(riskreg.web.__file__).parent
    offenders = [
        str(path.relative_to(web))
        for path in sorted(web.rglob("*.py"))
        if "policy.authorize(" in path.read_text() and path.name != "access.py"
    ]
    assert offenders == []
