"""The JSON API at /api/v1: token authentication, the pages' permission policy, JSON errors, OpenAPI 3.1."""

from flask import Blueprint

from riskreg.extensions import csrf
from riskreg.web.api.auth import authenticate_request
from riskreg.web.api.errors import register_handlers
from riskreg.web.api.openapi import API_PREFIX

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)
# Requests carry a bearer token, never the session cookie, so there is no cross-site request to forge.
csrf.exempt(bp)
bp.before_request(authenticate_request)
register_handlers(bp)

from riskreg.web.api import measures, recommendations, registers, risks  # noqa: E402, F401 - the routes, registered on bp
