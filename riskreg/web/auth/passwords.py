"""A forgotten password: ask for a link by e-mail, then choose a new password with it (issue 17)."""

from flask import current_app, flash, redirect, render_template, url_for

from riskreg.config import settings
from riskreg.extensions import limiter
from riskreg.services import ServiceError, accounts
from riskreg.web.access import public
from riskreg.web.account.forms import ForgotPasswordForm, ResetPasswordForm
from riskreg.web.auth import _account_key, bp, sso
from riskreg.web.forms import form_refusals, render_form


def _reset_link(secret: str) -> str:
    base = settings().base_url
    path = url_for("auth.reset_password", secret=secret)
    return f"{base.rstrip('/')}{path}" if base else url_for("auth.reset_password", secret=secret, _external=True)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RISKREG_RESET_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 200,
    scope="password-reset-account",
)
@public
def forgot_password():
    if not sso.local_passwords():
        return sso.passwords_off()
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        created = accounts.create_reset(form.email.data)
        if created is not None:
            user, secret = created
            if not accounts.send_reset(user, _reset_link(secret), current_app.config):
                current_app.logger.error("password reset e-mail to user %s could not be sent", user.id)
        # The same answer whether or not there is an account: the page does not tell who has one.
        return render_template("auth/reset_sent.html", email=form.email.data.strip())
    return render_form("auth/forgot_password.html", form)


@bp.route("/reset-password/<secret>", methods=["GET", "POST"])
@public
def reset_password(secret: str):
    if not sso.local_passwords():
        return sso.passwords_off()
    try:
        accounts.valid_reset(secret)
    except ServiceError as refusal:
        return render_template("auth/reset_expired.html", message=str(refusal))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with form_refusals("auth/reset_password.html", form, at_field=True):
            accounts.reset_password(secret, form.new_password.data)
        flash("Your password has been reset. Sign in with your new password")
        return redirect(url_for("auth.sign_in"))
    return render_form("auth/reset_password.html", form)
