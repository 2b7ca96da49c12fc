"""Accepting an invitation (issue 17): the one-time link an administrator's invitation sent, to choose a password."""

from flask import flash, redirect, render_template, url_for

from riskreg.services import ServiceError, accounts
from riskreg.services.administration import people
from riskreg.web.access import public
from riskreg.web.account.forms import ResetPasswordForm
from riskreg.web.auth import bp, sso
from riskreg.web.forms import form_refusals, render_form

INVITATION_INVALID = (
    "This invitation has expired or has already been used. Ask your administrator for a new one, or ask for a "
    "link to reset your password"
)


@bp.route("/invitation/<secret>", methods=["GET", "POST"])
@public
def accept_invitation(secret: str):
    if not sso.local_passwords():
        return sso.passwords_off()
    try:
        person = accounts.valid_reset(secret).user
    except ServiceError:
        return render_template("auth/reset_expired.html", message=INVITATION_INVALID)
    form = ResetPasswordForm()
    form.submit.label.text = "Create account"
    form.new_password.label.text = "Choose a password"
    if form.validate_on_submit():
        with form_refusals("auth/accept_invitation.html", form, at_field=True, person=person):
            people.accept_invitation(secret, form.new_password.data)
        flash("Your account is ready. Sign in with your email address and new password")
        return redirect(url_for("auth.sign_in"))
    return render_form("auth/accept_invitation.html", form, person=person)
