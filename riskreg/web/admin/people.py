"""People: the list, inviting someone, their page, their roles, deactivating and reactivating them."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from riskreg.config import settings
from riskreg.enums import Role
from riskreg.policy import Action
from riskreg.services.administration import people, units
from riskreg.web.access import requires, signed_in
from riskreg.web.admin import bp
from riskreg.web.admin.forms import InviteForm, RoleForm, set_unit_choices
from riskreg.web.forms import ConfirmForm, form_refusals, page_asked, render_form


def _invitation_link(secret: str) -> str:
    base = settings().base_url
    path = url_for("auth.accept_invitation", secret=secret)
    return f"{base.rstrip('/')}{path}" if base else url_for("auth.accept_invitation", secret=secret, _external=True)


def _sent(user, secret: str, status: int):
    """Send the link; when the mail cannot go, show it to the administrator once, to pass on themselves."""
    link = _invitation_link(secret)
    if people.send_invitation(user, link, current_app.config):
        flash(f"Invitation sent to {user.email}")
        return redirect(url_for("admin.user", user_id=user.id))
    current_app.logger.error("invitation e-mail to user %s could not be sent", user.id)
    return render_template("admin/invitation_not_sent.html", person=user, link=link), status


@bp.route("/users")
@signed_in
@requires(Action.ADMINISTER)
def users_index():
    page = people.list_users(page_asked(), settings().page_size)
    return render_template("admin/users.html", page=page)


@bp.route("/users/invite", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        with form_refusals("admin/invite.html", form, at_field=True):
            user, secret = people.invite(form.email.data, form.name.data, current_user)
        return _sent(user, secret, 201)
    return render_form("admin/invite.html", form)


@bp.route("/users/<int:user_id>")
@signed_in
@requires(Action.ADMINISTER)
def user(user_id: int):
    return render_template("admin/user.html", person=people.get_user(user_id))


@bp.route("/users/<int:user_id>/reinvite", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def reinvite(user_id: int):
    person = people.get_user(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        with form_refusals("admin/confirm.html", form, person=person, action="reinvite"):
            secret = people.reinvite(person, current_user)
        return _sent(person, secret, 200)
    return render_form("admin/confirm.html", form, person=person, action="reinvite")


@bp.route("/users/<int:user_id>/roles/new", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def new_role(user_id: int):
    person = people.get_user(user_id)
    targets = units.active_units()
    form = RoleForm()
    set_unit_choices(form.unit, targets)
    if form.validate_on_submit():
        role = Role(form.role.data)
        unit = next(unit for unit in targets if unit.code == form.unit.data)
        with form_refusals("admin/role_form.html", form, at_field=True, person=person):
            people.add_role(person, role, unit, current_user)
        flash(f"{person.name} is now {role.label.lower()} at {unit.name}")
        return redirect(url_for("admin.user", user_id=person.id))
    return render_form("admin/role_form.html", form, person=person)


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def deactivate(user_id: int):
    return _confirmed(user_id, "deactivate", people.deactivate, "{name} is deactivated: they can no longer sign in")


@bp.route("/users/<int:user_id>/reactivate", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def reactivate(user_id: int):
    return _confirmed(user_id, "reactivate", people.reactivate, "{name} is active again")


def _confirmed(user_id: int, action: str, change, done: str):
    person = people.get_user(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        with form_refusals("admin/confirm.html", form, person=person, action=action):
            change(person, current_user)
        flash(done.format(name=person.name))
        return redirect(url_for("admin.user", user_id=person.id))
    return render_form("admin/confirm.html", form, person=person, action=action)


# Removals last: the access sweep requests routes in order of definition, and a removal ends what follows.
@bp.route("/users/<int:user_id>/roles/<int:assignment_id>/remove", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def remove_role(user_id: int, assignment_id: int):
    person = people.get_user(user_id)
    assignment = people.get_assignment(person, assignment_id)
    form = ConfirmForm()
    context = {"person": person, "action": "remove_role", "assignment": assignment}
    if form.validate_on_submit():
        role, unit = assignment.role, assignment.unit
        with form_refusals("admin/confirm.html", form, **context):
            people.remove_role(assignment, current_user)
        flash(f"{person.name} is no longer {role.label.lower()} at {unit.name}")
        return redirect(url_for("admin.user", user_id=person.id))
    return render_form("admin/confirm.html", form, **context)
