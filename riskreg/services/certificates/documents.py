"""Certificates as documents: the canonical JSON snapshot, the printed PDF/A-3b, its signature, and verification.

The snapshot is everything a signed certificate was built from (assertions,
declarations, strengths and reasons, countermeasures, the control tests that
count, evidence with SHA-256 fingerprints, disclosures), written as canonical
JSON (sorted keys, UTF-8, no spaces) so its SHA-256 identifies it. It is
embedded in the PDF as snapshot.json, stored with the certificate, and never
changes afterwards; nor do the signed PDF and its SHA-256.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import joinedload, selectinload

from riskreg.config import settings
from riskreg.enums import Declaration, EvidenceStrength
from riskreg.extensions import db
from riskreg.models import Certificate, ControlTest, Evidence, User
from riskreg.pdf import documents, signing
from riskreg.pdf.signing import SigningConfig, SigningUnavailable
from riskreg.services.certificates import division
from riskreg.services.certificates.queries import CertificateView
from riskreg.services.certificates.statement import statement_of

logger = logging.getLogger(__name__)

SNAPSHOT_NAME = "snapshot.json"
SNAPSHOT_FORMAT = "riskreg certificate snapshot, version 1"
TEMPLATE = "pdf/certificate.html"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical(data: Any) -> bytes:
    """Canonical JSON: sorted keys, UTF-8, no insignificant white space."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# Signing configuration ------------------------------------------------------------------------------------


def signing_config() -> SigningConfig:
    """The organisation's signing key, certificate and trust roots, or SigningUnavailable saying what is missing."""
    return SigningConfig.from_app_config(settings().signing)


def ensure_demo_signing() -> SigningConfig:
    """Outside production, create the demo CA and signing certificate in instance/signing/ when they are missing.

    Only where the default paths are configured and none of the files exists: never overwrites anything.
    """
    config = signing_config()
    folder = settings().demo_signing_folder
    if config.is_present() or not folder:
        return config
    defaults = signing.demo_paths(Path(folder))
    if config != defaults or len(config.missing_files()) < 3:
        raise SigningUnavailable(f"The signing files are incomplete (missing: {config.what_is_missing()})")
    logger.info("creating a demo CA and signing certificate in %s (for the demo only)", folder)
    return signing.create_demo_ca(Path(folder))


# Snapshot ---------------------------------------------------------------------------------------------------


def _evidence(evidence: Evidence) -> dict[str, Any]:
    return {
        "id": evidence.id,
        "title": evidence.title,
        "kind": evidence.kind.value,
        "dated_on": evidence.dated_on.isoformat(),
        "sha256": evidence.sha256,
        "size": evidence.size,
        "content_type": evidence.content_type,
        "url": evidence.url,
        "source": evidence.source,
    }


def _test(test: ControlTest) -> dict[str, Any]:
    return {
        "id": test.id,
        "tested_on": test.tested_on.isoformat(),
        "line": test.line.value,
        "line_label": test.line.label,
        "tester": test.tester.name,
        "method": test.method.value,
        "sample_size": test.sample_size,
        "exceptions": test.exceptions,
        "conclusion": test.conclusion.value,
        "notes": test.notes,
        "evidence": [_evidence(evidence) for evidence in test.evidence],
    }


def _load_tests(view: CertificateView) -> dict[int, ControlTest]:
    ids = sorted({test.id for tests in view.tests.values() for test in tests})
    if not ids:
        return {}
    query = (
        sa.select(ControlTest)
        .where(ControlTest.id.in_(ids))
        .options(joinedload(ControlTest.tester), selectinload(ControlTest.evidence))
    )
    return {test.id: test for test in db.session.scalars(query)}


def _countermeasures(view: CertificateView, tests: dict[int, ControlTest]) -> list[dict[str, Any]]:
    lines = {line.id: line for assertion in view.assertions for line in assertion.countermeasures}
    return [
        {
            "id": line.id,
            "title": line.title,
            "status": line.status,
            "strength": line.strength.value,
            "reason": line.reason,
            "risk": {"ref": line.risk_ref, "title": line.risk_title},
            "tests": [_test(tests[test.id]) for test in view.tests.get(line.id, [])],
        }
        for line in sorted(lines.values(), key=lambda line: line.id)
    ]


def _sections(view: CertificateView) -> list[dict[str, Any]]:
    return [
        {
            "title": section.title,
            "strength": section.strength.value if section.strength else None,
            "assertions": [
                {
                    "id": a.id,
                    "statement": a.statement,
                    "declaration": a.declaration.value if a.declaration else None,
                    "exception_text": a.exception_text,
                    "strength": a.strength.value,
                    "reason": a.reason,
                    "countermeasure_ids": [line.id for line in a.countermeasures],
                    "link_reasons": {str(key): text for key, text in sorted(a.link_reasons.items()) if text},
                }
                for a in section.assertions
            ],
        }
        for section in view.sections
    ]


