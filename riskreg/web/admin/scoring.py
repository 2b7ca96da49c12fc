"""The organisation's risk appetite per category (and each unit's own, over it) and review cadence per band."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from riskreg.enums import AppetiteLevel, Band
from riskreg.policy import Action
from riskreg.rules.scoring import appetite_of
from riskreg.services import registers, vocabulary
from riskreg.services.administration import scoring, units
from riskreg.web.access import requires, signed_in
from riskreg.web.admin import bp
from riskreg.web.admin.forms import appetite_form, cadence_form, unit_appetite_form
from riskreg.web.forms import form_refusals, render_form


@bp.route("/appetite")
@signed_in
@requires(Action.ADMINISTER)
def appetite():
    if request.args.get("unit"):  # the unit chooser (a GET form)
        return redirect(url_for("admin.unit_appetite", code=units.get_unit(request.args["unit"]).code))
    rules = registers.rules()
    # A category an administrator added without choosing its appetite is judged by the least (rules.scoring).
    categories = [(term, appetite_of(term.code, rules)) for term in vocabulary.categories().entries]
    return render_template(
        "admin/appetite.html",
        rules=rules,
        categories=categories,
        bands=list(Band),
        units=units.active_units(),
        with_own=scoring.units_with_appetite(),
    )


@bp.route("/appetite/units/<code>")
@signed_in
@requires(Action.ADMINISTER)
def unit_appetite(code: str):
    unit = units.get_unit(code)
    return render_template(
        "admin/unit_appetite.html", unit=unit, rows=scoring.unit_appetite(unit), tolerance=registers.rules().tolerance
    )


@bp.route("/appetite/units/<code>/edit", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def edit_unit_appetite(code: str):
    unit = units.get_unit(code)
    rows = scoring.unit_appetite(unit)
    form = unit_appetite_form(rows, registers.rules().tolerance)
    if form.validate_on_submit():
        # An empty choice clears the unit's own appetite: it inherits again.
        own = {
            row.category.code: AppetiteLevel(value) if (value := form[row.category.code].data) else None for row in rows
        }
        with form_refusals("admin/unit_appetite_form.html", form, unit=unit, rows=rows):
            scoring.set_unit_appetite(unit, own, current_user)
        flash(f"Risk appetite of {unit.name} saved")
        return redirect(url_for("admin.unit_appetite", code=unit.code))
    return render_form("admin/unit_appetite_form.html", form, unit=unit, rows=rows)


@bp.route("/appetite/edit", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def edit_appetite():
    rules = registers.rules()
    # Every category, retired ones too: the risks that keep one are still judged against its appetite.
    categories = vocabulary.categories().entries
    form = appetite_form(categories, rules)
    if form.validate_on_submit():
        levels = {category.code: AppetiteLevel(form[category.code].data) for category in categories}
        with form_refusals("admin/appetite_form.html", form, categories=categories):
            scoring.set_appetite(levels, current_user)
        flash("Risk appetite saved")
        return redirect(url_for("admin.appetite"))
    return render_form("admin/appetite_form.html", form, categories=categories)


@bp.route("/cadence/edit", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def edit_cadence():
    form = cadence_form(registers.rules().review_days)
    if form.validate_on_submit():
        days = {band: form[band.value].data for band in Band}
        with form_refusals("admin/cadence_form.html", form, at_field=True, bands=list(Band)):
            scoring.set_cadence(days, current_user)
        flash("Review cadence saved")
        return redirect(url_for("admin.appetite"))
    return render_form("admin/cadence_form.html", form, bands=list(Band))
