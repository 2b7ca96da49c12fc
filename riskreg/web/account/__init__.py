"""The signed-in person's own page: who they are, their password, and their personal access tokens for the API."""

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_user

from riskreg.clock import today
from riskreg.rules import tokens as token_rules
from riskreg.services import accounts, tokens
from riskreg.web.access import requires, signed_in
from riskreg.web.account.forms import ChangePasswordForm, TokenForm
from riskreg.web.forms import ConfirmForm, form_refusals, render_form
from riskreg.web.hooks import start_session

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("")
@signed_in
@requires(None)
def show():
    return render_template("account/show.html", tokens=tokens.tokens_of(current_user), today=today())


@bp.route("/tokens/new", methods=["GET", "POST"])
@signed_in
@requires(None)
def new_token():
    form = TokenForm(data={"expires_on": token_rules.default_expiry(today())})
    if form.validate_on_submit():
        with form_refusals("account/new_token.html", form, at_field=True, latest=token_rules.latest_expiry(today())):
            token, secret = tokens.create_token(current_user, form.name.data, form.expires_on.data)
        # Shown in the response to the POST, not after a redirect: the secret is never stored, not even in
        # the (client-side) session, so this is the one time it can be shown.
        return render_template("account/token_created.html", token=token, secret=secret), 201
    return render_form("account/new_token.html", form, latest=token_rules.latest_expiry(today()))


@bp.route("/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@signed_in
@requires(None)  # and only the token's own user: see OWNED_BY in the access sweep
def revoke_token(token_id: int):
    token = tokens.token_of(current_user, token_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        with form_refusals("account/revoke_token.html", form, token=token):
            tokens.revoke_token(token, current_user)
        flash(f"Token “{token.name}” revoked: it no longer works")
        return redirect(url_for("account.show"))
    return render_form("account/revoke_token.html", form, token=token)


@bp.route("/password", methods=["GET", "POST"])
@signed_in
@requires(None)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        with form_refusals("account/password.html", form, at_field=True):
            accounts.change_password(user, form.current_password.data, form.new_password.data)
        # The change signed the user out everywhere (a new session token); this browser stays signed in.
        session.clear()
        login_user(user)
        start_session()
        flash("Your password has been changed. You have been signed out everywhere else")
        return redirect(url_for("account.show"))
    return render_form("account/password.html", form)
