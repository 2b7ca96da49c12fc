"""Each signer's own certificate: issued by the organisation's CA on first signing, kept, its key protected; the
audit anchor signed into each certificate; a real local time-stamping authority (PAdES B-T)."""

import json
import subprocess
from datetime import UTC
from io import BytesIO

import pyotp
import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from riskreg.clock import utcnow
from riskreg.enums import CertificateStatus, Role, UnitKind
from riskreg.extensions import db
from riskreg.models import AuditEvent, RoleAssignment, SignerCertificate
from riskreg.pdf import documents as pdf_documents
from riskreg.pdf import pki, signing
from riskreg.rules.signers import signing_title
from riskreg.services import ServiceError, accounts
from riskreg.services.certificates import documents, signers, workflow
from tests.certificates.support import PASSWORD, declare_all, draft, signing_ca, test_ca  # noqa: F401
from tests.factories import UnitFactory, UserFactory
from tests.tsa import local_tsa  # noqa: F401

pytestmark = pytest.mark.usefixtures("signing_ca")
NEW_PASSWORD = "a quite different passphrase 2026"


def _sign(org, strengths=None):
    certificate = declare_all(draft(org), org.risk_ln, strengths or {0: "strong"}, org)
    workflow.submit(certificate, org.risk_ln)
    workflow.sign(certificate, org.head_ln, PASSWORD)
    db.session.flush()
    return certificate


def _records(user) -> list[SignerCertificate]:
    query = sa.select(SignerCertificate).where(SignerCertificate.user_id == user.id).order_by(SignerCertificate.id)
    return list(db.session.scalars(query))


def _names(cert: x509.Certificate, oid) -> list[str]:
    return [str(attribute.value) for attribute in cert.subject.get_attributes_for_oid(oid)]


def test_the_first_signing_issues_the_signer_a_certificate_of_their_own_and_later_ones_keep_it(org, test_ca):  # noqa: F811
    first = _sign(org)
    (record,) = _records(org.head_ln)
    cert = x509.load_der_x509_certificate(record.certificate)
    assert _names(cert, NameOID.COMMON_NAME) == [org.head_ln.name]
    assert _names(cert, NameOID.TITLE) == ["Chief Crown Prosecutor, London North"]
    assert _names(cert, NameOID.EMAIL_ADDRESS) == [org.head_ln.email]
    ca_cert = x509.load_pem_x509_certificate(test_ca.ca_cert_path.read_bytes())
    assert cert.issuer == ca_cert.subject
    assert signing.verify(first.pdf, test_ca.trust_root_paths).signer.serial == record.serial

    correction = workflow.start_correction(first, org.risk_ln)
    workflow.submit(correction, org.risk_ln)
    workflow.sign(correction, org.head_ln, PASSWORD)
    assert [r.serial for r in _records(org.head_ln)] == [record.serial]  # kept, not issued again
    assert signing.verify(correction.pdf, test_ca.trust_root_paths).signer.serial == record.serial


def test_the_private_key_is_kept_only_encrypted_and_never_in_the_audit_trail(org, test_ca):  # noqa: F811
    _sign(org)
    (record,) = _records(org.head_ln)
    pepper = signers.pepper_of(pki.load_ca(test_ca.ca_key_path, test_ca.ca_cert_path)[0])
    key = signers.unwrap(record, PASSWORD, pepper)
    public = x509.load_der_x509_certificate(record.certificate).public_key()
    assert key.public_key() == public
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    assert der not in record.wrapped_key
    assert signers.unwrap(record, "not the password", pepper) is None
    assert signers.unwrap(record, PASSWORD, bytes(32)) is None  # the database and the password alone do not do
    issued = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "signer_certificate.issued"))
    assert set(issued.changes) == {"serial", "subject", "not_after", "key_unlocked_by"}
    assert issued.changes["key_unlocked_by"] == "password"


def test_after_a_password_change_a_new_certificate_is_issued_and_old_signatures_stay_valid(org, test_ca):  # noqa: F811
    first = _sign(org)
    accounts.change_password(org.head_ln, PASSWORD, NEW_PASSWORD)
    correction = workflow.start_correction(first, org.risk_ln)
    workflow.submit(correction, org.risk_ln)
    workflow.sign(correction, org.head_ln, NEW_PASSWORD)
    old, new = _records(org.head_ln)
    assert old.replaced_at is not None and new.replaced_at is None and old.serial != new.serial
    assert signing.verify(first.pdf, test_ca.trust_root_paths).ok
    assert signing.verify(correction.pdf, test_ca.trust_root_paths).signer.serial == new.serial


# Single sign-on only (issue 17): no riskreg password to re-enter, so the second factor alone ----------------------


