"""Quarterly performance review packs (issue 19): a unit's pack for a quarter as a page and a PDF, and the
actions its reviews agree, carried until their exit criterion is met."""

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from riskreg import policy
from riskreg.clock import today, utcnow
from riskreg.pdf.render import render_pdf
from riskreg.policy import Action
from riskreg.rules import measures as measure_rules
from riskreg.services import users
from riskreg.services.measures import catalogue, qpr
from riskreg.web.access import requires, signed_in
from riskreg.web.forms import form_refusals, render_form
from riskreg.web.qpr.forms import AgreeActionForm, CiteEvidenceForm, CloseActionForm

bp = Blueprint("qpr", __name__)


@bp.app_template_global("quarter_label")
def quarter_label(day) -> str:
    return measure_rules.quarter_of(day).short_label


def _quarter(slug: str) -> measure_rules.Quarter:
    quarter = measure_rules.parse_quarter(slug)
    if quarter is None or not qpr.has_quarter_started(quarter, today()):
        abort(404)
    return quarter


def pack_pdf(unit, quarter) -> bytes:
    """The pack printed, in the request for now: the one function a job queue would run instead."""
    pack = qpr.build_pack(unit, quarter, today())
    return render_pdf("pdf/qpr_pack.html", pack=pack, generated_at=utcnow(), today=today())


@bp.route("/registers/<code>/qpr")
@signed_in
@requires(Action.READ_QPR, "register.unit")
def latest(register):
    quarter = measure_rules.review_quarter(today())
    return redirect(url_for("qpr.show", code=register.unit.code, quarter=quarter.slug))


@bp.route("/registers/<code>/qpr/<quarter>")
@signed_in
@requires(Action.READ_QPR, "register.unit")
def show(register, quarter: str):
    chosen = _quarter(quarter)
    pack = qpr.build_pack(register.unit, chosen, today())
    following = chosen.next()
    return render_template(
        "qpr/show.html",
        register=register,
        pack=pack,
        previous=chosen.previous(),
        following=following if qpr.has_quarter_started(following, today()) else None,
        can_manage=policy.can(current_user, Action.MANAGE_QPR_ACTIONS, register.unit),
        can_cite=policy.can(current_user, Action.EDIT_REGISTER, register),
        today=today(),
    )


@bp.route("/registers/<code>/qpr/<quarter>/pack.pdf")
@signed_in
@requires(Action.READ_QPR, "register.unit")
def pdf(register, quarter: str):
    chosen = _quarter(quarter)
    response = make_response(pack_pdf(register.unit, chosen))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="qpr-{register.unit.code.lower()}-{chosen.slug}.pdf"'
    )
    return response


@bp.route("/registers/<code>/qpr/<quarter>/actions/new", methods=["GET", "POST"])
@signed_in
@requires(Action.MANAGE_QPR_ACTIONS, "register.unit")
def new_action(register, quarter: str):
    chosen = _quarter(quarter)
    form = AgreeActionForm()
    form.set_choices(users.owner_candidates(register.unit), catalogue.risk_choices(register.unit))
    context = {"register": register, "quarter": chosen}
    if form.validate_on_submit():
        owners = {str(user.id): user for user in users.owner_candidates(register.unit)}
        risks = {str(risk.id): risk for risk in catalogue.risk_choices(register.unit)}
        values = {
            "title": form.title.data.strip(),
            "owner": owners[form.owner_id.data],
            "due_on": form.due_on.data,
            "exit_criterion": form.exit_criterion.data.strip(),
            "risk": risks.get(form.risk_id.data or ""),
        }
        with form_refusals("qpr/action.html", form, at_field=True, **context):
            qpr.agree_action(register.unit, chosen, values, current_user, today())
        flash("Action recorded: it is carried to every later pack until it is closed")
        return redirect(url_for("qpr.show", code=register.unit.code, quarter=chosen.slug, _anchor="actions"))
    return render_form("qpr/action.html", form, **context)


@bp.route("/qpr-actions/<int:qpr_action_id>/close", methods=["GET", "POST"])
@signed_in
@requires(Action.MANAGE_QPR_ACTIONS, "qpr_action")
def close_action(qpr_action):
    form = CloseActionForm(data={"version": str(qpr_action.version), "closed_on": today()})
    context = {"action": qpr_action}
    if form.validate_on_submit():
        with form_refusals("qpr/close.html", form, at_field=True, **context):
            qpr.close_action(
                qpr_action, form.note.data, form.closed_on.data, form.expected_version, current_user, today()
            )
        flash(f"“{qpr_action.title}” closed")
        quarter = measure_rules.quarter_of(qpr_action.closed_on)
        return redirect(url_for("qpr.show", code=qpr_action.unit.code, quarter=quarter.slug, _anchor="actions"))
    return render_form("qpr/close.html", form, **context)


@bp.route("/risks/<ref>/reviews/<int:review_id>/evidence", methods=["GET", "POST"])
@signed_in
@requires(Action.EDIT_REGISTER, "risk")
def cite_evidence(risk, review_id: int):
    """A review's explanation that blames a partner cites its evidence: a measure, or a document."""
    review = qpr.get_review(risk, review_id)
    unit = risk.register.unit
    measures = catalogue.measures_of(unit)
    form = CiteEvidenceForm()
    form.set_measures(measures)
    context = {"risk": risk, "review": review}
    if form.validate_on_submit():
        chosen = {str(measure.id): measure for measure in measures}.get(form.measure_id.data or "")
        with form_refusals("qpr/evidence.html", form, **context):
            qpr.cite_evidence(
                review, chosen, form.document_title.data or "", form.document_reference.data or "", current_user
            )
        flash("Evidence cited for the explanation")
        quarter = measure_rules.quarter_of(review.reviewed_on)
        return redirect(url_for("qpr.show", code=unit.code, quarter=quarter.slug, _anchor="explanations"))
    return render_form("qpr/evidence.html", form, **context)
