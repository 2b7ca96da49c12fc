"""Every route declares who may reach it; a test fails when one does not.

``public`` routes need no sign-in. ``signed_in`` routes need a member of the
organisation; what they may do with a particular register or risk is asked of
riskreg.policy inside the route, once the object is loaded.

``checks`` declares, next to ``signed_in``, which policy question the route asks
and about which object. The access-control sweep (tests/web/test_access_sweep.py)
reads these declarations, derives every role's expected answer from
riskreg.policy and compares it with what the route really answers; a signed-in
route without a declaration fails it. See docs/security.md, "Adding a route".
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask_login import login_required

from riskreg.policy import Action

ACCESS_ATTRIBUTE = "access_rule"
POLICY_CHECK_ATTRIBUTE = "policy_check"


def public(view: Callable) -> Callable:
    setattr(view, ACCESS_ATTRIBUTE, "public")
    return view


def signed_in(view: Callable) -> Callable:
    wrapped = wraps(view)(login_required(view))
    setattr(wrapped, ACCESS_ATTRIBUTE, "signed_in")
    return wrapped


@dataclass(frozen=True)
class PolicyCheck:
    """``policy.authorize(user, action, <target>)`` for requests with one of ``methods`` (None: all)."""

    action: Action | None
    target: str | None = None
    methods: frozenset[str] | None = None
    refuse_with: int | None = None  # a route that answers a refusal with this status rather than authorize's


def checks(
    action: Action | None, target: str | None = None, methods: set[str] | None = None, refuse_with: int | None = None
) -> Callable[[Callable], Callable]:
    """Declare a policy check a signed-in route makes before it does anything; put it under ``@signed_in``.

    ``@checks(Action.EDIT_REGISTER, target="risk")``: the route authorizes that action on the risk named
    in its URL. ``target`` names the object as the access sweep's scenarios know it, as an attribute path
    ("risk", "register", "link.from_risk"). ``@checks(None)``: any signed-in member may use it (home,
    sign out). A route that checks several things in turn stacks one ``@checks`` per check, in the order
    the route makes them; ``methods`` limits a check to some methods (a POST that needs more than a GET);
    ``refuse_with=404`` says the route hides the object from whoever fails the check (``policy.authorize``
    answers 404 only for risks).
    The declaration does not replace the route's own ``policy.authorize`` calls: it states what they are,
    so the sweep can tell when the two disagree.
    """

    def declare(view: Callable) -> Callable:
        # Decorators apply bottom-up: put this one before those applied already, to keep reading order.
        earlier = getattr(view, POLICY_CHECK_ATTRIBUTE, ())
        check = PolicyCheck(action, target, frozenset(methods) if methods else None, refuse_with)
        setattr(view, POLICY_CHECK_ATTRIBUTE, (check, *earlier))
        return view

    return declare
