"""Certificates of assurance: a unit's certificates, preparing and declaring, the workflow, the HQ roll-up."""

import csv
import io

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from riskreg import policy
from riskreg.clock import today, utcnow
from riskreg.enums import ValidationOutcome
from riskreg.extensions import limiter
from riskreg.importing.values import spreadsheet_text
from riskreg.rules import certificates as rules
from riskreg.services import NotAllowed, ServiceError, StaleEdit
from riskreg.services.certificates import content, documents, governance, queries, reliance, signers, workflow
from riskreg.services.certificates import measures as cited
from riskreg.web.access import requires, signed_in
from riskreg.web.certificates.forms import (
    MISSING_VERSION,
    CiteForm,
    DeclarationForm,
    IssueForm,
    LinkForm,
    OpinionForm,
    PrepareForm,
    SignForm,
    StepForm,
    ValidationForm,
    version_missing,
)
from riskreg.web.forms import form_refusals, refuse, render_form


def _versioned_form(template: str, form, **context):
    """Refuse a posted form that lacks its version (428); None when it has one, or was not posted."""
    return refuse(template, form, MISSING_VERSION, 428, **context) if version_missing(form) else None


bp = Blueprint("certificates", __name__)
Action = policy.Action
STALE = "This certificate was changed by someone else while you were looking at it. Check it as it is now."
ROLLUP_COLUMNS = (
    "Unit code",
    "Unit",
    "Period",
    "Version",
    "Status",
    "Assertions",
    "Exceptions",
    "Not assured",
    "Weakest evidence",
    "Weakest sections",
    "Signed by",
    "Signed at",
    "Validation",
    "Validated by",
    "Validated at",
    "Validation notes",
    "PDF SHA-256",
    "Contradicted since signing",
    "Self-assessment not confirmed",
)


def _url(certificate, **kwargs) -> str:
    return url_for("certificates.show", certificate_id=certificate.id, **kwargs)


def _step_form(certificate) -> StepForm:
    return StepForm(formdata=None, data={"version": str(certificate.lock_version)})


def _show(certificate, status: int = 200, problems=None, message: str | None = None):
    view = queries.view(certificate, today())
    versions = queries.versions_of(certificate.unit, certificate.period)
    return render_template(
        "certificates/show.html",
        certificate=certificate,
        view=view,
        versions=versions,
        step_form=_step_form(certificate),
        refusal=message,
        refused_problems=problems,
        contradictions=reliance.contradictions_of([certificate.id]),
        challenges=reliance.challenges_of(certificate),
    ), status


@bp.route("/certificates")
@signed_in
@requires(Action.VIEW_CERTIFICATE_ROLLUP)
def rollup():
    periods = queries.rollup_periods(today())
    label = request.args.get("period", "")
    label = label if label in periods else rules.certifying_period(today()).label
    rows = queries.rollup(rules.period_of(label), today())
    return render_template(
        "certificates/rollup.html", rows=rows, period=label, periods=periods, counts=queries.status_counts(rows)
    )


def _rollup_period() -> str:
    label = request.args.get("period", "")
    return label if rules.is_valid_period(label) else rules.certifying_period(today()).label


@bp.route("/certificates/governance-statement")
@signed_in
@requires(Action.VIEW_CERTIFICATE_ROLLUP)
def governance_statement():
    """The governance statement's assurance paragraph drafted from the units' certificates (issue 15)."""
    label = _rollup_period()
    draft = governance.draft(rules.period_of(label))
    return render_template(
        "certificates/governance.html", draft=draft, period=label, group_sentence=governance.group_sentence
    )


