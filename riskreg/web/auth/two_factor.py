"""The second factor (TOTP) at sign-in, and enrolling in it from the account page (issue 17)."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired

from riskreg.clock import utcnow
from riskreg.extensions import limiter
from riskreg.services import two_factor
from riskreg.web.access import public, requires, signed_in
from riskreg.web.auth import bp, finish_sign_in
from riskreg.web.forms import form_refusals, render_form

PENDING_FOR_SECONDS = 5 * 60  # between a right password and its code
# Pages a person who must enrol may still reach before they have: enrolling itself, and signing out.
BEFORE_ENROLMENT = {"auth.enrol_two_factor", "auth.sign_out", "static"}


class CodeForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[InputRequired("Enter the code from your authenticator app")],
        widget=GovTextInput(),
        description="The 6-digit code your authenticator app shows now, or one of your recovery codes",
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


def _pending_user():
    pending = session.get("pending_sign_in")
    if not pending or utcnow().timestamp() - pending["at"] > PENDING_FOR_SECONDS:
        return None
    return two_factor.awaiting_code(pending["user_id"], pending["token"])


def _pending_key() -> str:
    return f"account:sign-in-code:{(session.get('pending_sign_in') or {}).get('user_id')}"


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RISKREG_SIGNIN_LIMIT_PER_ACCOUNT"],
    key_func=_pending_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
    scope="sign-in-code",
)
@public
def sign_in_code():
    user = _pending_user()
    if user is None:
        session.pop("pending_sign_in", None)
        return redirect(url_for("auth.sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        if two_factor.verify(user, form.code.data):
            return finish_sign_in(user, session["pending_sign_in"].get("next"))
        form.code.errors.append(two_factor.WRONG_CODE)
    return render_form("auth/sign_in_code.html", form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@signed_in
@requires(None)
def enrol_two_factor():
    """A new secret is kept in the session until the app shows a right code for it; then the recovery codes."""
    if request.method == "GET" or "totp_enrolling" not in session:
        session["totp_enrolling"] = two_factor.new_secret()
    secret = session["totp_enrolling"]
    uri = two_factor.provisioning_uri(current_user, secret)
    context = {"secret": secret, "qr": two_factor.qr_svg(uri), "required": two_factor.is_required(current_user)}
    form = CodeForm()
    if form.validate_on_submit():
        with form_refusals("auth/enrol_two_factor.html", form, at_field=True, **context):
            codes = two_factor.enrol(current_user, secret, form.code.data)
        session.pop("totp_enrolling", None)
        return render_template("auth/recovery_codes.html", codes=codes)
    return render_form("auth/enrol_two_factor.html", form, **context)


def enrolment_required():
    """Before every request: someone whose role requires a second factor enrols before doing anything else."""
    if request.endpoint in BEFORE_ENROLMENT or not current_user.is_authenticated or "_user_id" not in session:
        return None
    if current_user.totp_secret or not two_factor.is_required(current_user):
        return None
    flash("Your role needs a second factor at sign-in: set up an authenticator app to continue")
    return redirect(url_for("auth.enrol_two_factor"))
