"""The Audit and Risk Committee: the linked view of corporate risks, the committee pack, and comments."""

from datetime import date

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from riskreg import policy
from riskreg.clock import today, utcnow
from riskreg.pdf.render import render_pdf
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
    """The meeting date from the committee page's form, sent on to the PDF's stable URL."""
    form = PackForm()
    if form.validate_on_submit():
        return redirect(url_for("committee.pack", meeting=form.meeting.data.isoformat()))
    filters = _filters()
    return render_form(
        "committee/index.html",
        form,
        entries=committee.committee_view(filters),
        filters=filters,
        pack_form=form,
        today=today(),
    )


@bp.route("/committee/pack.pdf")
@signed_in
@requires(Action.VIEW_COMMITTEE)
def pack():
    try:
        meeting = date.fromisoformat(request.args.get("meeting", ""))
    except ValueError:
        abort(400)
    if not committee.is_meeting_date(meeting):
        abort(400)
    pdf = render_pdf(
        "pdf/committee_pack.html",
        entries=committee.pack(meeting),
        meeting=meeting,
        generated_at=utcnow(),
        today=today(),
    )
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="committee-pack-{meeting.isoformat()}.pdf"'
    return response


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
