"""Assurance: control tests, evidence, evidence strength and the three-lines assurance map."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import NotFound

from riskreg import policy
from riskreg.clock import today
from riskreg.rules import evidence as evidence_rules
from riskreg.services import (
    NotAllowed,
    ServiceError,
    assurance_map,
    calibration,
    control_tests,
    links,
    registers,
    reliance,
    risks,
)
from riskreg.services import evidence as evidence_service
from riskreg.web.access import checks, signed_in
from riskreg.web.assurance.forms import ControlTestForm, EvidenceForm, upload_hint
from riskreg.web.forms import ConfirmForm, refuse, render_form

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


def _readable_countermeasure(ref: str, countermeasure_id: int):
    countermeasure = control_tests.get_countermeasure(ref, countermeasure_id)
    policy.authorize(current_user, Action.READ_RISK, countermeasure.risk)
    return countermeasure


def _readable_evidence(evidence_id: int):
    evidence = evidence_service.get_evidence(evidence_id)
    # Not 403: whoever may not read the risks it supports may not learn that it exists.
    if not policy.can(current_user, Action.READ_EVIDENCE, evidence):
        raise NotFound()
    return evidence


def _countermeasure_url(countermeasure, **kwargs) -> str:
    return url_for("assurance.countermeasure", ref=countermeasure.risk.ref, countermeasure_id=countermeasure.id,
                   **kwargs)  # fmt: skip


def _refused(template: str, form, error: ServiceError, **context):
    """A service refusal shown at the field it concerns when it names one, otherwise above the form."""
    status = 403 if isinstance(error, NotAllowed) else 400
    name = form.FIELD_NAMES.get(getattr(error, "field", None))
    if name is None:
        return refuse(template, form, str(error), status, **context)
    form[name].errors = [*form[name].errors, str(error)]
    return render_template(template, form=form, **context), status


def _period_choice(as_of):
    """The period picked on the countermeasure page, and the day it is judged on (a past period: its last day)."""
    periods = evidence_rules.recent_periods(as_of, months=control_tests.window_months())
    key = request.args.get("period", "")
    key = key if key in periods else next(iter(periods))
    period = periods[key]
    return key, periods, period, min(period.end, as_of)


@bp.route("/risks/<ref>/countermeasures/<int:countermeasure_id>")
@signed_in
@checks(Action.READ_RISK, target="risk")
def countermeasure(ref: str, countermeasure_id: int):
    countermeasure = _readable_countermeasure(ref, countermeasure_id)
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
@checks(Action.READ_RISK, target="risk")
@checks(Action.RECORD_CONTROL_TEST, target="risk")
def record_test(ref: str, countermeasure_id: int):
    countermeasure = _readable_countermeasure(ref, countermeasure_id)
    policy.authorize(current_user, Action.RECORD_CONTROL_TEST, countermeasure.risk)
    lines = policy.assurance_lines(current_user, countermeasure.risk)
    form = ControlTestForm(data={"tested_on": today(), "exceptions": "0", "exceptions_tolerated": "0",
                                 "line": lines[0].value, "nature": "operating"})  # fmt: skip
    form.set_lines(lines)
    context = {"countermeasure": countermeasure, "risk": countermeasure.risk, "upload_hint": upload_hint(),
               "minimum_sample": control_tests.minimum_sample_of(countermeasure)}  # fmt: skip
    if form.validate_on_submit():
        try:
            control_tests.record_control_test(countermeasure, form.values(), current_user, form.evidence_items())
        except ServiceError as error:
            return _refused("assurance/test_form.html", form, error, **context)
        flash("Control test recorded")
        return redirect(_countermeasure_url(countermeasure))
    return render_form("assurance/test_form.html", form, **context)


@bp.route(
    "/risks/<ref>/countermeasures/<int:countermeasure_id>/tests/<int:test_id>/evidence/new", methods=["GET", "POST"]
)
@signed_in
@checks(Action.READ_RISK, target="risk")
@checks(Action.ADD_EVIDENCE, target="control_test")
def add_evidence(ref: str, countermeasure_id: int, test_id: int):
    countermeasure = _readable_countermeasure(ref, countermeasure_id)
    test = control_tests.get_test(countermeasure, test_id)
    policy.authorize(current_user, Action.ADD_EVIDENCE, test)
    form = EvidenceForm(data={"dated_on": today()})
    context = {"countermeasure": countermeasure, "risk": countermeasure.risk, "test": test}
    context["upload_hint"] = upload_hint()
    if form.validate_on_submit():
        try:
            evidence_service.add_evidence(test, form.item(), current_user)
        except ServiceError as error:
            return _refused("assurance/evidence_form.html", form, error, **context)
        flash("Evidence added")
        return redirect(_countermeasure_url(countermeasure))
    return render_form("assurance/evidence_form.html", form, **context)


@bp.route("/evidence/<int:evidence_id>/download")
@signed_in
@checks(Action.READ_EVIDENCE, target="evidence", refuse_with=404)
def download(evidence_id: int):
    evidence = _readable_evidence(evidence_id)
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
@checks(Action.READ_EVIDENCE, target="evidence", refuse_with=404)
@checks(Action.DELETE_EVIDENCE, target="evidence")
def delete_evidence(evidence_id: int):
    evidence = _readable_evidence(evidence_id)
    policy.authorize(current_user, Action.DELETE_EVIDENCE, evidence)
    back = _countermeasure_url(evidence.control_tests[0].countermeasure)
    form = ConfirmForm()
    context = {"evidence": evidence, "back": back}
    if form.validate_on_submit():
        try:
            evidence_service.delete_evidence(evidence, current_user)
        except ServiceError as error:
            return refuse("assurance/delete_evidence.html", form, str(error), 409, **context)
        flash(f"Evidence “{evidence.title}” deleted")
        return redirect(back)
    return render_form("assurance/delete_evidence.html", form, **context)


@bp.route("/registers/<code>/assurance")
@signed_in
@checks(Action.READ_REGISTER, target="register")
def register_map(code: str):
    register = registers.get_by_code(code)
    policy.authorize(current_user, Action.READ_REGISTER, register)
    included = assurance_map.register_risks(register, policy.can(current_user, Action.READ_RESTRICTED, register))
    return render_template(
        "assurance/map.html", map=assurance_map.build(included, today()), register=register, risk=None,
        calibration=calibration.of_unit(register.unit_id, today()),
    )


@bp.route("/risks/<ref>/assurance")
@signed_in
@checks(Action.READ_RISK, target="risk")
def risk_map(ref: str):
    risk = risks.get_by_ref(ref)
    policy.authorize(current_user, Action.READ_RISK, risk)
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
