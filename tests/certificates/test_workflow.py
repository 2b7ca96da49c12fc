"""Certificates through the services: preparing, grading, declaring, every transition, freezing, corrections."""

from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from riskreg.clock import today
from riskreg.enums import (
    CertificateStatus,
    Declaration,
    EvidenceStrength,
    FlagKind,
    FlagStatus,
    ReminderKind,
    Role,
    ValidationOutcome,
)
from riskreg.extensions import db
from riskreg.models import AuditEvent, Certificate, Evidence, Flag
from riskreg.models.certificate import FrozenCertificate
from riskreg.services import NotAllowed, ServiceError, StaleEdit, reminders
from riskreg.services.certificates import queries, workflow
from riskreg.services.certificates import templates as certificate_templates
from riskreg.services.certificates.defaults import DEFAULT_SECTIONS
from tests.certificates.support import PASSWORD, PERIOD, control, declare_all, draft, signing_ca, test_ca  # noqa: F401
from tests.factories import RiskFactory, user_with_role

pytestmark = pytest.mark.usefixtures("signing_ca")


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def _submitted(org, strengths=None, declaration=None):
    certificate = declare_all(draft(org), org.risk_ln, strengths or {}, org, declaration)
    workflow.submit(certificate, org.risk_ln)
    return certificate


# Preparing -----------------------------------------------------------------------------------------------


def test_a_draft_starts_from_the_default_template_with_its_nine_sections(org):
    certificate = draft(org)
    assert [section.title for section in certificate.sections] == [title for title, _ in DEFAULT_SECTIONS]
    assert [a.statement for a in certificate.sections[0].assertions] == DEFAULT_SECTIONS[0][1]
    assert certificate.status is CertificateStatus.DRAFT and certificate.prepared_by_id == org.risk_ln.id
    assert all(a.declaration is None and not a.countermeasures for a in certificate.assertions)
    assert _events("certificate.prepared")[0].entity_id == certificate.id


def test_the_edited_template_shapes_new_drafts_only(org):
    old = draft(org)
    template = certificate_templates.default_template()
    section = template.sections[0]
    certificate_templates.rename_section(section, "High operational risk", org.admin)
    certificate_templates.add_assertion(section, "Witness care met its targets", org.admin)
    certificate_templates.remove_section(template.sections[-1], org.admin)
    new = workflow.prepare_draft(org.ls, PERIOD.label, org.risk_ls)
    assert new.sections[0].title == "High operational risk" and len(new.sections) == 8
    assert new.sections[0].assertions[-1].statement == "Witness care met its targets"
    assert old.sections[0].title == DEFAULT_SECTIONS[0][0] and len(old.sections) == 9
    assert len(_events("certificate_template.section_renamed")) == 1


def test_the_template_keeps_at_least_one_section_and_refuses_blank_text(org):
    template = certificate_templates.default_template()
    with pytest.raises(ServiceError, match="Enter the assertion"):
        certificate_templates.add_assertion(template.sections[0], "   ", org.admin)
    for section in list(template.sections[1:]):
        certificate_templates.remove_section(section, org.admin)
    with pytest.raises(ServiceError, match="at least one section"):
        certificate_templates.remove_section(template.sections[0], org.admin)


def test_preparing_is_for_the_units_risk_managers_and_heads_and_once_per_year(org):
    for outsider in (org.viewer_ln, org.risk_ls, org.auditor):
        with pytest.raises(NotAllowed):
            workflow.prepare_draft(org.ln, PERIOD.label, outsider)
    workflow.prepare_draft(org.ln, PERIOD.label, org.head_ln)
    with pytest.raises(ServiceError, match="already has a certificate"):
        workflow.prepare_draft(org.ln, PERIOD.label, org.risk_ln)
    with pytest.raises(ServiceError, match="like 2025-26"):
        workflow.prepare_draft(org.ln, "2025/26", org.risk_ln)
    future = f"{today().year + 1}-{(today().year + 2) % 100:02d}"
    with pytest.raises(ServiceError, match="has not started"):
        workflow.prepare_draft(org.ln, future, org.risk_ln)


