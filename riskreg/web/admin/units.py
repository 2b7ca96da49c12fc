"""The unit tree: add a unit (with its register), rename it and its register, move it, retire it."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from riskreg.enums import UnitKind
from riskreg.policy import Action
from riskreg.services.administration import units
from riskreg.web.access import requires, signed_in
from riskreg.web.admin import bp
from riskreg.web.admin.forms import MoveForm, RenameForm, UnitForm, set_unit_choices
from riskreg.web.forms import ConfirmForm, form_refusals, render_form


@bp.route("/units")
@signed_in
@requires(Action.ADMINISTER)
def units_index():
    return render_template("admin/units.html", rows=units.tree())


@bp.route("/units/new", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def new_unit():
    form = UnitForm()
    parents = units.active_units()
    set_unit_choices(form.parent, parents)
    if form.validate_on_submit():
        parent = next(unit for unit in parents if unit.code == form.parent.data)
        with form_refusals("admin/unit_form.html", form, at_field=True):
            unit = units.add_unit(
                form.code.data,
                form.name.data,
                UnitKind(form.kind.data),
                parent,
                form.register_title.data,
                current_user,
            )
        flash(f"{unit.name} ({unit.code}) added, with its register")
        return redirect(url_for("admin.units_index"))
    return render_form("admin/unit_form.html", form)


@bp.route("/units/<code>/edit", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def edit_unit(code: str):
    unit = units.get_unit(code)
    title = unit.register.title if unit.register else ""
    form = RenameForm(data={"name": unit.name, "register_title": title})
    if form.validate_on_submit():
        with form_refusals("admin/unit_rename.html", form, at_field=True, unit=unit):
            units.rename_unit(unit, form.name.data, form.register_title.data, current_user)
        flash(f"{unit.name} ({unit.code}) saved")
        return redirect(url_for("admin.units_index"))
    return render_form("admin/unit_rename.html", form, unit=unit)


@bp.route("/units/<code>/move", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def move_unit(code: str):
    unit = units.get_unit(code)
    # Offered: every active unit outside this one's subtree. A crafted choice is still refused by the service.
    parents = [other for other in units.active_units() if not other.is_within(unit)]
    form = MoveForm()
    set_unit_choices(form.parent, parents)
    if form.validate_on_submit():
        parent = next(other for other in parents if other.code == form.parent.data)
        with form_refusals("admin/unit_move.html", form, at_field=True, unit=unit):
            units.move_unit(unit, parent, current_user)
        flash(f"{unit.name} moved under {parent.name}")
        return redirect(url_for("admin.units_index"))
    return render_form("admin/unit_move.html", form, unit=unit)


@bp.route("/units/<code>/retire", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def retire_unit(code: str):
    unit = units.get_unit(code)
    form = ConfirmForm()
    problem = units.retirement_problem(unit)
    if form.validate_on_submit():
        with form_refusals("admin/unit_retire.html", form, unit=unit, problem=problem):
            units.retire_unit(unit, current_user)
        flash(f"{unit.name} ({unit.code}) retired")
        return redirect(url_for("admin.units_index"))
    return render_form("admin/unit_retire.html", form, unit=unit, problem=problem)
