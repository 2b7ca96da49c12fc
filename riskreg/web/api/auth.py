"""Who is calling: a personal access token in the Authorization header, and nothing else.

The session cookie is never consulted, so a page open in a browser cannot be
turned into an API call (no CSRF), and an API client needs no session.
"""

from flask import current_app, g, request

from riskreg.config import settings
from riskreg.services import tokens


def authenticate_request() -> None:
    """Before every API request: make the token's user Flask-Login's current_user, or an anonymous user."""
    request.max_content_length = settings().api_max_body_bytes
    g.api_token = None
    g.api_token_sent = False
    # Flask-Login reads the user from here; setting it first stops it loading one from the session cookie.
    g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
    scheme, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        g.api_auth_problem = "Send a personal access token in the Authorization header: Bearer <token>"
        return
    g.api_token_sent = True
    check = tokens.authenticate(secret)
    if check.token is None:
        g.api_auth_problem = check.problem
        return
    g.api_token = check.token
    g._login_user = check.token.user