# Grading and declaring -------------------------------------------------------------------------------------


def test_an_assertion_is_as_strong_as_its_weakest_countermeasure(org):
    certificate = draft(org)
    first, second, third = certificate.assertions[:3]
    workflow.link_countermeasures(first, {control(org, "strong").id, control(org, "limited").id}, org.risk_ln)
    workflow.link_countermeasures(second, {control(org, "moderate").id}, org.risk_ln)
    view = queries.view(certificate, today())
    lines = {line.id: line for line in view.assertions}
    assert lines[first.id].strength is EvidenceStrength.LIMITED
    assert lines[first.id].reason.startswith("Tested effective by management (1st line)")
    assert lines[first.id].reason.endswith("no evidence attached")
    assert lines[second.id].strength is EvidenceStrength.MODERATE
    assert (lines[third.id].strength, lines[third.id].reason) == (EvidenceStrength.NONE, "No countermeasure linked")
    assert view.judged_on == PERIOD.end


def test_linking_is_limited_to_the_units_open_unrestricted_risks(org):
    certificate = draft(org)
    elsewhere = control(org, "strong", unit=org.ls)
    restricted = RiskFactory(register=org.ln.register, restricted=True)
    hidden = control(org, "strong", risk=restricted)
    for countermeasure in (elsewhere, hidden):
        with pytest.raises(ServiceError, match="open risks in the London North register"):
            workflow.link_countermeasures(certificate.assertions[0], {countermeasure.id}, org.risk_ln)
    offered = [cm.id for group in queries.linkable(certificate, today()) for cm, _ in group.countermeasures]
    assert elsewhere.id not in offered and hidden.id not in offered


def test_an_exception_needs_an_explanation_and_assured_needs_none(org):
    assertion = draft(org).assertions[0]
    with pytest.raises(ServiceError, match="Explain the exception"):
        workflow.declare(assertion, Declaration.NOT_ASSURED, "  ", org.risk_ln)
    workflow.declare(assertion, Declaration.ASSURED_WITH_EXCEPTIONS, "Two late checks", org.risk_ln)
    workflow.declare(assertion, Declaration.ASSURED, "left over", org.risk_ln)
    assert (assertion.declaration, assertion.exception_text) == (Declaration.ASSURED, "")
    assert len(_events("certificate.declared")) == 2


def test_an_edit_from_an_out_of_date_page_is_refused(org):
    certificate = draft(org)
    seen = certificate.lock_version
    workflow.declare(certificate.assertions[0], Declaration.ASSURED, "", org.risk_ln, seen)
    db.session.flush()
    with pytest.raises(StaleEdit):
        workflow.declare(certificate.assertions[1], Declaration.ASSURED, "", org.head_ln, seen)


# Submitting and withdrawing ---------------------------------------------------------------------------------


def test_submitting_needs_every_assertion_declared_but_not_strong_evidence(org):
    certificate = draft(org)
    with pytest.raises(workflow.ProblemsFound) as refused:
        workflow.submit(certificate, org.risk_ln)
    assert len(refused.value.problems) == len(certificate.assertions)
    certificate = declare_all(certificate, org.risk_ln, {0: "weak"}, org, Declaration.ASSURED)
    workflow.submit(certificate, org.risk_ln)
    assert certificate.status is CertificateStatus.SUBMITTED and certificate.submitted_at
    workflow.withdraw(certificate, org.risk_ln)
    assert certificate.status is CertificateStatus.DRAFT and certificate.submitted_at is None
    with pytest.raises(ServiceError, match="draft certificate cannot be draft"):
        workflow.withdraw(certificate, org.risk_ln)
    assert [len(_events(f"certificate.{name}")) for name in ("submitted", "withdrawn")] == [1, 1]


# Signing ------------------------------------------------------------------------------------------------------


def test_only_the_units_own_head_may_sign(org):
    certificate = _submitted(org)
    head_hq = user_with_role(Role.UNIT_HEAD, org.hq, name="Chief Executive")  # a head ABOVE the unit
    for who in (org.risk_ln, org.head_ls, head_hq, org.auditor):
        with pytest.raises(NotAllowed, match="Only the unit head of London North"):
            workflow.sign(certificate, who, PASSWORD)
    assert certificate.status is CertificateStatus.SUBMITTED and certificate.pdf is None


