"""Every route declares who may reach it; a test fails when one does not.

``public`` routes need no sign-in. ``signed_in`` routes need a member of the
organisation; what they may do with a particular register or risk is asked of
riskreg.policy inside the route, once the object is loaded. ``token_required``
routes (the JSON API) need a personal access token and never look at the
session cookie.
"""

from collections.abc import Callable
from functools import wraps

from flask import g
from flask_login import login_required
from werkzeug.exceptions import Unauthorized

ACCESS_ATTRIBUTE = "access_rule"


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
