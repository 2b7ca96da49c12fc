"""Assurance: control tests, evidence, evidence strength and the three-lines assurance map."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from riskreg import policy
from riskreg.clock import today
from riskreg.rules import evidence as evidence_rules
from riskreg.services import links
from riskreg.services.assurance import calibration, control_tests
from riskreg.services.assurance import evidence as evidence_service
from riskreg.services.assurance import map as assurance_map
from riskreg.services.certificates import reliance
from riskreg.web.access import requires, signed_in
from riskreg.web.assurance.forms import ControlTestForm, EvidenceForm, upload_hint
from riskreg.web.forms import ConfirmForm, form_refusals, render_form

bp = Blueprint("assurance", __name__)
Action = policy.Action


@bp.app_template_global()
def risk_assurance(risk):
    """Each countermeasure of a risk with its evidence strength today, for the risk page's partial."""
    return control_tests.risk_assurance(risk, today())


@bp.app_template_global()
def relied_on(countermeasures):
    """Standing signed assertions resting on these countermeasures (risk and countermeasure pages)."""
    return reliance.reliances([countermeasure.id for countermeasure in countermeasures])


def _countermeasure_url(countermeasure, **kwargs) -> str:
    return url_for(
        "assurance.countermeasure", ref=countermeasure.risk.ref, countermeasure_id=countermeasure.id, **kwargs
    )


def _period_choice(as_of):
    """The period picked on the countermeasure page, and the day it is judged on (a past period: its last day)."""
    periods = evidence_rules.recent_periods(as_of, months=control_tests.window_months())
    key = request.args.get("period", "")
    key = key if key in periods else next(iter(periods))
    period = periods[key]
    return key, periods, period, min(period.end, as_of)


@bp.route("/risks/<ref>/countermeasures/<int:countermeasure_id>")
@signed_in
@requires(Action.READ_RISK, "countermeasure.risk")
def countermeasure(countermeasure):
    tests = control_tests.tests_of(countermeasure)
    key, periods, period, judged_on = _period_choice(today())
    last_tested = tests[0].tested_on if tests else None
    return render_template(
        "assurance/countermeasure.html",
        countermeasure=countermeasure,
        risk=countermeasure.risk,
        tests=tests,
        assessment=control_tests.assess_countermeasure(countermeasure, tests, period, judged_on),
        period_key=key,
        periods=periods,
        judged_on=judged_on,
        last_tested=last_tested,
        tested_recently=evidence_rules.is_current(last_tested, today(), control_tests.window_months()),
        next_test_due=evidence_rules.next_test_due(last_tested, control_tests.window_months()),
        today=today(),
    )


@bp.route("/risks/<ref>/countermeasures/<int:countermeasure_id>/tests/new", methods=["GET", "POST"])
@signed_in
@requires(Action.READ_RISK, "countermeasure.risk")
@requires(Action.RECORD_CONTROL_TEST, "countermeasure.risk")
def record_test(countermeasure):
    lines = policy.assurance_lines(current_user, countermeasure.risk)
    form = ControlTestForm(
        data={
            "tested_on": today(),
            "exceptions": "0",
            "exceptions_tolerated": "0",
            "line": lines[0].value,
            "nature": "operating",
        }
    )
    form.set_lines(lines)
    context = {
        "countermeasure": countermeasure,
        "risk": countermeasure.risk,
        "upload_hint": upload_hint(),
        "minimum_sample": control_tests.minimum_sample_of(countermeasure),
    }
    if form.validate_on_submit():
        with form_refusals("assurance/test_form.html", form, at_field=True, **context):
            control_tests.record_control_test(countermeasure, form.values(), current_user, form.evidence_items())
        flash("Control test recorded")
        return redirect(_countermeasure_url(countermeasure))
    return render_form("assurance/test_form.html", form, **context)


@bp.route(
    "/risks/<ref>/countermeasures/<int:countermeasure_id>/tests/<int:test_id>/evidence/new", methods=["GET", "POST"]
)
@signed_in
@requires(Action.READ_RISK, "countermeasure.risk")
@requires(Action.ADD_EVIDENCE, "control_test")
def add_evidence(countermeasure, control_test):
    form = EvidenceForm(data={"dated_on": today()})
    context = {"countermeasure": countermeasure, "risk": countermeasure.risk, "test": control_test}
    context["upload_hint"] = upload_hint()
    if form.validate_on_submit():
        with form_refusals("assurance/evidence_form.html", form, at_field=True, **context):
            evidence_service.add_evidence(control_test, form.item(), current_user)
        flash("Evidence added")
        return redirect(_countermeasure_url(countermeasure))
    return render_form("assurance/evidence_form.html", form, **context)


@bp.route("/evidence/<int:evidence_id>/download")
@signed_in
@requires(Action.READ_EVIDENCE, "evidence", refuse_with=404)  # not 403: nobody learns what they may not read
def download(evidence):
    try:
        data = evidence_service.read_file(evidence)
    except evidence_service.EvidenceDamaged as error:
        return render_template("errors/error.html", heading="This file cannot be sent", body=str(error)), 500
    response = Response(data, mimetype=evidence.content_type)
    # Always a download, never shown in the browser: the content type is the one found at upload.
    response.headers.set("Content-Disposition", "attachment", filename=evidence.download_name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/evidence/<int:evidence_id>/delete", methods=["GET", "POST"])
@signed_in
@requires(Action.READ_EVIDENCE, "evidence", refuse_with=404)
@requires(Action.DELETE_EVIDENCE, "evidence")
def delete_evidence(evidence):
    back = _countermeasure_url(evidence.control_tests[0].countermeasure)
    form = ConfirmForm()
    context = {"evidence": evidence, "back": back}
    if form.validate_on_submit():
        # Refused only when something relies on it now (a signed certificate): a conflict, not bad input.
        with form_refusals("assurance/delete_evidence.html", form, status=409, **context):
            evidence_service.delete_evidence(evidence, current_user)
        flash(f"Evidence “{evidence.title}” deleted")
        return redirect(back)
    return render_form("assurance/delete_evidence.html", form, **context)


@bp.route("/registers/<code>/assurance")
@signed_in
@requires(Action.READ_REGISTER, "register")
def register_map(register):
    included = assurance_map.register_risks(register, policy.can(current_user, Action.READ_RESTRICTED, register))
    return render_template(
        "assurance/map.html",
        map=assurance_map.build(included, today()),
        register=register,
        risk=None,
        calibration=calibration.of_unit(register.unit_id, today()),
    )


@bp.route("/risks/<ref>/assurance")
@signed_in
@requires(Action.READ_RISK, "risk")
def risk_map(risk):
    # A risk that others inform (a corporate risk, for the committee) is mapped together with them.
    contributors = [
        link.from_risk
        for link in links.contributions_to([risk.id])
        if link.from_risk.is_open and policy.can(current_user, Action.READ_RISK, link.from_risk)
    ]
    return render_template(
        "assurance/map.html",
        map=assurance_map.build([risk, *contributors], today()),
        register=risk.register,
        risk=risk,
        contributors=contributors,
        calibration=calibration.of_unit(risk.register.unit_id, today()),
    )
