"""The recommendations tracker (DESIGN capability 15): the list with its implementation rates, one recommendation,
recording and editing (HQ risk and internal audit), status changes and evidence of implementation (its owner)."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from riskreg import policy
from riskreg.clock import today
from riskreg.config import settings
from riskreg.enums import RecommendationSource, RecommendationStatus
from riskreg.policy import Action
from riskreg.services import ServiceError
from riskreg.services import recommendations as service
from riskreg.services.assurance import evidence as evidence_service
from riskreg.web.access import requires, signed_in
from riskreg.web.assurance.forms import EvidenceForm, upload_hint
from riskreg.web.forms import form_refusals, page_asked, render_form
from riskreg.web.recommendations.chart import Bar, percent_bars
from riskreg.web.recommendations.forms import STATUS_HINTS, RecommendationForm, StatusForm

bp = Blueprint("recommendations", __name__)


def _filters() -> service.Filters:
    source, status = request.args.get("source", ""), request.args.get("status", "")
    return service.Filters(
        source=RecommendationSource(source) if source in RecommendationSource._value2member_map_ else None,
        unit_code=(request.args.get("unit") or "").strip().upper()[:24] or None,
        status=RecommendationStatus(status) if status in RecommendationStatus._value2member_map_ else None,
        overdue=request.args.get("overdue") == "yes",
    )


def _charts(rates) -> list[dict]:
    """Each grouping's chart and the rows of the table beside it."""
    charts = []
    for key, heading in (("source", "By source"), ("unit", "By unit")):
        rows = rates[key]
        bars = [Bar(label, rate.percent) for label, rate in rows.items()]
        title = f"Implementation rate {heading.lower()}: implemented as a share of accepted recommendations"
        charts.append({"key": key, "heading": heading, "rows": rows, "svg": percent_bars(bars, title, f"rate-{key}")})
    return charts


@bp.route("/recommendations")
@signed_in
@requires(Action.READ_RECOMMENDATIONS)
def index():
    filters, as_of = _filters(), today()
    sort = request.args.get("sort", "due")
    sort = sort if sort in service.SORTS else "due"
    page = service.page_of(filters, sort, page_asked(), settings().page_size, as_of)
    return render_template(
        "recommendations/index.html",
        page=page,
        filters=filters,
        sort=sort,
        today=as_of,
        charts=_charts(service.rates()),
        sources=list(RecommendationSource),
        statuses=list(RecommendationStatus),
        units=service.units_with_recommendations(),
        may_manage=policy.can(current_user, Action.MANAGE_RECOMMENDATIONS),
    )


@bp.route("/recommendations/<int:recommendation_id>")
@signed_in
@requires(Action.READ_RECOMMENDATIONS, "recommendation")
def show(recommendation):
    return render_template(
        "recommendations/show.html",
        recommendation=recommendation,
        risks=[risk for risk in recommendation.risks if policy.can(current_user, Action.READ_RISK, risk)],
        hidden_risks=sum(1 for risk in recommendation.risks if not policy.can(current_user, Action.READ_RISK, risk)),
        today=today(),
        may_manage=policy.can(current_user, Action.MANAGE_RECOMMENDATIONS, recommendation),
        may_update=policy.can(current_user, Action.UPDATE_RECOMMENDATION, recommendation),
    )


def _linked_risks(form: RecommendationForm):
    """The risks the form names, each one the user may read (any other is "not found", never disclosed)."""
    refs = form.risk_refs()
    found = service.risks_by_refs(refs)
    for ref in refs:
        if ref not in found or not policy.can(current_user, Action.READ_RISK, found[ref]):
            raise ServiceError(f"There is no risk {ref}: enter references like LN-003", field="risks")
    return [found[ref] for ref in dict.fromkeys(refs)]


def _values(form: RecommendationForm, linked_risks) -> dict:
    chosen = {int(value) for value in form.countermeasures.data or []}
    owner = service.user_by_id(int(form.owner.data)) if (form.owner.data or "").isdigit() else None
    return {
        "source": RecommendationSource(form.source.data),
        "title": form.title.data,
        "body": form.body.data,
        "published_on": form.published_on.data,
        "paragraph": form.paragraph.data,
        "text": form.text.data,
        "unit": service.unit_by_code(form.unit.data),
        "owner": owner,
        "due_on": form.due_on.data,
        "risks": linked_risks,
        "countermeasures": [item for item in service.countermeasures_of(linked_risks) if item.id in chosen],
    }


