"""The signed certificate as a document: PDF/A-3b, its text, the embedded snapshot, signature and verification.

Real WeasyPrint rendering and real pyHanko signatures; the PDF is read back with
pypdf (a different library from the ones that wrote it) and with poppler's pdfsig.
"""

import hashlib
import json
import re
import shutil
import subprocess
from io import BytesIO

import pytest
import sqlalchemy as sa
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from riskreg.clock import today
from riskreg.enums import Declaration, EvidenceKind
from riskreg.extensions import db
from riskreg.models import Evidence
from riskreg.pdf import signing
from riskreg.services.certificates import documents, queries, workflow
from riskreg.services.certificates.defaults import DEFAULT_SECTIONS
from tests.certificates.support import PASSWORD, PERIOD, declare_all, draft, signing_ca, test_ca  # noqa: F401
from tests.factories import RiskFactory

# The PDF and its signature: the PostgreSQL pass signs and reads back stored PDFs in test_workflow and test_pages.
pytestmark = [pytest.mark.usefixtures("signing_ca"), pytest.mark.engine_independent]
STRENGTHS = {0: "strong", 1: "moderate", 2: "limited", 3: "weak", 4: "none"}


@pytest.fixture
def signed(org):
    RiskFactory(register=org.ln.register, title="Custody time limits missed", residual_l=5, residual_i=5)
    certificate = declare_all(draft(org), org.risk_ln, STRENGTHS, org)
    workflow.submit(certificate, org.risk_ln)
    workflow.sign(certificate, org.head_ln, PASSWORD)
    db.session.flush()
    return certificate


