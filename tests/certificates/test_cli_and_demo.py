"""`riskreg certificates render / export / verify`, and the demo's certificates signed with the demo CA."""

import shutil
import subprocess
from io import BytesIO

import pytest
import sqlalchemy as sa
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from riskreg import demo
from riskreg.clock import today
from riskreg.enums import CertificateStatus, Declaration, EvidenceStrength, MeasureVerdict, ValidationOutcome
from riskreg.extensions import db
from riskreg.models import Certificate, Unit, User
from riskreg.pdf import signing
from riskreg.services.certificates import documents, queries, workflow
from tests.certificates.support import PASSWORD, PERIOD, declare_all, draft, signing_ca, test_ca  # noqa: F401

# Rendering, exporting and verifying files: the PostgreSQL pass signs and reads back stored PDFs in test_workflow
# and test_pages, and seeds the demo in test_demo.
pytestmark = pytest.mark.engine_independent


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["certificates", *args])


def _tamper(pdf: bytes) -> bytes:
    changed = bytearray(pdf)
    changed[pdf.index(b"/Producer") + 1] ^= 0x01  # one byte inside the signed range
    return bytes(changed)


@pytest.mark.usefixtures("signing_ca")
def test_render_export_and_verify(app, org, tmp_path):
    certificate = declare_all(draft(org), org.risk_ln, {}, org)
    rendered = _run(app, "render", "--unit", "ln", "--period", PERIOD.label, "-o", str(tmp_path / "draft.pdf"))
    assert rendered.exit_code == 0, rendered.output
    assert "DRAFT, not signed" in rendered.output
    assert "DRAFT – not signed" in PdfReader(tmp_path / "draft.pdf").pages[0].extract_text()
    refused = _run(app, "export", str(certificate.id), "-o", str(tmp_path / "x.pdf"))
    assert refused.exit_code != 0 and "is not signed" in refused.output

    workflow.submit(certificate, org.risk_ln)
    workflow.sign(certificate, org.head_ln, PASSWORD)
    db.session.flush()
    assert _run(app, "render", "--unit", "LN", "--period", PERIOD.label, "-o", str(tmp_path / "d.pdf")).exit_code != 0
    exported = _run(app, "export", str(certificate.id), "-o", str(tmp_path / "signed.pdf"))
    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "signed.pdf").read_bytes() == certificate.pdf  # byte for byte

    verified = _run(app, "verify", str(tmp_path / "signed.pdf"))
    assert verified.exit_code == 0, verified.output
    head = org.head_ln
    assert f"ok    Signed by: {head.name}, Chief Crown Prosecutor, London North <{head.email}>" in verified.output
    assert "ok    Signed at: " in verified.output and "ok    Time-stamp: none" in verified.output
    assert "ok    Audit trail: matches the anchor signed into this certificate" in verified.output
    assert f"Verified: certificate {certificate.id}, signed by {head.name}, Chief Crown Prosecutor" in verified.output

    (tmp_path / "tampered.pdf").write_bytes(_tamper(certificate.pdf))
    broken = _run(app, "verify", str(tmp_path / "tampered.pdf"))
    assert broken.exit_code == 1
    assert "FAIL  Signature intact: the signature is broken" in broken.output

    failed = _run(app, "verify", str(tmp_path / "draft.pdf"))
    assert failed.exit_code == 1 and "the file has no digital signature" in failed.output


@pytest.mark.usefixtures("signing_ca")
def test_verify_refuses_a_certificate_from_a_ca_it_does_not_trust(app, org, tmp_path, monkeypatch):
    certificate = declare_all(draft(org), org.risk_ln, {}, org)
    workflow.submit(certificate, org.risk_ln)
    workflow.sign(certificate, org.head_ln, PASSWORD)
    db.session.flush()
    (tmp_path / "signed.pdf").write_bytes(certificate.pdf)
    other = signing.create_demo_ca(tmp_path / "other")
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_TRUST_ROOTS", [str(p) for p in other.trust_root_paths])
    untrusted = _run(app, "verify", str(tmp_path / "signed.pdf"))
    assert untrusted.exit_code == 1
    assert "FAIL  Signature trusted: the signing certificate is not trusted" in untrusted.output
    assert f"ok    Signed by: {org.head_ln.name}" in untrusted.output  # still says who the certificate names


