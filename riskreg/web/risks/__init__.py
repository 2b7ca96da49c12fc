"""A risk's page, and creating and changing risks, countermeasures and reviews."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from riskreg import policy
from riskreg.clock import today
from riskreg.enums import CountermeasureStatus
from riskreg.rules import countermeasures as countermeasure_rules
from riskreg.rules.similarity import risk_text
from riskreg.services import StaleEdit, links, risks, users
from riskreg.services.audit import trail as audit
from riskreg.services.flags import similarity
from riskreg.web.access import requires, signed_in
from riskreg.web.forms import form_refusals, refusals, refuse, render_form
from riskreg.web.risks.forms import (
    CloseRiskForm,
    CountermeasureForm,
    EditCountermeasureForm,
    EditRiskForm,
    ProgressForm,
    RetireCountermeasureForm,
    ReviewForm,
    RiskForm,
    countermeasure_form_data,
    progress_form_data,
    risk_form_data,
)

bp = Blueprint("risks", __name__)

STALE = f"{StaleEdit()}. Your changes have not been saved: check the risk as it is now, then try again."
COUNTERMEASURE_STALE = (
    f"{StaleEdit('countermeasure')}. Your changes have not been saved: check the countermeasure as it is now, "
    "then try again."
)


def _similar_before_saving(form: RiskForm, register, risk=None) -> list:
    """Risks in other registers that look like the one being saved, to show before it is saved: none when the
    user has seen them and chose "Save anyway", or when an edit leaves the title and event as they were."""
    if form.save_anyway.data:
        return []
    if risk is not None and risk_text(form.title.data, form.event.data) == risk_text(risk.title, risk.event):
        return []
    return similarity.suggestions(
        form.title.data.strip(),
        form.event.data.strip(),
        register,
        exclude_risk=risk,
        visible=lambda other: policy.can(current_user, policy.Action.READ_RISK, other),
    )


def _save_linked(form: RiskForm, register, risk=None):
    """ "Link to this risk instead": save the risk and link it to the chosen one in one go. A refused link
    saves nothing and shows why, with the similar risks again (offering "related" for the refused one)."""
    ref, kind = form.link_choice
    target = links.find_risk(ref)
    if target is None or not policy.can(current_user, policy.Action.READ_RISK, target):
        abort(404)
    version = form.expected_version if risk is not None else None

    def refused(message: str, status: int, _field):
        if status == 409:
            return refuse("risks/form.html", form, message, status, register=register, risk=risk)
        similar = _similar_before_saving(form, register, risk)
        return refuse(
            "risks/form.html", form, message, status, register=register, risk=risk, similar=similar, refused=target.ref
        )

    with refusals(refused, stale=STALE):
        saved = links.save_linked(
            register, form.values(), target, kind, current_user, risk=risk, expected_version=version
        )
    flash(f"Risk {saved.ref} saved and linked to {target.ref}")
    return redirect(url_for("risks.show", ref=saved.ref, _anchor="links"))


@bp.route("/risks/<ref>")
@signed_in
@requires(policy.Action.READ_RISK, "risk")
def show(risk):
    return render_template(
        "risks/show.html",
        risk=risk,
        history=audit.history_for_risk(risk.id),
        scores=risks.score_history(risk),
        can_edit=policy.can(current_user, policy.Action.EDIT_REGISTER, risk),
        can_review=policy.can(current_user, policy.Action.RECORD_REVIEW, risk),
        updatable={
            cm.id for cm in risk.countermeasures if policy.can(current_user, policy.Action.UPDATE_COUNTERMEASURE, cm)
        },
        today=today(),
    )


@bp.route("/registers/<code>/risks/new", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.EDIT_REGISTER, "register")
def new(register):
    form = RiskForm()
    form.set_owners(users.owner_candidates(register.unit))
    if form.validate_on_submit():
        if form.link_choice:
            return _save_linked(form, register)
        similar = _similar_before_saving(form, register)
        if similar:
            return render_form("risks/form.html", form, register=register, risk=None, similar=similar)
        risk = risks.create_risk(register, form.values(), current_user)
        flash(f"Risk {risk.ref} added to the register")
        return redirect(url_for("risks.show", ref=risk.ref))
    return render_form("risks/form.html", form, register=register, risk=None)


@bp.route("/risks/<ref>/edit", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.EDIT_REGISTER, "risk")
def edit(risk):
    form = EditRiskForm(data=risk_form_data(risk))
    form.set_owners(users.owner_candidates(risk.register.unit))
    if form.validate_on_submit():
        if form.link_choice:
            return _save_linked(form, risk.register, risk)
        similar = _similar_before_saving(form, risk.register, risk)
        if similar:
            return render_form("risks/form.html", form, register=risk.register, risk=risk, similar=similar)
        with form_refusals("risks/form.html", form, stale=STALE, register=risk.register, risk=risk):
            risks.update_risk(risk, form.values(), form.expected_version, current_user)
        flash("Risk updated")
        return redirect(url_for("risks.show", ref=risk.ref))
    return render_form("risks/form.html", form, register=risk.register, risk=risk)


@bp.route("/risks/<ref>/close", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.EDIT_REGISTER, "risk")
def close(risk):
    form = CloseRiskForm(data={"version": str(risk.version)})
    if form.validate_on_submit():
        with form_refusals("risks/close.html", form, stale=STALE, risk=risk):
            risks.close_risk(risk, form.reason.data, form.expected_version, current_user)
        flash(f"Risk {risk.ref} closed")
        return redirect(url_for("risks.show", ref=risk.ref))
    return render_form("risks/close.html", form, risk=risk)


@bp.route("/risks/<ref>/reviews/new", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.RECORD_REVIEW, "risk")
def review(risk):
    form = ReviewForm(
        data={
            "version": str(risk.version),
            "residual_l": str(risk.residual_l),
            "residual_i": str(risk.residual_i),
            "reviewed_on": today(),
        }
    )
    if form.validate_on_submit():
        with form_refusals("risks/review.html", form, stale=STALE, risk=risk):
            risks.record_review(risk, form.values(), form.expected_version, current_user)
        flash(f"Review recorded. The next review is due on {risk.next_review_on:%-d %B %Y}")
        return redirect(url_for("risks.show", ref=risk.ref))
    return render_form("risks/review.html", form, risk=risk)


@bp.route("/risks/<ref>/countermeasures/new", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.EDIT_REGISTER, "risk")
def new_countermeasure(risk):
    form = CountermeasureForm(data={"status": CountermeasureStatus.PLANNED.value})
    form.set_owners(users.owner_candidates(risk.register.unit))
    form.set_statuses([CountermeasureStatus.PLANNED, CountermeasureStatus.IN_PLACE])
    if form.validate_on_submit():
        with form_refusals("risks/countermeasure.html", form, risk=risk, countermeasure=None):
            risks.add_countermeasure(risk, form.values(), current_user)
        flash("Countermeasure added")
        return redirect(url_for("risks.show", ref=risk.ref, _anchor="countermeasures"))
    return render_form("risks/countermeasure.html", form, risk=risk, countermeasure=None)


@bp.route("/risks/<ref>/countermeasures/<int:countermeasure_id>/edit", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.EDIT_REGISTER, "risk")
def edit_countermeasure(risk, countermeasure_id: int):
    countermeasure = risks.get_countermeasure(risk, countermeasure_id)
    form = EditCountermeasureForm(data=countermeasure_form_data(countermeasure))
    form.set_owners(users.owner_candidates(risk.register.unit))
    form.set_statuses(countermeasure_rules.next_statuses(countermeasure.status))
    context = {"risk": risk, "countermeasure": countermeasure}
    if form.validate_on_submit():
        with form_refusals("risks/countermeasure.html", form, stale=COUNTERMEASURE_STALE, **context):
            risks.update_countermeasure(countermeasure, form.values(), form.expected_version, current_user)
        flash("Countermeasure updated")
        return redirect(url_for("risks.show", ref=risk.ref, _anchor="countermeasures"))
    return render_form("risks/countermeasure.html", form, **context)


@bp.route("/risks/<ref>/countermeasures/<int:countermeasure_id>/progress", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.READ_RISK, "countermeasure.risk")
@requires(policy.Action.UPDATE_COUNTERMEASURE, "countermeasure")
def countermeasure_progress(countermeasure):
    """The countermeasure's owner reports how it is going, without the register's edit rights."""
    risk = countermeasure.risk
    form = ProgressForm(data=progress_form_data(countermeasure))
    context = {"risk": risk, "countermeasure": countermeasure}
    if form.validate_on_submit():
        with form_refusals("risks/progress.html", form, stale=COUNTERMEASURE_STALE, **context):
            risks.report_progress(countermeasure, form.values(), form.expected_version, current_user)
        flash(f"Progress on “{countermeasure.title}” saved")
        return redirect(url_for("risks.show", ref=risk.ref, _anchor="countermeasures"))
    return render_form("risks/progress.html", form, **context)


@bp.route("/risks/<ref>/countermeasures/<int:countermeasure_id>/retire", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.EDIT_REGISTER, "risk")
def retire_countermeasure(risk, countermeasure_id: int):
    countermeasure = risks.get_countermeasure(risk, countermeasure_id)
    form = RetireCountermeasureForm(data={"version": str(countermeasure.version)})
    context = {"risk": risk, "countermeasure": countermeasure}
    if form.validate_on_submit():
        with form_refusals("risks/retire.html", form, stale=COUNTERMEASURE_STALE, **context):
            risks.retire_countermeasure(countermeasure, form.expected_version, current_user)
        flash(f"Countermeasure “{countermeasure.title}” retired")
        return redirect(url_for("risks.show", ref=risk.ref, _anchor="countermeasures"))
    return render_form("risks/retire.html", form, **context)