@bp.route("/certificates/governance-statement.docx")
@signed_in
@requires(Action.VIEW_CERTIFICATE_ROLLUP)
def governance_statement_docx():
    label = _rollup_period()
    data = governance.to_docx(governance.draft(rules.period_of(label)), today())
    response = Response(data, mimetype=governance.DOCX_TYPE)
    response.headers.set("Content-Disposition", "attachment", filename=f"governance-statement-{label}.docx")
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/certificates.csv")
@signed_in
@requires(Action.VIEW_CERTIFICATE_ROLLUP)
def rollup_csv():
    label = request.args.get("period", "")
    if not rules.is_valid_period(label):
        label = rules.certifying_period(today()).label
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(ROLLUP_COLUMNS)
    for row in queries.rollup(rules.period_of(label), today()):
        writer.writerow([spreadsheet_text(value) for value in _csv_values(row, label)])
    response = Response(output.getvalue(), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename=f"certificates-{label}.csv")
    return response


def _csv_values(row, label: str) -> list:
    certificate = row.certificate
    if certificate is None:
        blanks = [""] * (len(ROLLUP_COLUMNS) - 6)
        return [row.unit.code, row.unit.name, label, "", "not started", *blanks, _calibration_text(row)]
    signed_by, validated_by = certificate.signed_by, certificate.validated_by
    outcome = certificate.validation_outcome
    return [
        row.unit.code,
        row.unit.name,
        label,
        certificate.version,
        certificate.status.value,
        row.assertions,
        row.exceptions,
        row.not_assured,
        row.weakest.value if row.weakest else "",
        "; ".join(row.weakest_sections),
        signed_by.name if signed_by else "",
        certificate.signed_at.isoformat() if certificate.signed_at else "",
        outcome.value if outcome else ("awaiting" if certificate.is_frozen else ""),
        validated_by.name if validated_by else "",
        certificate.validated_at.isoformat() if certificate.validated_at else "",
        certificate.validation_notes or "",
        certificate.content_sha256 or "",
        row.contradicted if certificate.is_frozen else "",
        _calibration_text(row),
    ]


def _calibration_text(row) -> str:
    return row.calibration.text if row.calibration else "No 1st-line conclusion of effective"


@bp.route("/units/<code>/certificates", methods=["GET", "POST"])
@signed_in
@requires(Action.READ_CERTIFICATE, "unit")
@requires(Action.PREPARE_CERTIFICATE, "unit", methods={"POST"})
def unit_certificates(unit):
    certificates = queries.certificates_of(unit)
    taken = {certificate.period for certificate in certificates}
    periods = [period for period in rules.period_choices(today()) if period.label not in taken]
    form = PrepareForm()
    form.set_periods(periods)
    context = {
        "unit": unit,
        "certificates": certificates,
        "periods": periods,
        "record": reliance.assurance_record(unit),
    }
    if form.validate_on_submit():
        with form_refusals("certificates/unit.html", form, **context):
            certificate = workflow.prepare_draft(unit, form.period.data, current_user)
        flash(f"Draft certificate for {certificate.period} prepared")
        return redirect(_url(certificate))
    return render_form("certificates/unit.html", form, **context)


@bp.route("/certificates/<int:certificate_id>")
@signed_in
@requires(Action.READ_CERTIFICATE, "certificate.unit")
def show(certificate):
    return _show(certificate)


@bp.route("/certificates/<int:certificate_id>.pdf")
@signed_in
@requires(Action.READ_CERTIFICATE, "certificate.unit")
def pdf(certificate):
    response = Response(workflow.pdf_of(certificate, utcnow()), mimetype="application/pdf")
    response.headers.set("Content-Disposition", "attachment", filename=documents.draft_filename(certificate))
    response.headers["Cache-Control"] = "private, no-store"
    return response


SIGNED = "This certificate is signed and cannot be changed: start a correction to change it"


def _editable(certificate, assertion_id: int):
    """The assertion being edited; None when the certificate is signed."""
    if certificate.status not in rules.EDITABLE:
        return None
    return queries.get_assertion(certificate, assertion_id)


def _assertion_line(certificate, assertion_id: int):
    view = queries.view(certificate, today())
    return next(line for line in view.assertions if line.id == assertion_id)


