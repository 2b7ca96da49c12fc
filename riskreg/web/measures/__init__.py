"""Measures (key risk indicators): a unit's measures, one measure's trend, defining measures, recording values
by hand and from a spreadsheet, and downloading them (issue 19)."""

import tempfile

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from riskreg import policy
from riskreg.clock import today
from riskreg.importing.errors import ImportRefused
from riskreg.policy import Action
from riskreg.rules import measures as measure_rules
from riskreg.services.measures import catalogue, transfer, trends
from riskreg.web.access import requires, signed_in
from riskreg.web.forms import form_refusals, render_form, with_error
from riskreg.web.measures.forms import ImportValuesForm, MeasureForm, ValueForm, measure_form_data

bp = Blueprint("measures", __name__)
STALE = "This measure was changed by someone else while you were editing it. Check it as it is now, then try again."


@bp.app_template_global("risk_measures")
def risk_measures(risk) -> list[trends.Trend]:
    """The trends of the measures informing a risk, for its page (templates/risks/_measures.html)."""
    return [trends.trend(measure) for measure in catalogue.informing(risk)]


@bp.route("/registers/<code>/measures")
@signed_in
@requires(Action.READ_REGISTER, "register")
def index(register):
    unit = register.unit
    measures = catalogue.measures_of(unit)
    return render_template(
        "measures/index.html",
        register=register,
        trends=[trends.trend(measure) for measure in measures],
        informs={measure.id: [risk.ref for risk in readable(measure.risks)] for measure in measures},
        can_manage=policy.can(current_user, Action.MANAGE_MEASURES, unit),
    )


def readable(risks) -> list:
    """The risks the reader may see: a measure informing a restricted risk does not reveal it."""
    return [risk for risk in risks if policy.can(current_user, Action.READ_RISK, risk)]


@bp.route("/registers/<code>/measures/new", methods=["GET", "POST"])
@signed_in
@requires(Action.MANAGE_MEASURES, "register.unit")
def new(register):
    form = MeasureForm(data={"version": "1"})
    form.set_risks(catalogue.risk_choices(register.unit))
    context = {"register": register, "measure": None}
    if form.validate_on_submit():
        with form_refusals("measures/form.html", form, at_field=True, **context):
            measure = catalogue.create_measure(register.unit, form.values(), form.chosen_risks, current_user)
        flash(f"Measure “{measure.name}” added")
        return redirect(url_for("measures.show", measure_id=measure.id))
    return render_form("measures/form.html", form, **context)


@bp.route("/measures/<int:measure_id>")
@signed_in
@requires(Action.READ_REGISTER, "measure.unit.register")
def show(measure):
    return render_template(
        "measures/show.html",
        measure=measure,
        trend=trends.trend(measure),
        risks=readable(measure.risks),
        can_manage=policy.can(current_user, Action.MANAGE_MEASURES, measure),
    )


@bp.route("/measures/<int:measure_id>/edit", methods=["GET", "POST"])
@signed_in
@requires(Action.MANAGE_MEASURES, "measure")
def edit(measure):
    form = MeasureForm(data=measure_form_data(measure))
    form.set_risks(catalogue.risk_choices(measure.unit))
    context = {"register": measure.unit.register, "measure": measure}
    if form.validate_on_submit():
        with form_refusals("measures/form.html", form, at_field=True, stale=STALE, **context):
            catalogue.update_measure(measure, form.values(), form.chosen_risks, form.expected_version, current_user)
        flash("Measure saved")
        return redirect(url_for("measures.show", measure_id=measure.id))
    return render_form("measures/form.html", form, **context)


def _periods(measure) -> list[tuple[str, str]]:
    latest = measure_rules.period_start(today(), measure.frequency)
    count = trends.PERIODS[measure.frequency.value]
    starts = measure_rules.periods_back(latest, measure.frequency, count)[::-1]
    return [(start.isoformat(), measure.period_label(start)) for start in starts]


@bp.route("/measures/<int:measure_id>/values/new", methods=["GET", "POST"])
@signed_in
@requires(Action.MANAGE_MEASURES, "measure")
def new_value(measure):
    form = ValueForm()
    form.set_periods(_periods(measure))
    context = {"measure": measure}
    if form.validate_on_submit():
        item = catalogue.ValueInput(
            catalogue.read_period(form.period.data, measure.frequency),
            form.value.number,
            (form.note.data or "").strip(),
        )
        with form_refusals("measures/value.html", form, **context):
            value = catalogue.record_value(measure, item, current_user, today())
        rating = value.rating
        message = f"{value.period_label}: {measure_rules.number_text(value.value)} saved ({rating.label.lower()})"
        if rating.value == "red" and measure.risks:
            message += f". {', '.join(risk.ref for risk in measure.risks)} flagged for review"
        flash(message)
        return redirect(url_for("measures.show", measure_id=measure.id))
    return render_form("measures/value.html", form, **context)


@bp.route("/registers/<code>/measures/import", methods=["GET", "POST"])
@signed_in
@requires(Action.MANAGE_MEASURES, "register.unit")
def import_values(register):
    form = ImportValuesForm()
    context = {"register": register, "problems": []}
    if form.validate_on_submit():
        upload = form.upload.data
        try:
            result = transfer.import_values(register.unit, upload.read(), upload.filename, current_user, today())
        except ImportRefused as refused:
            return render_form("measures/import.html", with_error(form, str(refused)), **context)
        if not result.ok:
            with_error(form, "Nothing was imported: correct the rows below and upload the file again")
            return render_template("measures/import.html", form=form, **{**context, "problems": result.problems}), 400
        flash(f"{result.recorded} values imported for {', '.join(result.measures)}")
        return redirect(url_for("measures.index", code=register.unit.code))
    return render_form("measures/import.html", form, **context)


@bp.route("/registers/<code>/measures/export.<fmt>")
@signed_in
@requires(Action.READ_REGISTER, "register")
def export(register, fmt: str):
    if fmt not in transfer.WRITERS:
        abort(404)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - send_file closes it
    transfer.WRITERS[fmt](register.unit, out)
    out.seek(0)
    response = send_file(
        out,
        mimetype=transfer.FORMATS[fmt],
        as_attachment=True,
        download_name=transfer.filename(register.unit, fmt),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