def build_snapshot(view: CertificateView, signer: User, signed_at: datetime, reason: str) -> tuple[dict, list]:
    """The snapshot of a certificate being signed, and the evidence it relies on (to be locked)."""
    certificate = view.certificate
    tests = _load_tests(view)
    snapshot = {
        "format": SNAPSHOT_FORMAT,
        "certificate": {
            "id": certificate.id,
            "version": certificate.version,
            "supersedes_id": certificate.supersedes_id,
        },
        "unit": {"code": certificate.unit.code, "name": certificate.unit.name, "kind": certificate.unit.kind.value},
        "period": {
            "label": view.period.label,
            "start": view.period.start.isoformat(),
            "end": view.period.end.isoformat(),
        },
        "judged_on": view.judged_on.isoformat(),
        "evidence_rule": "DESIGN rule 4.5: the latest test inside the period and no more than "
        f"{settings().test_window_months} months old counts",
        "generated_at": signed_at.isoformat() + "Z",
        "signer": {"id": signer.id, "name": signer.name, "email": signer.email, "role": "unit_head"},
        "reason": reason,
        "sections": _sections(view),
        "countermeasures": _countermeasures(view, tests),
        "disclosures": view.disclosures,
        "statement": statement_of(certificate, signer.name),
        "opinion": {
            "opinion": view.opinion.value,
            "proposed": view.proposal.opinion.value,
            "basis": list(view.proposal.basis),
            "chosen": view.chosen_opinion.value if view.chosen_opinion else None,
            "reason": view.opinion_reason,
        },
        "issues": [
            {"issue": item.issue, "action": item.action, "owner": item.owner, "due_on": item.due_on.isoformat()}
            for item in view.issues
        ],
        "since_period_end": view.since,
        "units": division.to_snapshot(view.units),
    }
    relied_on = {evidence.id: evidence for test in tests.values() for evidence in test.evidence}
    return snapshot, [relied_on[key] for key in sorted(relied_on)]


# Printing and signing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """What the printed certificate says about its signing (None on a draft)."""

    name: str
    signed_at: datetime
    reason: str
    snapshot_sha256: str


def render(
    view: CertificateView, generated_at: datetime, signature: Signature | None = None, snapshot: bytes | None = None
) -> bytes:
    """The certificate as PDF/A-3b; a draft (no signature) is marked DRAFT throughout."""
    html = render_template(
        TEMPLATE,
        view=view,
        certificate=view.certificate,
        signature=signature,
        generated_at=generated_at,
        snapshot_name=SNAPSHOT_NAME,
        declarations=list(Declaration),
        strengths=list(EvidenceStrength),
    )
    attachments = ((SNAPSHOT_NAME, snapshot, "The data this certificate was built from (canonical JSON)"),)
    return documents.render_pdf(html, attachments=attachments if snapshot is not None else ())


def sign(pdf: bytes, signer: User, reason: str) -> bytes:
    return signing.sign(pdf, signing_config(), signer.name, reason)


def draft_filename(certificate: Certificate) -> str:
    state = "signed" if certificate.is_frozen else "draft"
    return f"certificate-{certificate.unit.code}-{certificate.period}-v{certificate.version}-{state}.pdf"


# Verification -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Verification:
    checks: tuple[Check, ...]
    certificate_id: int | None

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]


def _signature_checks(pdf: bytes, config: SigningConfig) -> list[Check]:
    result = signing.verify(pdf, config.trust_root_paths)
    if not result.present:
        return [Check("Signature", False, result.problem)]
    intact = "intact" if result.intact else "the signature is broken: the signed content has been changed"
    trusted = (
        "made with a certificate our trust roots vouch for"
        if result.trusted
        else ("the signing certificate is not trusted by the configured trust roots")
    )
    covers = (
        "covers the whole file"
        if result.covers_whole_file
        else ("the file has been changed after it was signed (the signature does not cover all of it)")
    )
    signer = f" (signed by {result.signer_name})" if result.signer_name else ""
    return [
        Check("Signature intact", result.intact, intact + signer),
        Check("Signature trusted", result.trusted, trusted),
        Check("Signature covers the file", result.covers_whole_file, covers),
    ]


def _embedded_snapshot(pdf: bytes) -> bytes | None:
    try:
        return documents.embedded_files(pdf).get(SNAPSHOT_NAME)
    except Exception:  # noqa: BLE001 - a damaged file simply has no readable snapshot
        return None


def _record_for(snapshot: bytes | None) -> Certificate | None:
    if snapshot is None:
        return None
    found = db.session.scalar(sa.select(Certificate).where(Certificate.snapshot_sha256 == sha256(snapshot)))
    if found is not None:
        return found
    try:
        certificate_id = int(json.loads(snapshot)["certificate"]["id"])
    except (ValueError, KeyError, TypeError):
        return None
    return db.session.get(Certificate, certificate_id)


def _record_checks(pdf: bytes, snapshot: bytes | None, record: Certificate | None) -> list[Check]:
    if snapshot is None:
        return [Check("Snapshot", False, f"the file has no readable embedded {SNAPSHOT_NAME}")]
    if record is None or record.snapshot_sha256 is None:
        return [Check("Snapshot", False, "no signed certificate on record has this snapshot")]
    snapshot_ok = sha256(snapshot) == record.snapshot_sha256
    pdf_ok = sha256(pdf) == record.content_sha256
    return [
        Check(
            "Snapshot matches the record",
            snapshot_ok,
            f"the embedded snapshot's SHA-256 matches certificate {record.id}"
            if snapshot_ok
            else f"the embedded snapshot differs from the one stored for certificate {record.id}",
        ),
        Check(
            "PDF matches the record",
            pdf_ok,
            f"the file's SHA-256 matches the PDF stored for certificate {record.id}"
            if pdf_ok
            else f"the file differs from the PDF stored for certificate {record.id}",
        ),
    ]


def verify(pdf: bytes) -> Verification:
    """Check a certificate PDF: signature intact, trusted and covering the whole file; snapshot and file as on
    record. Raises SigningUnavailable when no trust roots are configured."""
    config = signing_config()
    snapshot = _embedded_snapshot(pdf)
    record = _record_for(snapshot)
    checks = _signature_checks(pdf, config) + _record_checks(pdf, snapshot, record)
    return Verification(tuple(checks), record.id if record else None)
