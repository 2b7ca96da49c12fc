"""Linking risks across registers: add and remove links, escalate a local risk, cascade a corporate one."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from riskreg import policy
from riskreg.enums import LinkKind
from riskreg.policy import Action
from riskreg.services import links as links_service
from riskreg.services import users
from riskreg.web.access import escalation_register, requires, signed_in
from riskreg.web.forms import ConfirmForm, form_refusals, render_form
from riskreg.web.links.forms import CascadeForm, EscalateForm, LinkedRiskForm, LinkForm, prefill_from

bp = Blueprint("links", __name__)


@bp.app_template_global("risk_links")
def risk_links(risk) -> links_service.LinkPanel:
    """The risk page's links panel (templates/risks/_links.html), only with what the reader may see."""
    return links_service.panel(risk, visible=lambda other: policy.can(current_user, Action.READ_RISK, other))


def _visible(ref: str):
    """The risk with this reference, or None when there is none or the user may not know it exists."""
    risk = links_service.find_risk(ref)
    return risk if risk is not None and policy.can(current_user, Action.READ_RISK, risk) else None


def _back_to(risk):
    return redirect(url_for("risks.show", ref=risk.ref, _anchor="links"))


@bp.route("/risks/<ref>/links/new", methods=["GET", "POST"])
@signed_in
@requires(Action.LINK_RISKS, "risk")
def new(risk):
    form = LinkForm()
    if form.validate_on_submit():
        target = _visible(form.target_ref.data)
        if target is None:
            form.target_ref.errors.append(f"No risk has the reference {form.target_ref.data.strip().upper()}")
            return render_form("links/new.html", form, risk=risk)
        with form_refusals("links/new.html", form, risk=risk):
            links_service.add_link(risk, target, LinkKind(form.kind.data), form.rationale.data, current_user)
        flash(f"{risk.ref} linked to {target.ref}")
        return _back_to(risk)
    return render_form("links/new.html", form, risk=risk)


@bp.route("/links/<int:link_id>/remove", methods=["GET", "POST"])
@signed_in
@requires(Action.READ_RISK, "link.from_risk")
@requires(Action.READ_RISK, "link.to_risk")
@requires(Action.REMOVE_LINK, "link")
def remove(link):
    form = ConfirmForm()
    # Back to whichever end the user came from (only ever one of the two: no open redirect).
    back = next((end for end in (link.to_risk, link.from_risk) if end.ref == request.args.get("from")), link.from_risk)
    if form.validate_on_submit():
        links_service.remove_link(link, current_user)
        flash(f"The link between {link.from_risk.ref} and {link.to_risk.ref} was removed")
        return _back_to(back)
    return render_form("links/remove.html", form, link=link, back=back)


@bp.route("/risks/<ref>/escalate", methods=["GET", "POST"])
@signed_in
@requires(Action.LINK_RISKS, "risk")
def escalate(risk):
    corporate = escalation_register(risk)
    form = EscalateForm()
    targets = [t for t in links_service.escalation_targets(corporate) if policy.can(current_user, Action.READ_RISK, t)]
    form.set_targets(targets)
    context = {"risk": risk, "corporate": corporate, "may_create": policy.can(current_user, Action.ESCALATE, corporate)}
    if form.validate_on_submit():
        target = next(target for target in targets if str(target.id) == form.target_id.data)
        with form_refusals("links/escalate.html", form, **context):
            links_service.add_link(risk, target, LinkKind.CONTRIBUTES_TO, form.rationale.data, current_user)
        flash(f"{risk.ref} now contributes to the corporate risk {target.ref}")
        return _back_to(risk)
    return render_form("links/escalate.html", form, **context)


def _new_linked_risk(source, register, mode: str, create, done: str):
    """The escalate-to-new and cascade pages: a risk form pre-filled from ``source``, for ``register``.

    ``create(values, rationale)`` makes the risk and its link; ``done`` is the message, given the new risk.
    """
    form = LinkedRiskForm(data=prefill_from(source))
    form.set_owners(users.owner_candidates(register.unit))
    context = {"source": source, "register": register, "mode": mode}
    if form.validate_on_submit():
        with form_refusals("links/new_risk.html", form, **context):
            created = create(form.values(), form.rationale.data)
        flash(done.format(created=created.ref, source=source.ref, register=register.title))
        return redirect(url_for("risks.show", ref=created.ref, _anchor="links"))
    return render_form("links/new_risk.html", form, **context)


@bp.route("/risks/<ref>/escalate/new", methods=["GET", "POST"])
@signed_in
@requires(Action.LINK_RISKS, "risk")
@requires(Action.ESCALATE, "corporate_register")
def escalate_new(risk, corporate_register):
    return _new_linked_risk(
        risk,
        corporate_register,
        "escalate",
        lambda values, rationale: links_service.escalate_to_new(risk, values, rationale, current_user),
        "Corporate risk {created} created; {source} contributes to it",
    )


@bp.route("/risks/<ref>/cascade", methods=["GET", "POST"])
@signed_in
@requires(Action.CASCADE, "risk")
def cascade(risk):
    targets = [r for r in links_service.cascade_targets(risk) if policy.can(current_user, Action.CASCADE, r)]
    if not targets:
        abort(403)
    form = CascadeForm()
    form.set_registers(targets)
    if form.validate_on_submit():
        return redirect(url_for("links.cascade_into", ref=risk.ref, code=form.register.data))
    return render_form("links/cascade.html", form, risk=risk)


@bp.route("/risks/<ref>/cascade/<code>", methods=["GET", "POST"])
@signed_in
@requires(Action.READ_RISK, "risk")
@requires(Action.CASCADE, "register")
def cascade_into(risk, register):
    return _new_linked_risk(
        risk,
        register,
        "cascade",
        lambda values, rationale: links_service.cascade(risk, register, values, rationale, current_user),
        "Risk {created} created in the {register}; it contributes to {source}",
    )