def test_a_wrong_password_is_refused(org):
    certificate = _submitted(org)
    with pytest.raises(workflow.WrongPassword, match="password is not correct"):
        workflow.sign(certificate, org.head_ln, "not my password")
    assert certificate.status is CertificateStatus.SUBMITTED and not _events("certificate.signed")


def test_signing_is_refused_while_a_weak_assertion_is_declared_assured_and_names_it(org):
    certificate = _submitted(org, {0: "weak", 4: "limited"}, Declaration.ASSURED)
    with pytest.raises(workflow.ProblemsFound) as refused:
        workflow.sign(certificate, org.head_ln, PASSWORD)
    named = {problem.statement: problem.problem for problem in refused.value.problems}
    assert set(named) == {certificate.assertions[0].statement, certificate.assertions[4].statement}
    assert all("not strong enough" in problem for problem in named.values())
    assert certificate.status is CertificateStatus.SUBMITTED and certificate.content_sha256 is None


def test_only_a_submitted_certificate_can_be_signed(org):
    certificate = declare_all(draft(org), org.risk_ln, {}, org)
    with pytest.raises(ServiceError, match="submit it first"):
        workflow.sign(certificate, org.head_ln, PASSWORD)


def test_signing_freezes_the_certificate_and_locks_its_evidence(org):
    certificate = _submitted(org, {0: "moderate", 1: "limited"})
    workflow.sign(certificate, org.head_ln, PASSWORD)
    assert certificate.status is CertificateStatus.SIGNED and certificate.signed_by_id == org.head_ln.id
    assert certificate.pdf.startswith(b"%PDF") and len(certificate.content_sha256) == 64
    assert certificate.snapshot and len(certificate.snapshot_sha256) == 64
    assert [a.signed_strength for a in certificate.assertions[:2]] == [
        EvidenceStrength.MODERATE,
        EvidenceStrength.LIMITED,
    ]
    relied_on = {e.id for a in certificate.assertions for cm in a.countermeasures for t in _tests(cm) for e in t}
    locked = set(db.session.scalars(sa.select(Evidence.id).where(Evidence.locked.is_(True))))
    assert relied_on and relied_on <= locked
    (event,) = _events("certificate.signed")
    assert event.changes["content_sha256"] == certificate.content_sha256


def _tests(countermeasure):
    from riskreg.services.assurance import control_tests

    return [test.evidence for test in control_tests.tests_of(countermeasure)]


def test_nothing_a_signed_certificate_froze_ever_changes(org):
    certificate = _submitted(org)
    workflow.sign(certificate, org.head_ln, PASSWORD)
    db.session.flush()
    stored = (certificate.pdf, certificate.content_sha256, certificate.snapshot, certificate.snapshot_sha256)
    assertion = certificate.assertions[0]
    # The services refuse every change, and signing twice.
    with pytest.raises(ServiceError, match="start a correction"):
        workflow.declare(assertion, Declaration.NOT_ASSURED, "Changed my mind", org.head_ln)
    with pytest.raises(ServiceError, match="start a correction"):
        workflow.link_countermeasures(assertion, set(), org.head_ln)
    with pytest.raises(ServiceError):
        workflow.sign(certificate, org.head_ln, PASSWORD)
    # Any other code path is stopped by the ORM guard.
    for change in ({"pdf": b"%PDF-1.7 forged"}, {"content_sha256": "0" * 64}, {"snapshot": "{}"}):
        savepoint = db.session.begin_nested()
        for name, value in change.items():
            setattr(certificate, name, value)
        with pytest.raises(FrozenCertificate):
            db.session.flush()
        savepoint.rollback()
    savepoint = db.session.begin_nested()
    assertion.exception_text = "quietly edited"
    with pytest.raises(FrozenCertificate):
        db.session.flush()
    savepoint.rollback()
    db.session.expire_all()
    again = db.session.get(Certificate, certificate.id)
    assert (again.pdf, again.content_sha256, again.snapshot, again.snapshot_sha256) == stored