def _submitted(org):
    certificate = declare_all(draft(org), org.risk_ln, {0: "strong"}, org)
    workflow.submit(certificate, org.risk_ln)
    db.session.flush()
    return certificate


def _code(secret: str, steps_on: int = 0) -> str:
    """The code an authenticator app shows ``steps_on`` 30-second steps from now (riskreg accepts one step either
    side, and each step once)."""
    return pyotp.TOTP(secret).at(utcnow().replace(tzinfo=UTC), counter_offset=steps_on)


@pytest.fixture
def sso_only_head(org):
    """London North's head as an organisation on single sign-on alone has them: no riskreg password, a second factor."""
    org.head_ln.password_hash = ""
    org.head_ln.totp_secret = pyotp.random_base32()
    db.session.flush()
    return org.head_ln


def test_a_head_with_single_sign_on_only_signs_with_their_second_factor(org, test_ca, sso_only_head):  # noqa: F811
    certificate = _submitted(org)
    workflow.sign(certificate, sso_only_head, "", code=_code(sso_only_head.totp_secret))
    assert certificate.status is CertificateStatus.SIGNED and certificate.signed_by == sso_only_head
    (record,) = _records(sso_only_head)
    verified = signing.verify(certificate.pdf, test_ca.trust_root_paths)
    assert verified.ok and verified.signer.serial == record.serial
    issued = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "signer_certificate.issued"))
    assert issued.changes["key_unlocked_by"] == "second factor"
    # The key is wrapped under a secret the server derives: with the CA's pepper it unlocks, with the database
    # alone (the TOTP secret is in it, the pepper is not) it does not.
    pepper = signers.pepper_of(pki.load_ca(test_ca.ca_key_path, test_ca.ca_cert_path)[0])
    secret = signers._server_secret(sso_only_head)
    assert signers.unwrap(record, secret, pepper) is not None
    assert signers.unwrap(record, secret, bytes(32)) is None
    # The next signing unlocks the same key with the next code: no new certificate.
    correction = workflow.start_correction(certificate, org.risk_ln)
    workflow.submit(correction, org.risk_ln)
    workflow.sign(correction, sso_only_head, "", code=_code(sso_only_head.totp_secret, 1))
    assert [r.serial for r in _records(sso_only_head)] == [record.serial]
    assert signing.verify(correction.pdf, test_ca.trust_root_paths).signer.serial == record.serial


def test_a_wrong_code_is_refused_and_nothing_changes(org, sso_only_head):
    certificate = _submitted(org)
    right = _code(sso_only_head.totp_secret)
    wrong = "000000" if right != "000000" else "111111"
    with pytest.raises(workflow.WrongPassword, match="6-digit code") as refused:
        workflow.sign(certificate, sso_only_head, PASSWORD, code=wrong)  # a password is no use either
    assert refused.value.field == "code"
    with pytest.raises(workflow.WrongPassword):
        workflow.sign(certificate, sso_only_head, PASSWORD)
    assert certificate.status is CertificateStatus.SUBMITTED and certificate.pdf is None
    assert _records(sso_only_head) == [] and sso_only_head.totp_last_step is None


def test_with_passwords_switched_off_a_password_does_not_sign_and_a_head_without_a_second_factor_is_told(
    org, app, monkeypatch
):
    monkeypatch.setitem(app.config, "RISKREG_LOCAL_PASSWORDS", False)
    certificate = _submitted(org)
    assert org.head_ln.has_password and signers.by_second_factor(org.head_ln)
    with pytest.raises(ServiceError, match="set up a second factor"):
        workflow.sign(certificate, org.head_ln, PASSWORD)
    assert certificate.status is CertificateStatus.SUBMITTED


def test_the_password_path_is_unchanged_where_passwords_are_on(org, test_ca):  # noqa: F811
    assert not signers.by_second_factor(org.head_ln)
    certificate = _sign(org)
    assert signing.verify(certificate.pdf, test_ca.trust_root_paths).ok


def test_the_title_comes_from_where_the_head_role_is_held():
    assert signing_title(UnitKind.DIVISION, "Central Fraud") == "Head of Division, Central Fraud"
    assert signing_title(UnitKind.AREA, "Wessex") == "Chief Crown Prosecutor, Wessex"


def test_a_head_of_division_signing_for_a_unit_inside_it_signs_as_head_of_division(org):
    division = UnitFactory(code="SCCTD", name="Special Crime and Counter Terrorism", kind=UnitKind.DIVISION)
    unit = UnitFactory(code="SCCTD-CT", name="Counter Terrorism", kind=UnitKind.UNIT, parent=division)
    head = UserFactory(name="Dana Division")
    db.session.add(RoleAssignment(user=head, role=Role.UNIT_HEAD, unit=division))
    db.session.flush()
    assert signers.title_for(head, unit) == "Head of Division, Special Crime and Counter Terrorism"