def test_verify_without_trust_roots_says_what_to_configure(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_TRUST_ROOTS", [])
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.7")
    result = _run(app, "verify", str(tmp_path / "a.pdf"))
    assert result.exit_code != 0 and "RISKREG_SIGNING_TRUST_ROOTS" in result.output


def test_production_has_no_default_signing_paths():
    from pathlib import Path

    from riskreg.config import signing_settings

    production = signing_settings("production", Path("/srv/instance"), {})
    assert production["RISKREG_SIGNING_KEY"] is None and production["RISKREG_SIGNING_TRUST_ROOTS"] == []
    assert production["RISKREG_SIGNING_CA_KEY"] is None and production["RISKREG_TSA_URL"] == ""
    assert production["RISKREG_DEMO_SIGNING_FOLDER"] is None
    configured = signing_settings("production", Path("/x"), {"RISKREG_SIGNING_TRUST_ROOTS": "/a.pem:/b.pem"})
    assert configured["RISKREG_SIGNING_TRUST_ROOTS"] == ["/a.pem", "/b.pem"]
    development = signing_settings("development", Path("/srv/instance"), {})
    assert development["RISKREG_SIGNING_KEY"] == "/srv/instance/signing/signing-key.pem"
    assert development["RISKREG_SIGNING_CA_KEY"] == "/srv/instance/signing/demo-ca-key.pem"


# The demo -----------------------------------------------------------------------------------------------------


def _demo_certificates() -> dict[str, Certificate]:
    rows = db.session.execute(sa.select(Unit.code, Certificate).join(Certificate.unit).order_by(Certificate.id))
    return {code: certificate for code, certificate in rows}


# These run (rolled back) on the run's seeded demo database: seeding again here took a minute of CPU each.
@pytest.mark.usefixtures("demo")
def test_the_demo_has_certificates_in_each_state_really_signed_with_the_demo_ca(demo_app, tmp_path):
    found = _demo_certificates()
    areas = ("LN", "LS", "MC", "YH", "CW")  # the division's certificates are tests/certificates/test_layout.py's
    assert {code: c.status for code, c in found.items() if code in areas} == {
        "LN": CertificateStatus.DRAFT,
        "LS": CertificateStatus.VALIDATED,
        "MC": CertificateStatus.CHALLENGED,
        "YH": CertificateStatus.SIGNED,
        "CW": CertificateStatus.SUBMITTED,
    }
    assert found["LS"].validation_outcome is ValidationOutcome.VALIDATED and found["MC"].validation_notes
    assert {c.period for c in found.values()} == {PERIOD.label}

    # `riskreg certificates export` writes the stored PDF; pyHanko's validator trusts it against the demo CA alone.
    exported = _run(demo_app, "export", str(found["LS"].id), "-o", str(tmp_path / "ls.pdf"))
    assert exported.exit_code == 0, exported.output
    pdf = (tmp_path / "ls.pdf").read_bytes()
    demo_ca = documents.signing_config().trust_root_paths
    assert [path.name for path in demo_ca] == ["demo-ca.pem"]
    context = ValidationContext(trust_roots=signing._load_trust_roots(demo_ca), allow_fetching=False)
    embedded = PdfFileReader(BytesIO(pdf)).embedded_signatures[0]
    # pyHanko's own validator (run outside any event loop the browser tests may have left running).
    status = signing.outside_event_loop(validate_pdf_signature, embedded, context)
    assert status.intact and status.valid and status.trusted and status.coverage.name == "ENTIRE_FILE"
    signer = db.session.scalar(sa.select(User).where(User.email == "head.ls@example.org"))
    assert PdfFileReader(BytesIO(pdf)).embedded_signatures[0].sig_object["/Name"] == signer.name

    if not shutil.which("pdfsig"):
        pytest.fail("pdfsig (Debian's poppler-utils) is required: .ci/run installs it")
    # Every signed demo certificate names its own head, in pdfsig's words, with their title.
    for code in ("LS", "MC", "YH"):
        path = tmp_path / f"{code}.pdf"
        path.write_bytes(found[code].pdf)
        listing = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout
        assert "Signature #1" in listing and "Signature is Valid" in listing
        assert f"Signer Certificate Common Name: {found[code].signed_by.name}\n" in listing
        unit_name = found[code].unit.name
        assert f'title="Chief Crown Prosecutor, {unit_name}"' in listing

    (tmp_path / "ls-changed.pdf").write_bytes(_tamper(pdf))
    broken = _run(demo_app, "verify", str(tmp_path / "ls-changed.pdf"))
    assert broken.exit_code == 1 and "the signature is broken" in broken.output
    assert _run(demo_app, "verify", str(tmp_path / "ls.pdf")).exit_code == 0


@pytest.mark.usefixtures("demo")
def test_the_demo_draft_is_signable_once_its_weak_assertions_carry_exceptions():
    london_north = queries.get_certificate(_demo_certificates()["LN"].id)
    view = queries.view(london_north, today())
    assert len(view.problems) == 2 and all("not strong enough" in p.problem for p in view.problems)
    head = db.session.scalar(sa.select(User).where(User.email == "head.ln@example.org"))
    for problem in view.problems:
        assertion = queries.get_assertion(london_north, problem.key)
        workflow.declare(assertion, Declaration.ASSURED_WITH_EXCEPTIONS, "Not tested this year; test booked", head)
    workflow.submit(london_north, head)
    workflow.sign(london_north, head, demo.DEMO_PASSWORD)
    assert london_north.status is CertificateStatus.SIGNED and documents.verify(london_north.pdf).ok


@pytest.mark.usefixtures("demo")
def test_the_demo_draft_cites_the_custody_measure_that_breached_in_the_year_and_is_graded_by_it():
    view = queries.view(queries.get_certificate(_demo_certificates()["LN"].id), today())
    custody = next(line for line in view.assertions if "custody time limits" in line.statement.lower())
    [measure] = custody.measures
    assert (measure.name, measure.verdict) == ("Custody time limit failures", MeasureVerdict.CONTRADICTS)
    # No tested control covers custody time limits in London North, and the breach keeps it so: not assured, with
    # the breach in its exception, the measure in its reason, and the breach disclosed.
    assert custody.strength.rank <= EvidenceStrength.WEAK.rank and custody.declaration is not Declaration.ASSURED
    assert "Measures: Custody time limit failures was outside tolerance" in custody.reason
    assert "outside tolerance in October" in custody.exception_text and custody.problem is None
    group = next(g for g in view.disclosures["groups"] if g["kind"] == "measures_outside_tolerance")
    assert [item["text"] for item in group["items"]] == [
        f"Custody time limit failures: 3 failures in October {view.period.start.year}"
    ]


def test_an_old_demo_folder_without_the_ca_key_says_how_to_start_again(app, tmp_path, monkeypatch):
    from riskreg.config import signing_settings

    folder = tmp_path / "instance" / "signing"
    made = signing.create_demo_ca(folder)
    made.ca_key_path.unlink()  # what an instance folder made by the previous version holds
    for name, value in signing_settings("development", tmp_path / "instance", {}).items():
        monkeypatch.setitem(app.config, name, value)
    with pytest.raises(signing.SigningUnavailable, match=f"demo-ca-key.pem.*remove {folder}"):
        documents.ensure_demo_signing()
    for path in (made.key_path, made.cert_path, made.ca_cert_path):
        path.unlink()
    assert documents.ensure_demo_signing().can_issue()  # an empty folder gets a new demo CA
