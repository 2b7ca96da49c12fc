"""Single sign-on with OpenID Connect (issue 17), through Authlib: any standard provider (Microsoft Entra ID,
Google, Keycloak, ...). The provider says who the person is; riskreg matches them to a riskreg user by e-mail
address, and their roles stay in riskreg. Someone with no riskreg account, or a deactivated one, is refused
with a page that says so. See docs/single-sign-on.md.
"""

from flask import current_app, redirect, render_template, request, session, url_for

from riskreg.config import settings
from riskreg.services import users
from riskreg.web.access import public
from riskreg.web.auth import bp, finish_sign_in

_EXTENSION = "riskreg_oidc"


def enabled() -> bool:
    return bool(current_app.config.get("RISKREG_OIDC_ISSUER"))


def local_passwords() -> bool:
    return settings().local_passwords


def passwords_off():
    """The answer to every password page (reset, invitation) where riskreg passwords are switched off."""
    body = "riskreg passwords are switched off here: sign in with single sign-on."
    return render_template("auth/sso_refused.html", heading="Passwords are not used here", body=body), 404


def _client():
    """The provider's client, registered on first use from the app's settings (discovery fetched by Authlib)."""
    oauth = current_app.extensions.get(_EXTENSION)
    if oauth is None:
        from authlib.integrations.flask_client import OAuth  # on first use: Authlib loads cryptography

        config = current_app.config
        oauth = OAuth(current_app)
        oauth.register(
            "oidc",
            client_id=config["RISKREG_OIDC_CLIENT_ID"],
            client_secret=config["RISKREG_OIDC_CLIENT_SECRET"],
            server_metadata_url=config["RISKREG_OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
        )
        current_app.extensions[_EXTENSION] = oauth
    return oauth.oidc


def _provider_errors() -> tuple[type[Exception], ...]:
    """What a provider's unreachable or unexpected answer raises (imported on first use, as Authlib is)."""
    from authlib.common.errors import AuthlibBaseError
    from requests.exceptions import RequestException

    return (AuthlibBaseError, RequestException, ValueError, KeyError)


def _callback_url() -> str:
    base = settings().base_url
    path = url_for("auth.sso_callback")
    return f"{base.rstrip('/')}{path}" if base else url_for("auth.sso_callback", _external=True)


def _refused(heading: str, body: str, status: int):
    current_app.logger.warning("single sign-on refused: %s", heading)
    return render_template("auth/sso_refused.html", heading=heading, body=body), status


@bp.route("/sign-in/sso")
@public
def sso_start():
    if not enabled():
        return redirect(url_for("auth.sign_in"))  # nothing to sign in with: the ordinary sign-in page
    next_path = request.args.get("next")
    try:
        to_provider = _client().authorize_redirect(_callback_url())
    except _provider_errors():
        return _refused("Single sign-on is not available", "riskreg could not reach the sign-in service.", 503)
    session["sso_next"] = next_path
    return to_provider


def _claims(client, token: dict) -> dict:
    """The person's claims: from the ID token when it has the e-mail address, else from the userinfo endpoint."""
    claims = dict(token.get("userinfo") or {})
    if not claims.get("email"):
        claims.update(client.userinfo(token=token))
    return claims


@bp.route("/sign-in/sso/callback")
@public
def sso_callback():
    if not enabled():
        return redirect(url_for("auth.sign_in"))
    client = _client()
    try:
        claims = _claims(client, client.authorize_access_token())  # checks the state, nonce and ID token
    except _provider_errors():
        return _refused("Sign-in did not finish", "The sign-in service's answer could not be checked.", 400)
    email = str(claims.get("email") or "")
    if not email or claims.get("email_verified") is False:
        return _refused(
            "No verified e-mail address", "The sign-in service did not give a verified e-mail address.", 403
        )
    user = users.get_by_email(email)
    if user is None:
        body = f"There is no riskreg account for {email}. Ask your administrator to invite you."
        return _refused("You do not have a riskreg account", body, 403)
    if not user.is_active:
        return _refused("Your riskreg account is deactivated", "Ask your administrator to reactivate it.", 403)
    return finish_sign_in(user, session.pop("sso_next", None), method="oidc")