@bp.route("/certificates/<int:certificate_id>/assertions/<int:assertion_id>", methods=["GET", "POST"])
@signed_in
@requires(Action.READ_CERTIFICATE, "certificate.unit")
@requires(Action.PREPARE_CERTIFICATE, "certificate")
def declare(certificate, assertion_id: int):
    assertion = _editable(certificate, assertion_id)
    if assertion is None:
        return _show(certificate, 409, message=SIGNED)
    data = {
        "declaration": assertion.declaration.value if assertion.declaration else None,
        "exception_text": assertion.exception_text,
        "version": str(certificate.lock_version),
    }
    form = DeclarationForm(data=data)
    context = {"certificate": certificate, "assertion": assertion, "line": _assertion_line(certificate, assertion_id)}
    missing = _versioned_form("certificates/declare.html", form, **context)
    if missing:
        return missing
    if form.validate_on_submit():
        with form_refusals("certificates/declare.html", form, stale=STALE, **context):
            workflow.declare(
                assertion, form.chosen, form.exception_text.data or "", current_user, form.expected_version
            )
        flash("Declaration saved")
        return redirect(_url(certificate, _anchor=f"assertion-{assertion.id}"))
    return render_form("certificates/declare.html", form, **context)


@bp.route("/certificates/<int:certificate_id>/assertions/<int:assertion_id>/countermeasures", methods=["GET", "POST"])
@signed_in
@requires(Action.READ_CERTIFICATE, "certificate.unit")
@requires(Action.PREPARE_CERTIFICATE, "certificate")
def link(certificate, assertion_id: int):
    assertion = _editable(certificate, assertion_id)
    if assertion is None:
        return _show(certificate, 409, message=SIGNED)
    groups = queries.linkable(certificate, today())
    form = LinkForm(
        data={
            "countermeasures": [str(cm.id) for cm in assertion.countermeasures],
            "version": str(certificate.lock_version),
        }
    )
    form.set_choices([cm.id for group in groups for cm, _assessment in group.countermeasures])
    reasons = reliance.link_reasons([assertion.id])
    context = {
        "certificate": certificate,
        "assertion": assertion,
        "groups": groups,
        "linked": {cm.id for cm in assertion.countermeasures},
        "reasons": {cm_id: text for (_a, cm_id), text in reasons.items()},
    }
    missing = _versioned_form("certificates/link.html", form, **context)
    if missing:
        return missing
    if form.is_submitted():
        context["reasons"] = {cm_id: request.form.get(f"reason-{cm_id}", "") for cm_id in form.chosen}
    if form.validate_on_submit():
        with form_refusals("certificates/link.html", form, stale=STALE, **context):
            workflow.link_countermeasures(
                assertion, form.chosen, current_user, form.expected_version, context["reasons"]
            )
        flash("Countermeasures saved")
        return redirect(_url(certificate, _anchor=f"assertion-{assertion.id}"))
    if form.is_submitted():
        context["linked"] = form.chosen if not form.countermeasures.errors else context["linked"]
    return render_form("certificates/link.html", form, **context)


@bp.route("/certificates/<int:certificate_id>/assertions/<int:assertion_id>/measures", methods=["GET", "POST"])
@signed_in
@requires(Action.READ_CERTIFICATE, "certificate.unit")
@requires(Action.PREPARE_CERTIFICATE, "certificate")
def cite(certificate, assertion_id: int):
    """Cite the unit's measures (key risk indicators) as evidence for an assertion (issue 19)."""
    assertion = _editable(certificate, assertion_id)
    if assertion is None:
        return _show(certificate, 409, message=SIGNED)
    lines = cited.choices(certificate, today())
    form = CiteForm(
        data={"measures": [str(m.id) for m in assertion.measures], "version": str(certificate.lock_version)}
    )
    form.set_choices([line.id for line in lines])
    context = {
        "certificate": certificate,
        "assertion": assertion,
        "lines": lines,
        "chosen": {m.id for m in assertion.measures},
    }
    missing = _versioned_form("certificates/cite.html", form, **context)
    if missing:
        return missing
    if form.validate_on_submit():
        with form_refusals("certificates/cite.html", form, stale=STALE, **context):
            workflow.cite_measures(assertion, form.chosen, current_user, form.expected_version)
        flash("Measures saved")
        return redirect(_url(certificate, _anchor=f"assertion-{assertion.id}"))
    return render_form("certificates/cite.html", form, **context)


