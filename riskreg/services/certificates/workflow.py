"""Certificates of assurance: preparing a draft, declaring, and every workflow transition, each audited.

draft → submitted → signed → validated or challenged; submitted → draft (withdrawn);
a correction is a new version that supersedes the signed one when it is signed.
Each transition is one function that checks it against riskreg.rules.certificates
and records the audit event in the same transaction. Signing freezes the
certificate: its PDF, the PDF's SHA-256, the snapshot and its SHA-256 never
change afterwards (the services refuse, and an ORM guard refuses any other path).
"""

from datetime import date

from riskreg import policy
from riskreg.clock import today, utcnow
from riskreg.enums import CertificateStatus as S
from riskreg.enums import Declaration, ValidationOutcome
from riskreg.extensions import db
from riskreg.models import Assertion, Certificate, CertificateIssue, CertificateSection, Unit, User
from riskreg.pdf.config import SigningUnavailable
from riskreg.rules import certificates as rules
from riskreg.rules.certificates import Problem
from riskreg.rules.evidence import financial_year_of
from riskreg.services import NotAllowed, ServiceError, StaleEdit, two_factor, users
from riskreg.services.assurance import evidence as evidence_service
from riskreg.services.audit import checkpoints as audit_checkpoints
from riskreg.services.audit import trail as audit
from riskreg.services.certificates import disclosures as disclosure_service
from riskreg.services.certificates import documents, queries, reliance, signers
from riskreg.services.certificates import measures as cited_measures
from riskreg.services.certificates.templates import default_template, template_statement

Action = policy.Action
EXCEPTION_MAX = 4000
NOTES_MAX = 4000


