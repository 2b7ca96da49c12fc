"""HQ quality flags: the HQ risk team's ranked queue and register health, one flag with its decision and its
conversation, and the flags register owners see on their risks and their home page."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from riskreg import jobs, policy
from riskreg.clock import today
from riskreg.config import settings
from riskreg.enums import FlagKind
from riskreg.policy import Action
from riskreg.services import registers
from riskreg.services.flags import decisions, duplicates
from riskreg.services.flags import queue as queue_service
from riskreg.services.flags import scan as flags_service
from riskreg.web.access import requires, signed_in
from riskreg.web.flags.forms import BulkAcknowledgeForm, CommentForm, DecideForm, RaiseFlagForm
from riskreg.web.forms import ConfirmForm, form_refusals, page_asked, refusals, render_form, with_error

bp = Blueprint("flags", __name__)


@bp.app_template_global("risk_flags")
def risk_flags(risk):
    """The flags on a risk for its page (templates/risks/_flags.html): None when the reader sees no flags."""
    if not (
        policy.can(current_user, Action.VIEW_FLAGS)
        or policy.can(current_user, Action.EDIT_REGISTER, risk)
        or risk.owner_id == current_user.id
    ):
        return None
    found = [flag for flag in queue_service.flags_on_risk(risk) if policy.can(current_user, Action.READ_FLAG, flag)]
    return {"flags": found, "comments": queue_service.comment_counts([flag.id for flag in found])}


@bp.app_template_global("my_flag_counts")
def my_flag_counts():
    """How many open flags of each kind are on the signed-in person's risks (templates/flags/_home.html)."""
    return queue_service.owner_counts_by_kind(current_user)


@bp.route("/flags/mine")
@signed_in
@requires(None)
def mine():
    """Every open flag on the signed-in person's risks (their own, or their registers'), most serious first."""
    found, total = queue_service.flags_for_owner(current_user, limit=500)
    shown = [flag for flag in found if policy.can(current_user, Action.READ_FLAG, flag)]
    return render_template("flags/mine.html", flags=shown, total=total)


def _filters() -> queue_service.QueueFilters:
    kind = request.args.get("kind", "")
    status = request.args.get("status", "live")
    return queue_service.QueueFilters(
        kind=FlagKind(kind) if kind in FlagKind._value2member_map_ else None,
        register_code=(request.args.get("register") or "").strip().upper() or None,
        status=status if status in queue_service.STATUS_CHOICES else "live",
    )


def _queue_url(filters: queue_service.QueueFilters) -> str:
    """Back to the queue as it was filtered (built here, never taken from the request: no open redirect)."""
    args = {
        "kind": filters.kind.value if filters.kind else None,
        "register": filters.register_code,
        "status": None if filters.status == "live" else filters.status,
    }
    return url_for("flags.index", **{name: value for name, value in args.items() if value})


@bp.route("/flags")
@signed_in
@requires(Action.VIEW_FLAGS)
def index():
    filters = _filters()
    page = queue_service.queue(filters, page_asked(), settings().page_size)
    return render_template(
        "flags/index.html",
        page=page,
        filters=filters,
        kinds=list(FlagKind),
        counts=queue_service.live_counts_by_kind(),
        registers=registers.all_registers(),
        health=queue_service.health_table(),
        may_manage=policy.can(current_user, Action.MANAGE_FLAGS),
        bulk_form=BulkAcknowledgeForm(),
        scan_form=ConfirmForm(),
        status_choices=queue_service.STATUS_CHOICES,
    )


@bp.route("/flags/acknowledge", methods=["POST"])
@signed_in
@requires(Action.MANAGE_FLAGS)
def acknowledge_selected():
    """Bulk acknowledge: the first post asks for confirmation with the count, the second acknowledges."""
    form = BulkAcknowledgeForm()
    filters = queue_service.QueueFilters(
        kind=FlagKind(form.kind.data) if form.kind.data in FlagKind._value2member_map_ else None,
        register_code=form.register.data or None,
        status=form.status.data if form.status.data in queue_service.STATUS_CHOICES else "live",
    )
    if not form.validate_on_submit() or not form.flag_ids.data:
        flash("Select the flags to acknowledge")
        return redirect(_queue_url(filters))
    if form.confirmed.data != "yes":
        return render_template("flags/acknowledge.html", form=form, count=len(set(form.flag_ids.data)))
    done = flags_service.bulk_acknowledge(form.flag_ids.data, current_user)
    flash(f"{done} {'flag' if done == 1 else 'flags'} acknowledged")
    return redirect(_queue_url(filters))


