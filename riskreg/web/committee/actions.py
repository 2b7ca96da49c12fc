"""The committee's action log: the log as a meeting sees it, and raising, changing and closing actions."""

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from riskreg.clock import today
from riskreg.enums import CommitteeActionStatus
from riskreg.policy import Action
from riskreg.services import StaleEdit, committee, committee_actions
from riskreg.web.access import requires, signed_in
from riskreg.web.committee import bp
from riskreg.web.committee.forms import ActionForm, CloseActionForm, MeetingForm
from riskreg.web.forms import form_refusals, render_form

STALE = f"{StaleEdit('action')}. Your changes have not been saved: check the action as it is now, then try again."


def _meeting() -> tuple[date, FlaskForm]:
    """The meeting asked for: ?meeting=2026-03-27 (links), or the day, month and year boxes of the form."""
    values = request.args.getlist("meeting")
    form = MeetingForm(request.args if len(values) > 1 else None, data={"meeting": today()})
    if len(values) == 1:
        try:
            form.meeting.data = date.fromisoformat(values[0])
        except ValueError:
            abort(400)
    elif values and not form.validate():
        return today(), form
    if not committee.is_meeting_date(form.meeting.data):
        abort(400)
    return form.meeting.data, form


@bp.route("/committee/actions")
@signed_in
@requires(Action.VIEW_COMMITTEE)
def actions():
    meeting, form = _meeting()
    return render_form(
        "committee/actions.html",
        form,
        log=committee_actions.log_for(meeting),
        meetings=committee_actions.meetings(),
        today=today(),
    )


@bp.route("/committee/actions/new", methods=["GET", "POST"])
@signed_in
@requires(Action.MANAGE_COMMITTEE_ACTIONS)
def new_action():
    form = ActionForm(data={"raised_on": today()})
    form.set_owners(committee_actions.owner_candidates())
    if form.validate_on_submit():
        with form_refusals("committee/action_form.html", form, at_field=True, action=None):
            action = committee_actions.raise_action(form.values(), current_user)
        flash("Action added to the committee’s log")
        return redirect(url_for("committee.actions", meeting=action.raised_on.isoformat()))
    return render_form("committee/action_form.html", form, action=None)


def _action_data(action) -> dict:
    return {
        "version": str(action.version),
        "request": action.request,
        "risk_ref": action.risk.ref if action.risk else "",
        "owner_id": str(action.owner_id),
        "raised_on": action.raised_on,
        "due_on": action.due_on,
    }


@bp.route("/committee/actions/<int:action_id>/edit", methods=["GET", "POST"])
@signed_in
@requires(Action.MANAGE_COMMITTEE_ACTIONS, "committee_action")
def edit_action(committee_action):
    form = ActionForm(data=_action_data(committee_action))
    form.set_owners(committee_actions.owner_candidates())
    if form.validate_on_submit():
        if not form.version.data:
            form.version.errors = ["This form is out of date: reload the page and try again"]
            return render_form("committee/action_form.html", form, action=committee_action)
        with form_refusals("committee/action_form.html", form, stale=STALE, at_field=True, action=committee_action):
            committee_actions.update_action(committee_action, form.values(), form.expected_version, current_user)
        flash("Action updated")
        return redirect(url_for("committee.actions", meeting=committee_action.raised_on.isoformat()))
    return render_form("committee/action_form.html", form, action=committee_action)


@bp.route("/committee/actions/<int:action_id>/close", methods=["GET", "POST"])
@signed_in
@requires(Action.MANAGE_COMMITTEE_ACTIONS, "committee_action")
def close_action(committee_action):
    """Done or dropped: a confirmation page, since a closed action cannot be reopened."""
    form = CloseActionForm(data={"version": str(committee_action.version)})
    if form.validate_on_submit():
        status = CommitteeActionStatus(form.status.data)
        with form_refusals("committee/close_action.html", form, stale=STALE, at_field=True, action=committee_action):
            committee_actions.close_action(
                committee_action, status, form.note.data or "", form.expected_version, current_user
            )
        flash(f"Action marked {status.label.lower()}")
        return redirect(url_for("committee.actions"))
    return render_form("committee/close_action.html", form, action=committee_action)
