"""The Audit and Risk Committee: the linked view of corporate risks, the committee pack, and comments."""

import functools
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from riskreg import jobs, policy
from riskreg.clock import today
from riskreg.config import settings
from riskreg.policy import Action
from riskreg.services import committee, committee_actions, committee_summary
from riskreg.web.access import requires, signed_in
from riskreg.web.committee.forms import CommentForm, PackForm
from riskreg.web.forms import form_refusals, page_asked, render_form

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


def _page_context(filters: committee.CommitteeFilters) -> dict:
    found = committee.committee_page(today(), filters, page_asked(), committee.CORPORATE_PER_PAGE)
    return {
        "page": found.page,
        "counts": found.counts,
        "summary": committee_summary.page_summary(found, today()),
        "actions": committee_actions.open_actions(),
        "filters": filters,
        "today": today(),
        "risk_url": _risk_url(),
        "urls": _around_ref(
            comments="committee.comments", assurance="assurance.risk_map", contributors="committee.contributors"
        ),
    }


def _risk_url() -> str:
    """A risk page's URL without the reference: one url_for for a page of hundreds of links."""
    return url_for("risks.show", ref="X")[:-1]


def _around_ref(**endpoints: str) -> dict[str, tuple[str, str]]:
    """Each endpoint's URL before and after a risk's reference: one url_for each, not one per corporate risk
    (a url_for costs about as much as the rest of a row)."""
    marker = "REFERENCE"
    return {name: tuple(url_for(endpoint, ref=marker).split(marker, 1)) for name, endpoint in endpoints.items()}


@functools.lru_cache(maxsize=2)
def _meeting_boxes(day: date) -> str:
    """The pack form's date boxes as the page first shows them (the day's date, no error): the same for every reader
    all day, and the GOV.UK date macro cost a tenth of the page's CPU (issue 20). A form shown again with its errors
    renders its own."""
    return PackForm(data={"meeting": day}).meeting()  # Markup: the template writes it as it is


@bp.route("/committee")
@signed_in
@requires(Action.VIEW_COMMITTEE)
def index():
    return render_template(
        "committee/index.html",
        pack_form=PackForm(data={"meeting": today()}),
        meeting_boxes=_meeting_boxes(today()),
        paginate=True,  # not when the pack's form is shown again: its links would be to the form's address
        **_page_context(_filters()),
    )


@bp.route("/committee/risks/<ref>/contributors")
@signed_in
@requires(Action.VIEW_COMMITTEE)
@requires(Action.READ_RISK, "risk")
def contributors(risk):
    """Every risk that informs ``risk``, a page at a time, those needing attention first: the committee page lists
    the first few of each corporate risk and links here for the rest."""
    return render_template(
        "committee/contributors.html",
        risk=risk,
        page=committee.contributors_page(risk, today(), page_asked(), settings().page_size),
        committee_page=committee.page_of(risk, today(), committee.CORPORATE_PER_PAGE),
        today=today(),
        risk_url=_risk_url(),
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
    return render_form("committee/index.html", form, pack_form=form, **_page_context(_filters()))


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


from riskreg.web.committee import actions  # noqa: E402, F401 - its routes join this blueprint