class ProblemsFound(ServiceError):
    """Refused because of particular assertions; ``problems`` lists each one and why."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


class WrongPassword(ServiceError):
    pass


def _record(actor: User | None, action: str, certificate: Certificate, changes: dict) -> None:
    details = {"unit": certificate.unit.code, "period": certificate.period, "version": certificate.version}
    audit.record(actor, f"certificate.{action}", "certificate", certificate.id, details | changes)


def _check_version(certificate: Certificate, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != certificate.lock_version:
        raise StaleEdit("certificate")


def _check_editable(certificate: Certificate, actor: User, expected_version: int | None) -> None:
    if not policy.can(actor, Action.PREPARE_CERTIFICATE, certificate):
        raise NotAllowed(f"Only risk managers and unit heads of {certificate.unit.name} can change this certificate")
    if certificate.status not in rules.EDITABLE:
        raise ServiceError("This certificate is signed and cannot be changed: start a correction instead")
    _check_version(certificate, expected_version)


def _touch(certificate: Certificate) -> None:
    # Moves the optimistic lock: whoever edits the certificate next from an older page is told.
    certificate.updated_at = utcnow()


def _transition(certificate: Certificate, new: S) -> S:
    old = certificate.status
    if not rules.can_transition(old, new):
        raise ServiceError(f"A {old.label.lower()} certificate cannot be {new.label.lower()}")
    certificate.status = new
    return old


# Preparing ---------------------------------------------------------------------------------------------------


def _check_new_period(unit: Unit, period: str, on: date) -> None:
    if not rules.is_valid_period(period):
        raise ServiceError("Enter the financial year like 2025-26")
    if int(period[:4]) > financial_year_of(on):
        raise ServiceError("A certificate cannot be prepared for a financial year that has not started")
    if queries.versions_of(unit, period):
        raise ServiceError(f"{unit.name} already has a certificate for {period}: open it from the list")


def prepare_draft(unit: Unit, period: str, actor: User) -> Certificate:
    """A new draft for a unit and financial year, with the sections and assertions of the default template."""
    if not policy.can(actor, Action.PREPARE_CERTIFICATE, unit):
        raise NotAllowed(f"Only risk managers and unit heads of {unit.name} can prepare its certificate")
    _check_new_period(unit, period, today())
    template = default_template()
    certificate = Certificate(
        unit=unit, period=period, version=1, status=S.DRAFT, prepared_by=actor, statement=template_statement(template)
    )
    for section in template.sections:
        copy = CertificateSection(position=section.position, title=section.title)
        copy.assertions = [
            Assertion(position=a.position, statement=a.statement, exception_text="") for a in section.assertions
        ]
        certificate.sections.append(copy)
    db.session.add(certificate)
    db.session.flush()
    _record(actor, "prepared", certificate, {"template_id": template.id, "assertions": len(certificate.assertions)})
    return certificate


def start_correction(certificate: Certificate, actor: User) -> Certificate:
    """A new draft version copying a signed certificate's assertions, declarations and links.

    The signed one stays as it is, and is marked superseded when the correction is signed.
    """
    if not policy.can(actor, Action.PREPARE_CERTIFICATE, certificate):
        raise NotAllowed(f"Only risk managers and unit heads of {certificate.unit.name} can correct its certificate")
    if certificate.status not in rules.CORRECTABLE:
        raise ServiceError("Only a signed certificate can be corrected")
    versions = queries.versions_of(certificate.unit, certificate.period)
    if versions[-1].id != certificate.id:
        raise ServiceError(f"Version {versions[-1].version} is already the correction of this certificate")
    correction = Certificate(
        unit=certificate.unit,
        period=certificate.period,
        version=certificate.version + 1,
        status=S.DRAFT,
        supersedes=certificate,
        prepared_by=actor,
        statement=certificate.statement,
        opinion=certificate.opinion,
        opinion_reason=certificate.opinion_reason,
    )
    correction.issues = [
        CertificateIssue(position=i.position, issue=i.issue, action=i.action, owner=i.owner, due_on=i.due_on)
        for i in certificate.issues
    ]
    for section in certificate.sections:
        copy = CertificateSection(position=section.position, title=section.title)
        copy.assertions = [
            Assertion(
                position=a.position,
                statement=a.statement,
                declaration=a.declaration,
                exception_text=a.exception_text,
                countermeasures=list(a.countermeasures),
                measures=list(a.measures),
            )
            for a in section.assertions
        ]
        correction.sections.append(copy)
    db.session.add(correction)
    db.session.flush()
    _record(actor, "correction_started", correction, {"supersedes_id": certificate.id})
    return correction


def link_countermeasures(
    assertion: Assertion,
    countermeasure_ids: set[int],
    actor: User,
    expected_version: int | None = None,
    reasons: dict[int, str] | None = None,
) -> None:
    """Rest an assertion on these countermeasures; ``reasons`` says why each supports it (required when given)."""
    certificate = assertion.section.certificate
    _check_editable(certificate, actor, expected_version)
    unknown = countermeasure_ids - queries.linkable_ids(certificate)
    if unknown:
        raise ServiceError(f"Choose countermeasures of open risks in the {certificate.unit.name} register")
    chosen = queries.countermeasures_by_id(countermeasure_ids)
    if reasons is not None:
        _check_reasons(chosen, reasons)
    before = sorted(cm.id for cm in assertion.countermeasures)
    assertion.countermeasures = chosen
    _touch(certificate)
    db.session.flush()
    if reasons is not None:
        reliance.set_link_reasons(assertion, {cm.id: reasons[cm.id] for cm in chosen})
    _record(
        actor,
        "countermeasures_linked",
        certificate,
        {
            "assertion_id": assertion.id,
            "countermeasure_ids": [before, sorted(countermeasure_ids)],
            "reasons": {str(cm.id): reasons[cm.id].strip() for cm in chosen} if reasons is not None else None,
        },
    )


def cite_measures(
    assertion: Assertion, measure_ids: set[int], actor: User, expected_version: int | None = None
) -> None:
    """Cite these measures of the certificate's unit as evidence for an assertion (none: cite none)."""
    certificate = assertion.section.certificate
    _check_editable(certificate, actor, expected_version)
    allowed = {measure.id: measure for measure in cited_measures.citable(certificate)}
    if measure_ids - allowed.keys():
        raise ServiceError(f"Choose measures of {certificate.unit.name}", field="measures")
    before = sorted(measure.id for measure in assertion.measures)
    assertion.measures = [allowed[key] for key in sorted(measure_ids)]
    _touch(certificate)
    db.session.flush()
    _record(
        actor,
        "measures_cited",
        certificate,
        {"assertion_id": assertion.id, "measure_ids": [before, sorted(measure_ids)]},
    )


def _check_reasons(chosen, reasons: dict[int, str]) -> None:
    for countermeasure in chosen:
        text = (reasons.get(countermeasure.id) or "").strip()
        if not text:
            raise ServiceError(
                f"Say why “{countermeasure.title}” supports this assertion", field=f"reason-{countermeasure.id}"
            )
        if len(text) > EXCEPTION_MAX:
            raise ServiceError(
                f"The reason must be {EXCEPTION_MAX} characters or fewer", field=f"reason-{countermeasure.id}"
            )