@bp.route("/certificates/<int:certificate_id>/opinion", methods=["GET", "POST"])
@signed_in
@requires(Action.READ_CERTIFICATE, "certificate.unit")
@requires(Action.PREPARE_CERTIFICATE, "certificate")
def opinion(certificate):
    """The overall opinion: the one the evidence supports, or another with the reason."""
    if certificate.status not in rules.EDITABLE:
        return _show(certificate, 409, message=SIGNED)
    view = queries.view(certificate, today())
    form = OpinionForm(
        data={
            "opinion": view.opinion.value,
            "reason": certificate.opinion_reason,
            "version": str(certificate.lock_version),
        }
    )
    context = {"certificate": certificate, "view": view}
    missing = _versioned_form("certificates/opinion.html", form, **context)
    if missing:
        return missing
    if form.validate_on_submit():
        with form_refusals("certificates/opinion.html", form, stale=STALE, at_field=True, **context):
            content.set_opinion(
                certificate,
                form.chosen,
                form.reason.data or "",
                view.proposal.opinion,
                current_user,
                form.expected_version,
            )
        flash("Opinion saved")
        return redirect(_url(certificate, _anchor="opinion"))
    return render_form("certificates/opinion.html", form, **context)


@bp.route("/certificates/<int:certificate_id>/issues", methods=["GET", "POST"])
@signed_in
@requires(Action.READ_CERTIFICATE, "certificate.unit")
@requires(Action.PREPARE_CERTIFICATE, "certificate")
def issues(certificate):
    """Add a significant issue and its action, with an owner and a due date."""
    if certificate.status not in rules.EDITABLE:
        return _show(certificate, 409, message=SIGNED)
    form = IssueForm(data={"version": str(certificate.lock_version)})
    context = {"certificate": certificate}
    missing = _versioned_form("certificates/issue.html", form, **context)
    if missing:
        return missing
    if form.validate_on_submit():
        with form_refusals("certificates/issue.html", form, stale=STALE, at_field=True, **context):
            content.add_issue(
                certificate,
                form.issue.data,
                form.action.data,
                form.owner.data,
                form.due_on.data,
                current_user,
                form.expected_version,
            )
        flash("Significant issue added")
        return redirect(_url(certificate, _anchor="issues"))
    return render_form("certificates/issue.html", form, **context)


@bp.route("/certificates/<int:certificate_id>/issues/remove", methods=["POST"])
@signed_in
@requires(Action.READ_CERTIFICATE, "certificate.unit")
@requires(Action.PREPARE_CERTIFICATE, "certificate")
def remove_issue(certificate):
    issue_id = request.form.get("issue", "")

    def remove(certificate, actor, version):
        if not issue_id.isascii() or not issue_id.isdigit() or len(issue_id) > 9:
            raise ServiceError("Choose an issue from the list")
        content.remove_issue(certificate, int(issue_id), actor, version)

    return _step(certificate, remove, "Significant issue removed")


def _step(certificate, step, done: str):
    """A workflow button on the certificate page: one service call, then back to the certificate."""
    form = StepForm()
    if not form.validate_on_submit():
        return _show(certificate, 400, message="This form is out of date: reload the page and try again")
    try:
        result = step(certificate, current_user, form.expected_version)
    except (StaleEdit, StaleDataError):
        return _show(queries.get_certificate(certificate.id), 409, message=STALE)
    except workflow.ProblemsFound as error:
        return _show(certificate, 400, problems=error.problems, message=str(error))
    except ServiceError as error:
        return _show(certificate, 400, message=str(error))
    flash(done)
    return redirect(_url(result or certificate))