@bp.route("/flags/scan", methods=["POST"])
@signed_in
@requires(Action.MANAGE_FLAGS)
def scan():
    """A full scan (possible duplicates across every register) runs as a background job; its page shows it."""
    if ConfirmForm().validate_on_submit():
        job = jobs.enqueue("flag_scan", requested_by=current_user)
        return redirect(url_for("jobs.show", job_id=job.id))
    return redirect(url_for("flags.index"))


def _flag_page(flag, decide_form=None, comment_form=None, status: int = 200):
    """The flag's page; ``form`` (for base.html's error summary) is whichever of its two forms has errors."""
    decide_form = decide_form or DecideForm(formdata=None, data={"version": str(flag.decision_version)})
    comment_form = comment_form or CommentForm(formdata=None)
    items = decide_form.set_choices(flag)
    context = {
        "flag": flag,
        "comments": queue_service.comments_on(flag),
        "decide_form": decide_form,
        "may_decide": flag.is_live and policy.can(current_user, Action.MANAGE_FLAGS, flag),
        "may_reply": policy.can(current_user, Action.REPLY_FLAG, flag),
        "decision_items": items,
        "comment_form": comment_form,
        "form": decide_form if decide_form.errors else comment_form,
        "today": today(),
    }
    return render_template("flags/show.html", **context), status


@bp.route("/flags/<int:flag_id>")
@signed_in
@requires(Action.READ_FLAG, "flag")
def show(flag):
    return _flag_page(flag)


def _carry_out(flag, decision: str, reason: str) -> str:
    """One service call per decision; returns what to tell the user."""
    if decision == "acknowledge":
        flags_service.acknowledge(flag, current_user)
        return "Flag acknowledged"
    if decision == "resolve":
        flags_service.resolve(flag, current_user, reason)
        return "Flag resolved"
    if decision in ("dismiss", "not_duplicate"):
        flags_service.dismiss(flag, current_user, reason)
        return "Flag dismissed" + (": this pair will not be proposed again" if flag.is_duplicate else "")
    if decision == "link":
        link = duplicates.resolve_by_link(flag, current_user, reason)
        return f"{link.from_risk.ref} and {link.to_risk.ref} are linked ({link.kind.label.lower()}); flag resolved"
    close = flag.risk if decision == "close_lower" else flag.other_risk
    duplicates.resolve_as_duplicate(flag, close, reason, current_user)
    return f"{flag.risk.ref} and {flag.other_risk.ref} marked as duplicates; {close.ref} closed"


@bp.route("/flags/<int:flag_id>/decide", methods=["POST"])
@signed_in
@requires(Action.MANAGE_FLAGS, "flag")
def decide(flag):
    """The decision form posts twice: first to confirm what will happen, then (confirmed) to do it."""
    form = DecideForm()
    form.set_choices(flag)
    if not form.validate_on_submit():
        return _flag_page(flag, decide_form=form, status=400)
    if form.confirmed.data != "yes":
        return render_template("flags/confirm.html", flag=flag, form=form)

    def refused(message: str, status: int, _field):
        return _flag_page(flag, decide_form=with_error(form, message), status=status)

    with refusals(refused, stale=decisions.STALE_MESSAGE):
        decisions.check(flag, form.expected_version)
        message = _carry_out(flag, form.decision.data, form.reason.data or "")
    flash(message)
    return redirect(url_for("flags.show", flag_id=flag.id))


@bp.route("/flags/<int:flag_id>/comments", methods=["POST"])
@signed_in
@requires(Action.REPLY_FLAG, "flag")
def comment(flag):
    form = CommentForm()
    if not form.validate_on_submit():
        return _flag_page(flag, comment_form=form, status=400)

    def refused(message: str, status: int, _field):
        return _flag_page(flag, comment_form=with_error(form, message), status=status)

    with refusals(refused):
        flags_service.add_comment(flag, form.body.data, current_user)
    flash("Comment added")
    return redirect(url_for("flags.show", flag_id=flag.id, _anchor="comments"))


@bp.route("/risks/<ref>/flags/new", methods=["GET", "POST"])
@signed_in
@requires(Action.READ_RISK, "risk")
@requires(Action.MANAGE_FLAGS)
def new(risk):
    """The HQ risk team raises a flag by hand, for what it saw itself."""
    form = RaiseFlagForm()
    if form.validate_on_submit():
        with form_refusals("flags/new.html", form, risk=risk):
            flag = flags_service.raise_flag(risk, FlagKind(form.kind.data), form.note.data, current_user)
        flash(f"Flag raised on {risk.ref}. The register's owners will see it.")
        return redirect(url_for("flags.show", flag_id=flag.id))
    return render_form("flags/new.html", form, risk=risk)