def declare(
    assertion: Assertion,
    declaration: Declaration,
    exception_text: str,
    actor: User,
    expected_version: int | None = None,
) -> None:
    """Declare an assertion assured, assured with exceptions, or not assured (the last two explained)."""
    certificate = assertion.section.certificate
    _check_editable(certificate, actor, expected_version)
    text = exception_text.strip() if declaration is not Declaration.ASSURED else ""
    if declaration is not Declaration.ASSURED and not text:
        raise ServiceError("Explain the exception: what was not assured, and what is being done about it")
    if len(text) > EXCEPTION_MAX:
        raise ServiceError(f"The explanation must be {EXCEPTION_MAX} characters or fewer")
    before = {"declaration": assertion.declaration, "exception_text": assertion.exception_text}
    assertion.declaration, assertion.exception_text = declaration, text
    _touch(certificate)
    db.session.flush()
    _record(
        actor,
        "declared",
        certificate,
        {"assertion_id": assertion.id, "before": before, "declaration": declaration, "exception_text": text},
    )


# Transitions -----------------------------------------------------------------------------------------------


def submit(certificate: Certificate, actor: User, expected_version: int | None = None) -> None:
    """Draft → submitted, for the unit head to sign: every assertion declared and every exception explained."""
    _check_editable(certificate, actor, expected_version)
    view = queries.view(certificate, today())
    problems = rules.submission_problems(assertion.declared for assertion in view.assertions)
    if problems:
        raise ProblemsFound(
            "Every assertion must be declared, and every exception explained, before submitting", problems
        )
    _transition(certificate, S.SUBMITTED)
    certificate.submitted_at = utcnow()
    _touch(certificate)
    db.session.flush()
    _record(actor, "submitted", certificate, {"status": [S.DRAFT, S.SUBMITTED]})


def withdraw(certificate: Certificate, actor: User, expected_version: int | None = None) -> None:
    """Submitted → draft: taken back for more work before anyone signs it."""
    _check_editable(certificate, actor, expected_version)
    _transition(certificate, S.DRAFT)
    certificate.submitted_at = None
    _touch(certificate)
    db.session.flush()
    _record(actor, "withdrawn", certificate, {"status": [S.SUBMITTED, S.DRAFT]})


def _check_signer(certificate: Certificate, actor: User, password: str, code: str) -> None:
    if not policy.can(actor, Action.SIGN_CERTIFICATE, certificate):
        raise NotAllowed(f"Only the unit head of {certificate.unit.name} can sign its certificate")
    if signers.by_second_factor(actor):
        # Single sign-on only: no riskreg password to re-enter, so the second factor alone (issue 17).
        if not actor.totp_secret:
            raise ServiceError(
                "You sign in with single sign-on, so signing asks for a code from your authenticator app: "
                "set up a second factor on your account first"
            )
        if not two_factor.verify(actor, code):
            raise WrongPassword(two_factor.WRONG_CODE, field="code")
    else:
        found = users.authenticate(actor.email, password)
        if found is None or found.id != actor.id:
            raise WrongPassword("The password is not correct")
        # Signing asks for the second factor again, from whoever has one (issue 17).
        if actor.totp_secret and not two_factor.verify(actor, code):
            raise WrongPassword(two_factor.WRONG_CODE, field="code")
    if certificate.status is not S.SUBMITTED:
        raise ServiceError("Only a submitted certificate can be signed: submit it first")


def _check_signing_configured() -> None:
    try:
        config = documents.signing_config()
        if not config.can_issue():
            missing = config.what_is_missing()
            raise SigningUnavailable(f"the organisation's CA or signing files cannot be found ({missing})")
    except SigningUnavailable as error:
        raise ServiceError(f"The certificate cannot be signed: {error}. Tell an administrator.") from error


