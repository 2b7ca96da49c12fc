"""Every route declares who may reach it, and the declaration is what enforces it.

``public`` routes need no sign-in. ``signed_in`` routes need a member of the organisation; ``token_required``
routes (the JSON API) need a personal access token and never look at the session cookie.

Under either, ``requires`` says which policy question the route asks about which object, and asks it: it loads
the object named in the URL through its service (``LOADERS``), calls ``policy.authorize`` and hands the object
to the view in place of the URL argument. Routes check, services trust: a view never repeats the check.
The access-control sweep (tests/web/test_access_sweep.py) reads the same declarations, derives every role's
expected answer from riskreg.policy and compares it with what the route really answers; a signed-in route
without a declaration fails it. See docs/security.md, "Adding a route".
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import abort, g, request
from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden, NotFound, Unauthorized

from riskreg import policy
from riskreg.policy import Action
from riskreg.services import committee_actions, jobs, links, recommendations, registers, risks
from riskreg.services.assurance import control_tests, evidence
from riskreg.services.certificates import queries as certificates
from riskreg.services.flags import queue as flag_queue
from riskreg.services.measures import catalogue as measures
from riskreg.services.measures import qpr

ACCESS_ATTRIBUTE = "access_rule"
POLICY_CHECK_ATTRIBUTE = "policy_check"
_ENFORCED_VIEW = "policy_enforced_view"


def public(view: Callable) -> Callable:
    setattr(view, ACCESS_ATTRIBUTE, "public")
    return view


def signed_in(view: Callable) -> Callable:
    wrapped = wraps(view)(login_required(view))
    setattr(wrapped, ACCESS_ATTRIBUTE, "signed_in")
    return wrapped


def token_required(view: Callable) -> Callable:
    """The API's rule: ``g.api_token`` is set only by the API's bearer-token check, never from a cookie."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("api_token") is None:
            raise Unauthorized()
        return view(*args, **kwargs)

    setattr(wrapped, ACCESS_ATTRIBUTE, "token")
    return wrapped


@dataclass(frozen=True)
class Loader:
    """How to find one object a check can name: ``load`` gets the request's ``Objects``; ``replaces`` are the
    URL arguments the view receives the object instead of."""

    replaces: tuple[str, ...]
    load: Callable[["Objects"], Any]


def escalation_register(risk):
    """The corporate register a local risk escalates to (404 for a corporate risk: nowhere to escalate to)."""
    register = links.corporate_register_for(risk)
    if register is None or register.id == risk.register_id:
        raise NotFound()
    return register


# The objects a check may name, by the name the view receives (the access sweep's scenarios use the same
# names). A route about a new kind of object adds a line here.
LOADERS: dict[str, Loader] = {
    "risk": Loader(("ref",), lambda o: risks.get_by_ref(o.args["ref"])),
    "register": Loader(("code",), lambda o: registers.get_by_code(o.args["code"])),
    "unit": Loader(("code",), lambda o: certificates.get_unit(o.args["code"])),
    "countermeasure": Loader(
        ("ref", "countermeasure_id"),
        lambda o: control_tests.get_countermeasure(o.args["ref"], o.args["countermeasure_id"]),
    ),
    "control_test": Loader(("test_id",), lambda o: control_tests.get_test(o["countermeasure"], o.args["test_id"])),
    "evidence": Loader(("evidence_id",), lambda o: evidence.get_evidence(o.args["evidence_id"])),
    "link": Loader(("link_id",), lambda o: links.get_link(o.args["link_id"])),
    "corporate_register": Loader((), lambda o: escalation_register(o["risk"])),
    "flag": Loader(("flag_id",), lambda o: flag_queue.get_flag(o.args["flag_id"])),
    "certificate": Loader(("certificate_id",), lambda o: certificates.get_certificate(o.args["certificate_id"])),
    "measure": Loader(("measure_id",), lambda o: measures.get_measure(o.args["measure_id"])),
    "qpr_action": Loader(("qpr_action_id",), lambda o: qpr.get_action(o.args["qpr_action_id"])),
    "recommendation": Loader(
        ("recommendation_id",), lambda o: recommendations.get_recommendation(o.args["recommendation_id"])
    ),
    "committee_action": Loader(("action_id",), lambda o: committee_actions.get_action(o.args["action_id"])),
    "job": Loader(("job_id",), lambda o: jobs.get_job(o.args["job_id"])),
}


