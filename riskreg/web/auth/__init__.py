"""Signing in and out."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import Email, InputRequired

from riskreg.clock import utcnow
from riskreg.extensions import limiter
from riskreg.services import users
from riskreg.services.audit import trail as audit
from riskreg.web.access import public, requires, signed_in
from riskreg.web.forms import render_form, with_error
from riskreg.web.hooks import start_session

bp = Blueprint("auth", __name__)
PASSWORDS_OFF = "Sign in with single sign-on: riskreg passwords are switched off here"


class SignInForm(FlaskForm):
    email = StringField(
        "Email address",
        validators=[
            InputRequired("Enter your email address"),
            Email("Enter an email address in the correct format, like name@example.com"),
        ],
        widget=GovTextInput(),
    )
    password = PasswordField("Password", validators=[InputRequired("Enter your password")], widget=GovPasswordInput())
    submit = SubmitField("Sign in", widget=GovSubmitInput())


def safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect through ?next=."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("main.home")
    return target


def _account_key() -> str:
    # The account *from this address*: guesses lock the guesser out, not the account's owner at their own desk.
    # (request.remote_addr is the peer unless RISKREG_PROXY_HOPS trusts that many proxies' X-Forwarded-For.)
    return f"account:{users.normalise_email(request.form.get('email', ''))}|{_address_key()}"


def _address_key() -> str:
    return "address:" + (request.remote_addr or "unknown")


def _failed(response) -> bool:
    # A successful sign-in redirects; only failures count towards the limits.
    return response.status_code != 302


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RISKREG_SIGNIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="sign-in-account",
)
@limiter.limit(
    lambda: current_app.config["RISKREG_SIGNIN_LIMIT_PER_ADDRESS"],
    key_func=_address_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="sign-in-address",
)
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if request.method == "POST" and not sso.local_passwords():
        return _sign_in_page(with_error(form, PASSWORDS_OFF), 403)
    if form.validate_on_submit():
        user = users.authenticate(form.email.data, form.password.data)
        if user is not None:
            if user.totp_secret:
                return _ask_for_code(user, request.args.get("next"))
            return finish_sign_in(user, request.args.get("next"))
        form.email.errors.append("Enter a correct email address and password")
    return _sign_in_page(form)


def finish_sign_in(user, next_path: str | None, method: str = "password"):
    # A fresh session at sign-in: nothing from before it (fixation) survives.
    session.clear()
    login_user(user)
    start_session()
    audit.record(user, "user.signed_in", "user", user.id, {} if method == "password" else {"method": method})
    return redirect(safe_next(next_path))


def _sign_in_page(form, status: int | None = None):
    context = {"sso": sso.enabled(), "sso_name": current_app.config["RISKREG_OIDC_NAME"]}
    context["passwords"] = sso.local_passwords()
    if status is not None:
        return render_template("auth/sign_in.html", form=form, **context), status
    return render_form("auth/sign_in.html", form, **context)


def _ask_for_code(user, next_path: str | None):
    """The password was right; the second factor is asked for next (riskreg.web.auth.two_factor)."""
    session.clear()
    session["pending_sign_in"] = {
        "user_id": user.id,
        "token": user.session_token,
        "next": next_path,
        "at": utcnow().timestamp(),
    }
    return redirect(url_for("auth.sign_in_code"))


@bp.app_errorhandler(429)
def too_many_attempts(error):
    # Flask-Limiter refuses before the view runs, so this is an app-wide handler.
    if request.endpoint != "auth.sign_in":
        return render_template("errors/error.html", heading="Too many requests", body="Wait, then try again."), 429
    form = SignInForm()
    message = "Too many failed sign-in attempts. Wait 15 minutes, then try again."
    form.email.errors = [message]
    return _sign_in_page(form, 429)


@bp.route("/sign-out", methods=["POST"])
@signed_in
@requires(None)
def sign_out():
    user = current_user._get_current_object()
    users.end_all_sessions(user)
    audit.record(user, "user.signed_out", "user", user.id, {})
    logout_user()
    session.clear()
    flash("You have been signed out.")
    return redirect(url_for("auth.sign_in"))


from riskreg.web.auth import invitation, passwords, sso, two_factor  # noqa: E402, F401 - register their routes on bp