def sign(
    certificate: Certificate, actor: User, password: str, expected_version: int | None = None, code: str = ""
) -> None:
    """Submitted → signed by the unit's head: graded now, printed, signed, frozen, and its evidence locked. The head
    re-enters their password (and code, with a second factor), or only the code when they have no usable
    password (``signers.by_second_factor``)."""
    _check_version(certificate, expected_version)
    _check_signer(certificate, actor, password, code)
    view = queries.view(certificate, today())
    if view.problems:
        raise ProblemsFound("This certificate cannot be signed yet", view.problems)
    if view.content_problems:
        raise ServiceError(f"This certificate cannot be signed yet: {view.content_problems[0].lower()}")
    _check_signing_configured()
    signed_at = utcnow()
    reason = (
        f"Certificate of assurance {certificate.period} for {certificate.unit.name}, version "
        f"{certificate.version}, signed by its unit head"
    )
    for line in view.assertions:  # assertions first: the ORM guard refuses them once the certificate is signed
        assertion = queries.get_assertion(certificate, line.id)
        assertion.signed_strength, assertion.signed_reason = line.strength, line.reason
    db.session.flush()
    snapshot, relied_on = documents.build_snapshot(view, actor, signed_at, reason)
    snapshot_bytes = documents.canonical(snapshot)
    signature = documents.Signature(actor.name, signed_at, reason, documents.sha256(snapshot_bytes))
    unlock = None if signers.by_second_factor(actor) else password  # None: the key's server-side secret
    pdf = _print_and_sign(certificate, actor, unlock, view, signature, snapshot_bytes)
    _freeze(certificate, actor, signed_at, snapshot_bytes, pdf, view.disclosures)
    evidence_service.lock_evidence(relied_on, actor, f"relied on by certificate {certificate.id}")
    _supersede(certificate.supersedes, actor)


def _print_and_sign(certificate, actor: User, password: str | None, view, signature, snapshot: bytes) -> bytes:
    """Print the certificate with the audit trail's anchor in it, and sign it with the signer's own certificate
    (issued now if they have none yet: its audit event comes before the anchor, so the anchor covers it)."""
    try:
        person = signers.key_for(actor, certificate.unit, password, documents.signing_config())
        anchor = audit_checkpoints.anchor()
        unsigned, box = documents.render_signed(view, signature, snapshot, anchor)
        return documents.sign(unsigned, person, signature.reason, box=box, signed_at=signature.signed_at, anchor=anchor)
    except SigningUnavailable as error:
        # Nothing is kept: the request rolls back, including a signing certificate issued on the way.
        raise ServiceError(f"The certificate cannot be signed: {error}. Tell an administrator.") from error


def _freeze(certificate: Certificate, actor: User, signed_at, snapshot: bytes, pdf: bytes, disclosed: dict) -> None:
    _transition(certificate, S.SIGNED)
    certificate.signed_by, certificate.signed_at = actor, signed_at
    certificate.snapshot, certificate.snapshot_sha256 = snapshot.decode("utf-8"), documents.sha256(snapshot)
    certificate.pdf, certificate.content_sha256 = pdf, documents.sha256(pdf)
    certificate.disclosures = disclosed
    _touch(certificate)
    db.session.flush()
    _record(
        actor,
        "signed",
        certificate,
        {
            "status": [S.SUBMITTED, S.SIGNED],
            "content_sha256": certificate.content_sha256,
            "snapshot_sha256": certificate.snapshot_sha256,
            "disclosures": disclosure_service.count(disclosed),
        },
    )


def _supersede(previous: Certificate | None, actor: User) -> None:
    if previous is None:
        return
    old = _transition(previous, S.SUPERSEDED)
    db.session.flush()
    _record(actor, "superseded", previous, {"status": [old, S.SUPERSEDED]})


def validate(
    certificate: Certificate, outcome: ValidationOutcome, notes: str, actor: User, expected_version: int | None = None
) -> None:
    """Signed → validated or challenged by internal audit, with notes."""
    _check_version(certificate, expected_version)
    if not policy.can(actor, Action.VALIDATE_CERTIFICATE, certificate):
        raise NotAllowed("Only internal audit can validate or challenge a certificate")
    if certificate.signed_by_id == actor.id:
        raise NotAllowed("You signed this certificate, so someone else in internal audit must validate it")
    notes = notes.strip()
    if not notes:
        raise ServiceError("Enter your notes")
    if len(notes) > NOTES_MAX:
        raise ServiceError(f"Your notes must be {NOTES_MAX} characters or fewer")
    old = _transition(certificate, S(outcome.value))
    certificate.validated_by, certificate.validated_at = actor, utcnow()
    certificate.validation_outcome, certificate.validation_notes = outcome, notes
    db.session.flush()
    _record(actor, outcome.value, certificate, {"status": [old, certificate.status], "notes": notes})


def pdf_of(certificate: Certificate, generated_at=None) -> bytes:
    """The stored, signed PDF byte for byte; a draft printed now, marked DRAFT and unsigned."""
    if certificate.is_frozen:
        return certificate.pdf or b""
    return documents.render(queries.view(certificate, today()), generated_at or utcnow())


# For the other certificate services (riskreg.services.certificates.content): one lock, one audit format.
check_editable, touch, record = _check_editable, _touch, _record
