"""Challenging the link between an assertion and a countermeasure, and the unit's answer.

Internal audit and the HQ risk team challenge; the unit's risk managers and head answer. A challenged link
stops counting towards the assertion's evidence until the unit answers (DESIGN rule 4.5).
"""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from riskreg import policy
from riskreg.services import ServiceError, reliance
from riskreg.services import certificates as queries
from riskreg.web.access import checks, signed_in
from riskreg.web.certificates import bp
from riskreg.web.certificates.forms import AnswerChallengeForm, ChallengeLinkForm
from riskreg.web.forms import refuse, render_form, to_choices

Action = policy.Action


def _assertion(certificate_id: int, assertion_id: int, action: Action):
    certificate = queries.get_certificate(certificate_id)
    policy.authorize(current_user, Action.READ_CERTIFICATE, certificate.unit)
    policy.authorize(current_user, action, certificate)
    return certificate, queries.get_assertion(certificate, assertion_id)


def _back(certificate, assertion) -> str:
    return url_for("certificates.show", certificate_id=certificate.id, _anchor=f"assertion-{assertion.id}")


@bp.route("/certificates/<int:certificate_id>/assertions/<int:assertion_id>/challenge", methods=["GET", "POST"])
@signed_in
@checks(Action.READ_CERTIFICATE, target="certificate.unit")
@checks(Action.CHALLENGE_LINK, target="certificate")
def challenge(certificate_id: int, assertion_id: int):
    certificate, assertion = _assertion(certificate_id, assertion_id, Action.CHALLENGE_LINK)
    form = ChallengeLinkForm()
    form.countermeasure.choices = to_choices(
        [(str(cm.id), f"{cm.risk.ref} {cm.title}") for cm in assertion.countermeasures]
    )
    context = {"certificate": certificate, "assertion": assertion, "back": _back(certificate, assertion),
               "number": reliance.assertion_number(assertion)}  # fmt: skip
    if form.validate_on_submit():
        try:
            reliance.challenge_link(assertion, int(form.countermeasure.data), form.reason.data, current_user)
        except ServiceError as error:
            return refuse("certificates/challenge.html", form, str(error), 400, **context)
        flash("Link challenged: it does not count until the unit answers")
        return redirect(context["back"])
    return render_form("certificates/challenge.html", form, **context)


@bp.route("/certificates/<int:certificate_id>/assertions/<int:assertion_id>/answer", methods=["GET", "POST"])
@signed_in
@checks(Action.READ_CERTIFICATE, target="certificate.unit")
@checks(Action.ANSWER_CHALLENGE, target="certificate")
def answer(certificate_id: int, assertion_id: int):
    certificate, assertion = _assertion(certificate_id, assertion_id, Action.ANSWER_CHALLENGE)
    waiting = [c for c in reliance.challenges_of(certificate) if c.assertion_id == assertion.id and c.is_open]
    form = AnswerChallengeForm()
    context = {"certificate": certificate, "assertion": assertion, "back": _back(certificate, assertion),
               "number": reliance.assertion_number(assertion), "waiting": waiting}  # fmt: skip
    if not waiting:
        return render_template("certificates/answer.html", form=form, **context)
    if form.validate_on_submit():
        try:
            for item in waiting:
                reliance.answer_challenge(item, form.answer.data, current_user)
        except ServiceError as error:
            return refuse("certificates/answer.html", form, str(error), 400, **context)
        flash("Answer sent: the link counts again")
        return redirect(context["back"])
    return render_form("certificates/answer.html", form, **context)