def test_truncating_the_audit_trail_is_reported_against_the_anchor_signed_into_the_certificate(org):
    certificate = _sign(org)
    anchor = json.loads(pdf_documents.embedded_files(certificate.pdf)[documents.ANCHOR_NAME])
    assert anchor["count"] == anchor["last_id"] - first_id() + 1  # every event up to the signing
    assert documents.verify(certificate.pdf).ok
    # Someone with the database cuts the trail: the last three events before the signing, and all after it.
    cut_from = anchor["last_id"] - 2
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id >= cut_from))
    result = documents.verify(certificate.pdf)
    (failure,) = [check for check in result.failures if check.name == "Audit trail"]
    assert f"counted {anchor['count']} events up to event {anchor['last_id']}" in failure.detail
    assert f"the trail has {anchor['count'] - 3} (3 missing" in failure.detail
    assert f"the last event present is {cut_from - 1}" in failure.detail


def first_id() -> int:
    return db.session.scalar(sa.select(sa.func.min(AuditEvent.id)))


def test_a_time_stamped_certificate_verifies_with_the_local_tsa_root(org, app, monkeypatch, test_ca, local_tsa):  # noqa: F811
    monkeypatch.setitem(app.config, "RISKREG_TSA_URL", local_tsa.url)
    roots = [str(p) for p in (*test_ca.trust_root_paths, local_tsa.root_path)]
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_TRUST_ROOTS", roots)
    certificate = _sign(org)
    result = documents.verify(certificate.pdf)
    assert result.ok, result.failures
    stamp = {check.name: check for check in result.checks}["Time-stamp"]
    assert stamp.ok and stamp.detail.endswith("from Test TSA: intact and trusted")


def test_an_unreachable_tsa_refuses_signing_and_keeps_nothing(org, app, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_TSA_URL", "http://127.0.0.1:9/tsa")
    certificate = declare_all(draft(org), org.risk_ln, {0: "strong"}, org)
    workflow.submit(certificate, org.risk_ln)
    with pytest.raises(workflow.ServiceError, match="time-stamping authority at http://127.0.0.1:9/tsa did not answer"):
        workflow.sign(certificate, org.head_ln, PASSWORD)


def test_audit_verify_checks_the_trail_against_every_stored_certificate_without_a_checkpoint_file(
    org, app, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "RISKREG_AUDIT_CHECKPOINTS", str(tmp_path / "none.jsonl"))
    certificate = _sign(org)
    anchor = json.loads(pdf_documents.embedded_files(certificate.pdf)[documents.ANCHOR_NAME])
    db.session.expire_all()
    intact = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert intact.exit_code == 0, intact.output
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id >= anchor["last_id"] - 1))
    db.session.expire_all()
    cut = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert cut.exit_code == 1
    assert f"against the anchor signed into certificate {certificate.id}: events missing" in cut.output
    assert f"counted {anchor['count']} events up to event {anchor['last_id']}" in cut.output


def test_the_signed_certificate_ends_with_a_visible_signature_block_on_its_last_page(org, tmp_path):
    from pypdf import PdfReader

    certificate = _sign(org)
    reader = PdfReader(BytesIO(certificate.pdf))
    last = reader.pages[-1]
    (widget,) = [a.get_object() for a in last.get("/Annots", []) if a.get_object().get("/FT") == "/Sig"]
    x1, y1, x2, y2 = (float(n) for n in widget["/Rect"])
    assert x2 - x1 > 200 and y2 - y1 > 60 and y1 > 40  # a real block, above the page's footer
    path = tmp_path / "signed.pdf"
    path.write_bytes(certificate.pdf)
    pages = len(reader.pages)
    last_text = subprocess.run(
        ["pdftotext", "-f", str(pages), "-l", str(pages), str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    head = org.head_ln.name
    assert f"Digitally signed by\n{head}\nChief Crown Prosecutor, London North\nDate: " in last_text
    assert "Audit trail: " in last_text


def test_without_an_issuing_ca_signing_is_refused_naming_the_settings(org, app, monkeypatch):
    certificate = declare_all(draft(org), org.risk_ln, {0: "strong"}, org)
    workflow.submit(certificate, org.risk_ln)
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_CA_KEY", None)
    with pytest.raises(workflow.ServiceError, match="set RISKREG_SIGNING_CA_KEY and RISKREG_SIGNING_CA_CERT"):
        workflow.sign(certificate, org.head_ln, PASSWORD)
    assert not _records(org.head_ln)
