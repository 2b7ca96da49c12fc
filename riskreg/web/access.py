"""Every route declares who may reach it; a test fails when one does not.

``public`` routes need no sign-in. ``signed_in`` routes need a member of the
organisation; what they may do with a particular register or risk is asked of
riskreg.policy inside the route, once the object is loaded.
"""

from collections.abc import Callable
from functools import wraps

from flask_login import login_required

ACCESS_ATTRIBUTE = "access_rule"


def public(view: Callable) -> Callable:
    setattr(view, ACCESS_ATTRIBUTE, "public")
    return view


def signed_in(view: Callable) -> Callable:
    wrapped = wraps(view)(login_required(view))
    setattr(wrapped, ACCESS_ATTRIBUTE, "signed_in")
    return wrapped
