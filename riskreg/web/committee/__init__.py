"""The Audit and Risk Committee: the linked view of corporate risks, the committee pack, and comments."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from riskreg import jobs, policy
from riskreg.clock import today
from riskreg.policy import Action
from riskreg.services import committee
from riskreg.web.access import requires, signed_in
from riskreg.web.committee.forms import CommentForm, PackForm
from riskreg.web.forms import form_refusals, render_form

bp = Blueprint("committee", __name__)


@bp.app_template_global("risk_comments")
def risk_comments(risk):
    """Comments for the risk page, or None when the reader is not one the comments are for."""
    if not policy.can(current_user, Action.READ_COMMENTS, risk):
        return None
    return committee.comments_on(risk)


def _filters() -> committee.CommitteeFilters:
    return committee.CommitteeFilters(
        above_appetite=request.args.get("above_appetite") == "1",
        with_alerts=request.args.get("with_alerts") == "1",
    )


@bp.route("/committee")
@signed_in
@requires(Action.VIEW_COMMITTEE)
def index():
    filters = _filters()
    return render_template(
        "committee/index.html",
        entries=committee.committee_view(filters),
        filters=filters,
        pack_form=PackForm(data={"meeting": today()}),
        today=today(),
    )


@bp.route("/committee/pack", methods=["POST"])
@signed_in
@requires(Action.VIEW_COMMITTEE)
def pack_request():
    """The committee pack for the meeting date in the form, prepared as a background job (a 20-page PDF takes
    seconds of a worker): its page shows the progress, then offers the PDF."""
    form = PackForm()
    if form.validate_on_submit():
        job = jobs.enqueue("committee_pack", requested_by=current_user, meeting=form.meeting.data.isoformat())
        return redirect(url_for("jobs.show", job_id=job.id))
    filters = _filters()
    return render_form(
        "committee/index.html",
        form,
        entries=committee.committee_view(filters),
        filters=filters,
        pack_form=form,
        today=today(),
    )


@bp.route("/risks/<ref>/comments", methods=["GET", "POST"])
@signed_in
@requires(Action.READ_COMMENTS, "risk")
@requires(Action.COMMENT, "risk", methods={"POST"})
def comments(risk):
    may_comment = policy.can(current_user, Action.COMMENT, risk)
    form = CommentForm()
    context = {"risk": risk, "comments": committee.comments_on(risk), "may_comment": may_comment}
    if form.validate_on_submit():
        with form_refusals("committee/comments.html", form, **context):
            committee.add_comment(risk, form.body.data, current_user)
        flash("Comment added. The risk’s owners will see it on the risk’s page.")
        return redirect(url_for("committee.comments", ref=risk.ref))
    return render_form("committee/comments.html", form, **context)