def _text(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_the_embedded_snapshot_can_be_extracted_and_matches_the_data(signed):
    attachments = PdfReader(BytesIO(signed.pdf)).attachments
    (embedded,) = attachments[documents.SNAPSHOT_NAME]
    assert hashlib.sha256(embedded).hexdigest() == signed.snapshot_sha256
    assert embedded.decode("utf-8") == signed.snapshot
    data = json.loads(embedded)
    assert embedded == json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    assert data["unit"]["code"] == "LN" and data["period"]["label"] == PERIOD.label
    assert data["certificate"] == {"id": signed.id, "version": 1, "supersedes_id": None}
    assert data["signer"]["name"] == signed.signed_by.name
    snapshot_assertions = [a for section in data["sections"] for a in section["assertions"]]
    assert [(a["statement"], a["declaration"], a["strength"]) for a in snapshot_assertions] == [
        (a.statement, a.declaration.value, a.signed_strength.value) for a in signed.assertions
    ]
    assert snapshot_assertions[2]["reason"].endswith("no evidence attached")
    # Every countermeasure linked, with the tests that count and their evidence's fingerprints.
    linked = {cm.id for a in signed.assertions for cm in a.countermeasures}
    assert {cm["id"] for cm in data["countermeasures"]} == linked
    fingerprints = {e["id"]: e["sha256"] for cm in data["countermeasures"] for t in cm["tests"] for e in t["evidence"]}
    query = sa.select(Evidence.id, Evidence.sha256).where(Evidence.id.in_(list(fingerprints)))
    stored = dict(db.session.execute(query).all())
    assert fingerprints and fingerprints == stored
    assert all(
        kind == EvidenceKind.FILE
        for kind in db.session.scalars(sa.select(Evidence.kind).where(Evidence.id.in_(list(fingerprints))))
    )
    assert data["disclosures"] == signed.disclosures


def test_the_pdf_text_has_each_section_assertion_strength_and_the_disclosures(signed):
    text = _text(signed.pdf)
    for number, (title, _statements) in enumerate(DEFAULT_SECTIONS, start=1):
        assert f"{number}. {title}" in text
    view = queries.view(signed, today())
    for assertion in view.assertions:
        assert f"{assertion.statement} Declaration:" in text
        assert f"Evidence strength: {assertion.strength.label} – {assertion.reason}" in text
    for label in ("Strong", "Moderate", "Limited", "Weak", "None"):
        assert f"Evidence strength: {label} –" in text
    assert "Automatic disclosures" in text
    for group in signed.disclosures["groups"]:
        assert f"{group['title']} ({len(group['items'])})" in text
        for item in group["items"]:
            assert f"{item['ref']} {item['text']}" in text
    assert "Custody time limits missed: residual score 25 (very high)" in text
    assert f"Signed digitally by {signed.signed_by.name}, head of London North" in text
    assert signed.snapshot_sha256 in text and "DRAFT" not in text


def test_the_pdf_is_pdf_a_3b_with_its_language_and_title(signed):
    reader = PdfFileReader(BytesIO(signed.pdf))
    xmp = reader.root["/Metadata"].get_object().data
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="B"' in xmp
    assert str(reader.root["/Lang"]) == "en-GB"
    info = PdfReader(BytesIO(signed.pdf)).metadata
    assert info.title == f"Certificate of assurance {PERIOD.label}: London North"


def test_the_signature_names_the_unit_head_and_validates_with_pyhanko(signed, signing_ca):  # noqa: F811
    check = signing.verify(signed.pdf, signing_ca.trust_root_paths)
    assert check.ok, check.problem
    assert check.signer_name == signed.signed_by.name
    assert check.reason.startswith(f"Certificate of assurance {PERIOD.label} for London North")
    # pyHanko's own validator, trusting only the CA.
    roots = signing._load_trust_roots(signing_ca.trust_root_paths)
    embedded = PdfFileReader(BytesIO(signed.pdf)).embedded_signatures[0]
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    # Outside any event loop the browser tests may have left running: pyHanko starts its own.
    status = signing.outside_event_loop(validate_pdf_signature, embedded, context)
    assert status.intact and status.valid and status.trusted and status.coverage.name == "ENTIRE_FILE"


def test_pdfsig_lists_the_signature(signed, tmp_path):
    if not shutil.which("pdfsig"):
        pytest.fail("pdfsig (Debian's poppler-utils) is required: .ci/run installs it")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(signed.pdf)
    output = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout
    assert "Signature #1" in output and "Signature is Valid" in output and "Total document signed" in output
    assert f"Signer Certificate Common Name: {signed.signed_by.name}\n" in output  # the person, not the organisation


def test_verification_passes_for_the_stored_pdf(signed):
    result = documents.verify(signed.pdf)
    assert result.ok and result.certificate_id == signed.id
    assert [check.name for check in result.checks] == [
        "Signed by",
        "Signed at",
        "Time-stamp",
        "Signature intact",
        "Signature trusted",
        "Signature covers the file",
        "Audit trail",
        "Snapshot matches the record",
        "PDF matches the record",
    ]
    details = {check.name: check.detail for check in result.checks}
    head = signed.signed_by
    assert details["Signed by"].startswith(f"{head.name}, Chief Crown Prosecutor, London North <{head.email}>")
    assert details["Audit trail"].startswith("matches the anchor signed into this certificate")


def test_verification_says_the_signature_is_broken_when_a_signed_byte_changes(signed):
    tampered = bytearray(signed.pdf)
    position = signed.pdf.index(b"/Producer")  # inside the first signed byte range
    tampered[position + 1] ^= 0x01
    result = documents.verify(bytes(tampered))
    failed = {check.name: check.detail for check in result.failures}
    assert "the signature is broken" in failed["Signature intact"]
    assert "differs from the PDF stored" in failed["PDF matches the record"]


def test_verification_catches_a_file_from_another_ca_and_appended_bytes(signed, tmp_path, app, monkeypatch):
    appended = documents.verify(signed.pdf + b"\n% appended\n")
    assert not appended.ok and "Signature covers the file" in [check.name for check in appended.failures]
    other = signing.create_demo_ca(tmp_path / "other")
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_TRUST_ROOTS", [str(p) for p in other.trust_root_paths])
    untrusted = documents.verify(signed.pdf)
    assert [check.name for check in untrusted.failures] == ["Signature trusted"]


def test_a_draft_prints_marked_draft_unsigned_and_without_a_snapshot(org):
    certificate = declare_all(draft(org), org.risk_ln, {0: "weak"}, org, Declaration.ASSURED)
    pdf = workflow.pdf_of(certificate)
    text = _text(pdf)
    assert text.count("DRAFT – not signed") >= 2  # the banner and every page's header
    assert "Cannot be signed as declared: this assertion is declared assured but its evidence is not strong" in text
    assert "would be disclosed if signed then" in text
    assert not PdfReader(BytesIO(pdf)).attachments
    assert "no digital signature" in documents.verify(pdf).failures[0].detail