def test_signing_without_a_signing_certificate_is_refused_with_a_clear_message(org, app, monkeypatch):
    certificate = _submitted(org)
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_KEY", None)
    with pytest.raises(ServiceError, match="Signing is not configured: set RISKREG_SIGNING_KEY"):
        workflow.sign(certificate, org.head_ln, PASSWORD)
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_KEY", "/nonexistent/key.pem")
    with pytest.raises(ServiceError, match="cannot be found .*/nonexistent/key.pem"):
        workflow.sign(certificate, org.head_ln, PASSWORD)
    assert certificate.status is CertificateStatus.SUBMITTED
    assert all(assertion.signed_strength is None for assertion in certificate.assertions)


# Disclosures -----------------------------------------------------------------------------------------------------


def test_disclosures_are_computed_at_signing_and_kept_as_they_were(org):
    # Everything is judged as at the period end (issue 15): flags raised and actions due before it.
    before_end = datetime.combine(PERIOD.end - timedelta(days=30), time(9))
    above = RiskFactory(
        register=org.ln.register,
        title="Custody cases released",
        residual_l=5,
        residual_i=4,
        next_review_on=PERIOD.end - timedelta(days=3),
    )
    RiskFactory(register=org.ln.register, title="Secret source exposed", restricted=True, residual_l=5, residual_i=5)
    control(org, "none", title="Weekly custody check")
    control(org, "weak", title="Diary of time limits")
    overdue = control(org, "planned", title="New custody tracker")
    overdue.due_on = PERIOD.end - timedelta(days=10)
    within = RiskFactory(register=org.ln.register, title="Paper files kept", residual_l=1, residual_i=2)
    db.session.add_all(
        [
            Flag(kind=FlagKind.STAGNANT_SCORE, risk=above, note="Unchanged for four reviews", raised_at=before_end),
            Flag(
                kind=FlagKind.REVIEW_OVERDUE,
                risk=above,
                note="Done",
                status=FlagStatus.RESOLVED,
                raised_at=before_end,
                resolved_at=before_end + timedelta(days=1),
            ),
            Flag(kind=FlagKind.REVIEW_OVERDUE, risk=within, note="Late", raised_at=before_end),
            Flag(kind=FlagKind.UNCLEAR_DESCRIPTION, risk=within, note="Vague", raised_at=before_end),
        ]
    )
    db.session.flush()
    certificate = _submitted(org)
    workflow.sign(certificate, org.head_ln, PASSWORD)
    groups = {group["kind"]: group["items"] for group in certificate.disclosures["groups"]}
    assert list(groups) == [
        "above_appetite",
        "overdue_reviews",
        "open_flags",
        "ineffective_controls",
        "untested_controls",
        "overdue_actions",
        "overdue_recommendations",  # riskreg.services.recommendations (issue 19)
    ]
    # The live flags on risks above appetite one by one, the others counted by kind.
    assert groups["open_flags"] == [
        {"ref": above.ref, "text": "Custody cases released: score unchanged above appetite"},
        {"ref": "", "text": "On risks within appetite: review overdue 1, unclear description 1"},
    ]
    above_texts = " ".join(item["text"] for item in groups["above_appetite"])
    assert "Custody cases released: residual score 20 (very high), tolerance 9" in above_texts
    assert "Restricted risk (details withheld)" in above_texts and "Secret source" not in certificate.snapshot
    assert [item["ref"] for item in groups["overdue_reviews"]] == [above.ref]
    assert any(i["text"].startswith("Weekly custody check: Tested ineffective") for i in groups["ineffective_controls"])
    untested = groups["untested_controls"]
    assert any(i["text"].startswith("Diary of time limits: In place but not tested") for i in untested)
    assert any(i["text"].startswith("New custody tracker: due on") for i in groups["overdue_actions"])
    # Later changes to the register do not touch what was disclosed.
    above.residual_l = 1
    db.session.flush()
    assert queries.view(certificate, today()).disclosures == certificate.disclosures
    assert "Custody cases released" in str(queries.view(certificate, today()).disclosures)


# Validation ------------------------------------------------------------------------------------------------------