@bp.route("/certificates/<int:certificate_id>/submit", methods=["POST"])
@signed_in
@requires(Action.READ_CERTIFICATE, "certificate.unit")
@requires(Action.PREPARE_CERTIFICATE, "certificate")
def submit(certificate):
    return _step(certificate, workflow.submit, "Certificate submitted: the unit head can now sign it")


@bp.route("/certificates/<int:certificate_id>/withdraw", methods=["POST"])
@signed_in
@requires(Action.READ_CERTIFICATE, "certificate.unit")
@requires(Action.PREPARE_CERTIFICATE, "certificate")
def withdraw(certificate):
    return _step(certificate, workflow.withdraw, "Certificate withdrawn: it is a draft again")


@bp.route("/certificates/<int:certificate_id>/correct", methods=["POST"])
@signed_in
@requires(Action.READ_CERTIFICATE, "certificate.unit")
@requires(Action.PREPARE_CERTIFICATE, "certificate")
def correct(certificate):
    def start(certificate, actor, _version):
        return workflow.start_correction(certificate, actor)

    done = "Correction started: a new draft version. The signed version stays until this one is signed"
    return _step(certificate, start, done)


def _signer_key() -> str:
    return f"certificate-signer:{getattr(current_user, 'id', 'anonymous')}"


def _wrong_password(_response) -> bool:
    return bool(g.get("wrong_signing_password"))


@bp.route("/certificates/<int:certificate_id>/sign", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RISKREG_SIGNIN_LIMIT_PER_ACCOUNT"],
    key_func=_signer_key,
    methods=["POST"],
    deduct_when=_wrong_password,
    scope="certificate-sign",
)
@signed_in
@requires(Action.READ_CERTIFICATE, "certificate.unit")
@requires(Action.SIGN_CERTIFICATE, "certificate")
def sign(certificate):
    """The unit head re-enters their password (only their second factor's code when they sign in with single
    sign-on alone); wrong passwords and codes count towards the sign-in limit per account."""
    form = SignForm(data={"version": str(certificate.lock_version)})
    by_code = signers.by_second_factor(current_user)
    if by_code:
        del form.password  # they have no riskreg password to enter
    context = {
        "certificate": certificate,
        "view": queries.view(certificate, today()),
        "refused": None,
        "by_second_factor": by_code,
    }
    if form.validate_on_submit():
        try:
            password = "" if by_code else form.password.data
            workflow.sign(certificate, current_user, password, form.expected_version, form.code.data or "")
        except workflow.WrongPassword as error:
            g.wrong_signing_password = True
            (form.code if error.field == "code" else form.password).errors = [str(error)]
            return render_template("certificates/sign.html", form=form, **context), 400
        except workflow.ProblemsFound as error:
            context["refused"] = error
            return render_template("certificates/sign.html", form=form, **context), 400
        except (StaleEdit, StaleDataError):
            return refuse("certificates/sign.html", form, STALE, 409, **context)
        except NotAllowed as error:
            return refuse("certificates/sign.html", form, str(error), 403, **context)
        except ServiceError as error:
            return refuse("certificates/sign.html", form, str(error), 400, **context)
        flash("Certificate signed. The signed PDF is frozen: download it below")
        return redirect(_url(certificate))
    return render_form("certificates/sign.html", form, **context)


@bp.route("/certificates/<int:certificate_id>/validate", methods=["GET", "POST"])
@signed_in
@requires(Action.READ_CERTIFICATE, "certificate.unit")
@requires(Action.VALIDATE_CERTIFICATE, "certificate")
def validate(certificate):
    form = ValidationForm(data={"version": str(certificate.lock_version)})
    context = {"certificate": certificate}
    if form.validate_on_submit():
        with form_refusals("certificates/validate.html", form, stale=STALE, **context):
            workflow.validate(
                certificate, ValidationOutcome(form.outcome.data), form.notes.data, current_user, form.expected_version
            )
        flash(f"Certificate {certificate.status.label.lower()}")
        return redirect(_url(certificate))
    return render_form("certificates/validate.html", form, **context)


from riskreg.web.certificates import challenges as _challenges  # noqa: E402,F401  (registers its routes on bp)
