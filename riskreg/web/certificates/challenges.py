"""Challenging the link between an assertion and a countermeasure, and the unit's answer.

Internal audit and the HQ risk team challenge; the unit's risk managers and head answer. A challenged link
stops counting towards the assertion's evidence until the unit answers (DESIGN rule 4.5).
"""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from riskreg import policy
from riskreg.services.certificates import queries, reliance
from riskreg.web.access import requires, signed_in
from riskreg.web.certificates import bp
from riskreg.web.certificates.forms import AnswerChallengeForm, ChallengeLinkForm
from riskreg.web.forms import form_refusals, render_form, to_choices

Action = policy.Action


def _context(certificate, assertion, **more) -> dict:
    back = url_for("certificates.show", certificate_id=certificate.id, _anchor=f"assertion-{assertion.id}")
    return {
        "certificate": certificate,
        "assertion": assertion,
        "back": back,
        "number": reliance.assertion_number(assertion),
        **more,
    }


@bp.route("/certificates/<int:certificate_id>/assertions/<int:assertion_id>/challenge", methods=["GET", "POST"])
@signed_in
@requires(Action.READ_CERTIFICATE, "certificate.unit")
@requires(Action.CHALLENGE_LINK, "certificate")
def challenge(certificate, assertion_id: int):
    assertion = queries.get_assertion(certificate, assertion_id)
    form = ChallengeLinkForm()
    form.countermeasure.choices = to_choices(
        [(str(cm.id), f"{cm.risk.ref} {cm.title}") for cm in assertion.countermeasures]
    )
    context = _context(certificate, assertion)
    if form.validate_on_submit():
        with form_refusals("certificates/challenge.html", form, **context):
            reliance.challenge_link(assertion, int(form.countermeasure.data), form.reason.data, current_user)
        flash("Link challenged: it does not count until the unit answers")
        return redirect(context["back"])
    return render_form("certificates/challenge.html", form, **context)


@bp.route("/certificates/<int:certificate_id>/assertions/<int:assertion_id>/answer", methods=["GET", "POST"])
@signed_in
@requires(Action.READ_CERTIFICATE, "certificate.unit")
@requires(Action.ANSWER_CHALLENGE, "certificate")
def answer(certificate, assertion_id: int):
    assertion = queries.get_assertion(certificate, assertion_id)
    waiting = [c for c in reliance.challenges_of(certificate) if c.assertion_id == assertion.id and c.is_open]
    form = AnswerChallengeForm()
    context = _context(certificate, assertion, waiting=waiting)
    if not waiting:
        return render_template("certificates/answer.html", form=form, **context)
    if form.validate_on_submit():
        with form_refusals("certificates/answer.html", form, **context):
            for item in waiting:
                reliance.answer_challenge(item, form.answer.data, current_user)
        flash("Answer sent: the link counts again")
        return redirect(context["back"])
    return render_form("certificates/answer.html", form, **context)