def _signed(org):
    certificate = _submitted(org)
    workflow.sign(certificate, org.head_ln, PASSWORD)
    return certificate


@pytest.mark.parametrize("outcome", list(ValidationOutcome))
def test_internal_audit_validates_or_challenges_with_notes(org, outcome):
    certificate = _signed(org)
    with pytest.raises(NotAllowed):
        workflow.validate(certificate, outcome, "Looks fine", org.hq_risk)
    with pytest.raises(ServiceError, match="Enter your notes"):
        workflow.validate(certificate, outcome, " ", org.auditor)
    workflow.validate(certificate, outcome, "Sampled six assertions", org.auditor)
    assert certificate.status.value == outcome.value and certificate.validation_outcome is outcome
    assert certificate.validated_by_id == org.auditor.id and certificate.validation_notes == "Sampled six assertions"
    with pytest.raises(ServiceError):
        workflow.validate(certificate, outcome, "Again", org.auditor)
    assert len(_events(f"certificate.{outcome.value}")) == 1


def test_a_draft_cannot_be_validated(org):
    with pytest.raises(ServiceError, match="draft certificate cannot be"):
        workflow.validate(draft(org), ValidationOutcome.VALIDATED, "Fine", org.auditor)


# Corrections --------------------------------------------------------------------------------------------------------


def test_a_correction_is_a_new_version_that_supersedes_the_signed_one_when_signed(org):
    original = _signed(org)
    workflow.validate(original, ValidationOutcome.CHALLENGED, "Explain the exceptions", org.auditor)
    correction = queries.get_certificate(workflow.start_correction(original, org.risk_ln).id)
    assert (correction.version, correction.supersedes_id, correction.status) == (
        2,
        original.id,
        CertificateStatus.DRAFT,
    )
    assert [(a.statement, a.declaration, [c.id for c in a.countermeasures]) for a in correction.assertions] == [
        (a.statement, a.declaration, [c.id for c in a.countermeasures]) for a in original.assertions
    ]
    with pytest.raises(ServiceError, match="already the correction"):
        workflow.start_correction(original, org.risk_ln)
    assert original.status is CertificateStatus.CHALLENGED  # stands until the correction is signed
    workflow.declare(correction.assertions[0], Declaration.ASSURED_WITH_EXCEPTIONS, "Owner named", org.risk_ln)
    workflow.submit(correction, org.risk_ln)
    workflow.sign(correction, org.head_ln, PASSWORD)
    assert original.status is CertificateStatus.SUPERSEDED and correction.status is CertificateStatus.SIGNED
    assert original.validation_outcome is ValidationOutcome.CHALLENGED  # kept, still readable
    old_view = queries.view(original, today())
    assert old_view.assertions[0].declaration is Declaration.ASSURED and not old_view.live
    assert len(_events("certificate.superseded")) == 1


def test_only_a_signed_certificate_can_be_corrected(org):
    with pytest.raises(ServiceError, match="Only a signed certificate"):
        workflow.start_correction(draft(org), org.risk_ln)


# Reminders -------------------------------------------------------------------------------------------------------


def test_the_units_own_head_is_reminded_of_a_certificate_waiting_for_signature(org):
    draft(org, org.ls, org.risk_ls)  # a draft: nothing to sign yet
    certificate = _submitted(org)
    user_with_role(Role.UNIT_HEAD, org.hq, name="Chief Executive")  # above LN, but cannot sign its certificate
    found = reminders.certificates_awaiting_signature(today(), "https://riskreg.example.org")
    assert [(r.recipient.id, r.kind) for r in found] == [(org.head_ln.id, ReminderKind.CERTIFICATES)]
    assert f"London North, {PERIOD.label} (version 1) https://riskreg.example.org/certificates/{certificate.id}" in (
        found[0].body
    )
    assert found[0].subject == "riskreg: 1 certificate of assurance to sign"
    assert ReminderKind.CERTIFICATES in {r.kind for r in reminders.pending(today())}
    workflow.sign(certificate, org.head_ln, PASSWORD)
    assert reminders.certificates_awaiting_signature(today()) == []