class Objects:
    """The objects of one request, each loaded once, when a check (or the view) first needs it."""

    def __init__(self, args: dict[str, Any]) -> None:
        self.args, self.loaded = args, {}

    def __getitem__(self, name: str) -> Any:
        if name not in self.loaded:
            self.loaded[name] = LOADERS[name].load(self)
        return self.loaded[name]

    def resolve(self, path: str) -> Any:
        root, *attributes = path.split(".")
        target = self[root]
        for attribute in attributes:
            target = getattr(target, attribute)
        return target

    def view_arguments(self, roots: list[str]) -> dict[str, Any]:
        replaced = {arg for root in roots for arg in LOADERS[root].replaces}
        return {name: value for name, value in self.args.items() if name not in replaced} | {
            root: self[root] for root in roots
        }


@dataclass(frozen=True)
class PolicyCheck:
    """``policy.authorize(user, action, <target>)`` for requests with one of ``methods`` (None: all)."""

    action: Action | None
    target: str | None = None
    methods: frozenset[str] | None = None
    refuse_with: int | None = None  # answer a refusal with this status rather than authorize's

    @property
    def root(self) -> str | None:
        return self.target.split(".")[0] if self.target else None

    def applies(self) -> bool:
        return self.action is not None and (self.methods is None or request.method in self.methods)

    def enforce(self, objects: Objects) -> None:
        try:
            policy.authorize(current_user, self.action, objects.resolve(self.target) if self.target else None)
        except Forbidden:
            if self.refuse_with is None:
                raise
            abort(self.refuse_with)


def _enforcing(view: Callable) -> Callable:
    @wraps(view)
    def enforced(**url_arguments):
        objects = Objects(url_arguments)
        checks = getattr(enforced, POLICY_CHECK_ATTRIBUTE)
        for check in checks:
            if check.applies():
                check.enforce(objects)
        roots = list(dict.fromkeys(check.root for check in checks if check.root))
        return view(**objects.view_arguments(roots))

    setattr(enforced, _ENFORCED_VIEW, True)
    setattr(enforced, POLICY_CHECK_ATTRIBUTE, ())
    return enforced


def requires(
    action: Action | None, target: str | None = None, methods: set[str] | None = None, refuse_with: int | None = None
) -> Callable[[Callable], Callable]:
    """Declare and enforce a policy check; put it under ``@signed_in`` or ``@token_required``.

    ``@requires(Action.EDIT_REGISTER, "risk")``: the risk named by the URL's ``<ref>`` is loaded, the action
    authorized on it (404 for a risk the user may not see, 403 for one they may see but not change) and the
    view called with ``risk=`` instead of ``ref=``. ``target`` is an attribute path from one of ``LOADERS``
    ("risk", "certificate.unit", "link.from_risk"). ``@requires(None)``: any signed-in member (home, sign out).
    Several checks stack, made in reading order; ``methods`` limits one to some methods (a POST that needs more
    than a GET); ``refuse_with=404`` hides the object from whoever fails the check.
    """
    root = target.split(".")[0] if target else None
    if root is not None and root not in LOADERS:
        raise ValueError(f"no loader for {root!r}: add it to riskreg.web.access.LOADERS")
    check = PolicyCheck(action, target, frozenset(methods) if methods else None, refuse_with)

    def declare(view: Callable) -> Callable:
        enforced = view if getattr(view, _ENFORCED_VIEW, False) else _enforcing(view)
        # Decorators apply bottom-up: put this check before those applied already, to keep reading order.
        setattr(enforced, POLICY_CHECK_ATTRIBUTE, (check, *getattr(enforced, POLICY_CHECK_ATTRIBUTE)))
        return enforced

    return declare