def _form_context(form: RecommendationForm, recommendation=None) -> dict:
    risks = recommendation.risks if recommendation is not None else []
    form.set_choices(service.all_units(), service.candidate_owners(), service.countermeasures_of(risks))
    return {"recommendation": recommendation}


STALE = "Someone else changed this recommendation while you were editing it: reload the page to see their change"


def _save(form: RecommendationForm, context: dict, save):
    with form_refusals("recommendations/form.html", form, stale=STALE, at_field=True, **context):
        return save(_values(form, _linked_risks(form)))


@bp.route("/recommendations/new", methods=["GET", "POST"])
@signed_in
@requires(Action.MANAGE_RECOMMENDATIONS)
def new():
    form = RecommendationForm(data={"version": "1"})
    context = _form_context(form)
    if form.validate_on_submit():
        created = _save(form, context, lambda values: service.create_recommendation(values, current_user))
        flash(f"Recommendation {created.paragraph} recorded")
        return redirect(url_for("recommendations.show", recommendation_id=created.id))
    return render_form("recommendations/form.html", form, **context)


def _edit_data(recommendation) -> dict:
    report = recommendation.report
    return {
        "version": str(recommendation.version),
        "source": report.source.value,
        "title": report.title,
        "body": report.body,
        "published_on": report.published_on,
        "paragraph": recommendation.paragraph,
        "text": recommendation.text,
        "unit": recommendation.unit.code,
        "owner": str(recommendation.owner_id or ""),
        "due_on": recommendation.due_on,
        "risks": ", ".join(risk.ref for risk in recommendation.risks),
        "countermeasures": [str(item.id) for item in recommendation.countermeasures],
    }


@bp.route("/recommendations/<int:recommendation_id>/edit", methods=["GET", "POST"])
@signed_in
@requires(Action.MANAGE_RECOMMENDATIONS, "recommendation")
def edit(recommendation):
    form = RecommendationForm(data=_edit_data(recommendation))
    context = _form_context(form, recommendation)
    if form.validate_on_submit():
        _save(
            form,
            context,
            lambda values: service.update_recommendation(recommendation, values, form.expected_version, current_user),
        )
        flash("Recommendation updated")
        return redirect(url_for("recommendations.show", recommendation_id=recommendation.id))
    return render_form("recommendations/form.html", form, **context)


@bp.route("/recommendations/<int:recommendation_id>/status", methods=["GET", "POST"])
@signed_in
@requires(Action.UPDATE_RECOMMENDATION, "recommendation")
def status(recommendation):
    """Asks first ("Change the status from accepted to implemented?"), then changes it."""
    form = StatusForm(data={"version": str(recommendation.version)})
    context = {"recommendation": recommendation, "hints": STATUS_HINTS}
    if form.validate_on_submit():
        with form_refusals("recommendations/status.html", form, stale=STALE, at_field=True, **context):
            if form.confirmed.data != "yes":  # refused now, rather than after the confirmation
                service.check_status_change(recommendation, form.chosen, form.status_note.data or "")
                return render_template("recommendations/confirm_status.html", form=form, **context)
            service.change_status(
                recommendation, form.chosen, form.status_note.data or "", form.expected_version, current_user
            )
        flash(f"Status changed to {form.chosen.label.lower()}")
        return redirect(url_for("recommendations.show", recommendation_id=recommendation.id))
    return render_form("recommendations/status.html", form, **context)


@bp.route("/recommendations/<int:recommendation_id>/evidence/new", methods=["GET", "POST"])
@signed_in
@requires(Action.UPDATE_RECOMMENDATION, "recommendation")
def add_evidence(recommendation):
    form = EvidenceForm(data={"dated_on": today()})
    context = {"recommendation": recommendation, "upload_hint": upload_hint()}
    if form.validate_on_submit():
        with form_refusals("recommendations/evidence_form.html", form, at_field=True, **context):
            service.add_evidence(recommendation, form.item(), current_user)
        flash("Evidence of implementation added")
        return redirect(url_for("recommendations.show", recommendation_id=recommendation.id, _anchor="evidence"))
    return render_form("recommendations/evidence_form.html", form, **context)


@bp.route("/recommendations/<int:recommendation_id>/evidence/<int:item_id>")
@signed_in
@requires(Action.READ_RECOMMENDATIONS, "recommendation")
def download(recommendation, item_id):
    item = service.evidence_of(recommendation, item_id)
    try:
        data = service.read_evidence_file(item)
    except evidence_service.EvidenceDamaged as error:
        return render_template("errors/error.html", heading="This file cannot be sent", body=str(error)), 500
    response = Response(data, mimetype=item.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=item.download_name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
