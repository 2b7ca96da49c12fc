"""Certificates as documents: the canonical JSON snapshot, the printed PDF/A-3b, its signature, and verification.

The snapshot is everything a signed certificate was built from (assertions,
declarations, strengths and reasons, countermeasures, the control tests that
count, evidence with SHA-256 fingerprints, disclosures), written as canonical
JSON (sorted keys, UTF-8, no spaces) so its SHA-256 identifies it. It is
embedded in the PDF as snapshot.json, stored with the certificate, and never
changes afterwards; nor do the signed PDF and its SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import joinedload, selectinload

from riskreg import lazy
from riskreg.clock import utcnow
from riskreg.config import settings
from riskreg.enums import Declaration, EvidenceStrength
from riskreg.extensions import db
from riskreg.models import Certificate, ControlTest, Evidence, User
from riskreg.pdf.config import PersonKey, SigningConfig, SigningUnavailable
from riskreg.rules.signers import stamp_lines
from riskreg.services.audit import checkpoints as audit_checkpoints
from riskreg.services.certificates import division
from riskreg.services.certificates import measures as cited
from riskreg.services.certificates.queries import CertificateView
from riskreg.services.certificates.statement import statement_of

# WeasyPrint and pyHanko load when a certificate is first rendered or signed, not when the app starts.
documents = lazy.module("riskreg.pdf.documents")
signing = lazy.module("riskreg.pdf.signing")

logger = logging.getLogger(__name__)

SNAPSHOT_NAME = "snapshot.json"
ANCHOR_NAME = audit_checkpoints.ANCHOR_NAME
SIGNATURE_BLOCK_ID = "riskreg-signature-block"
SIGNATURE_BLOCK_STYLE = "height: 30mm; width: 95mm; margin: 8mm 0 0 auto; break-inside: avoid"
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
    if replace(config, tsa_url="") != defaults or len(config.missing_files()) < len(config.files()):
        raise SigningUnavailable(
            f"The signing files are incomplete (missing: {config.what_is_missing()}): to start again with a new "
            f"demo CA, remove {folder}"
        )
    logger.info("creating a demo CA and the organisation's certificate in %s (for the demo only)", folder)
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
                    "measure_ids": [line.id for line in a.measures],
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
        "measures": cited.to_snapshot(line for assertion in view.assertions for line in assertion.measures),
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


def _html(view: CertificateView, generated_at: datetime, signature: Signature | None) -> str:
    return render_template(
        TEMPLATE,
        view=view,
        certificate=view.certificate,
        signature=signature,
        generated_at=generated_at,
        snapshot_name=SNAPSHOT_NAME,
        declarations=list(Declaration),
        strengths=list(EvidenceStrength),
    )


def _attachments(snapshot: bytes | None, anchor: dict | None) -> tuple[tuple[str, bytes, str], ...]:
    found = []
    if snapshot is not None:
        found.append((SNAPSHOT_NAME, snapshot, "The data this certificate was built from (canonical JSON)"))
    if anchor is not None:
        found.append((ANCHOR_NAME, canonical(anchor), "The audit trail as it stood when this certificate was signed"))
    return tuple(found)


def render(
    view: CertificateView, generated_at: datetime, signature: Signature | None = None, snapshot: bytes | None = None
) -> bytes:
    """The certificate as PDF/A-3b; a draft (no signature) is marked DRAFT throughout."""
    return documents.render_pdf(_html(view, generated_at, signature), attachments=_attachments(snapshot, None))


def _with_signature_block(html: str) -> str:
    # Space for the visible signature at the end of the certificate, kept whole, so it is always on the last
    # page and never over the text. The signing step draws the block there (the template stays unaware of it).
    block = f'<div id="{SIGNATURE_BLOCK_ID}" style="{SIGNATURE_BLOCK_STYLE}"></div>'
    return html.replace("</body>", block + "</body>") if "</body>" in html else html + block


def render_signed(
    view: CertificateView, signature: Signature, snapshot: bytes, anchor: dict
) -> tuple[bytes, tuple[int, int, int, int] | None]:
    """The certificate to be signed, with its snapshot and audit anchor embedded, and where its signature block
    lies on the last page."""
    html = _with_signature_block(_html(view, signature.signed_at, signature))
    pdf, box = documents.render_pdf_locating(html, SIGNATURE_BLOCK_ID, attachments=_attachments(snapshot, anchor))
    if box is None:  # the signature is still made and verifiable, only without its visible block
        logger.warning("the signature block is not on the certificate's last page: signing without it")
    return pdf, box


def anchor_text(anchor: dict) -> str:
    return f"Audit trail: {anchor['count']} events to event {anchor['last_id']}, head {anchor['head'][:16]}"


def sign(pdf: bytes, person: PersonKey, reason: str, *, box=None, signed_at=None, anchor=None) -> bytes:
    """Sign as ``person`` with their own certificate; the visible block in ``box`` says who, as what and when."""
    config = signing_config()
    stamp = None
    if box is not None:
        moment = signed_at or utcnow()
        when = f"{moment.day} {moment:%B %Y %H:%M} UTC"
        name = signing.person_common_name(person.certificate)
        lines = stamp_lines(name, signing_title_of(person), when, anchor_text(anchor) if anchor else None)
        stamp = signing.Stamp(lines, box)
    return signing.sign(pdf, person, reason, stamp=stamp, tsa_url=config.tsa_url)


def signing_title_of(person: signing.PersonKey) -> str:
    from cryptography.x509.oid import NameOID  # loaded with the certificate it reads

    titles = person.certificate.subject.get_attributes_for_oid(NameOID.TITLE)
    return str(titles[0].value) if titles else ""


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
    signature: signing.SignatureCheck | None = None

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]


def _when(moment) -> str:
    return moment.strftime("%d %B %Y %H:%M:%S UTC") if moment else "not stated"


def _signer_checks(result: signing.SignatureCheck) -> list[Check]:
    signer = result.signer
    if signer is None:
        return []
    role = f", {signer.title}" if signer.title else ""
    email = f" <{signer.email}>" if signer.email else ""
    checks = [
        Check("Signed by", True, f"{signer.name}{role}{email} (certificate {signer.serial} from {signer.issuer})"),
        Check("Signed at", True, f"{_when(result.signed_at)}, as the signer's computer reported it"),
    ]
    stamp = result.timestamp
    if stamp is None:
        checks.append(Check("Time-stamp", True, "none (no time-stamping authority was configured at signing)"))
    else:
        state = "intact and trusted" if stamp.ok else ("not trusted" if stamp.intact else "BROKEN")
        checks.append(Check("Time-stamp", stamp.ok, f"{_when(stamp.at)} from {stamp.authority}: {state}"))
    return checks


def _signature_checks(pdf: bytes, config: SigningConfig) -> tuple[list[Check], signing.SignatureCheck]:
    result = signing.verify(pdf, config.trust_root_paths)
    if not result.present:
        return [Check("Signature", False, result.problem)], result
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
    return [
        *_signer_checks(result),
        Check("Signature intact", result.intact, intact),
        Check("Signature trusted", result.trusted, trusted),
        Check("Signature covers the file", result.covers_whole_file, covers),
    ], result


def _anchor_checks(pdf: bytes, signature: signing.SignatureCheck) -> list[Check]:
    try:
        data = documents.embedded_files(pdf).get(ANCHOR_NAME)
        anchor = json.loads(data) if data is not None else None
    except Exception:  # noqa: BLE001 - a damaged file simply has no readable anchor
        anchor = None
    if not isinstance(anchor, dict):
        return [Check("Audit trail", True, f"the file has no {ANCHOR_NAME} (signed before certificates carried one)")]
    if not (signature.intact and signature.covers_whole_file):
        return [Check("Audit trail", False, "the audit anchor cannot be relied on: the signature does not cover it")]
    problems = audit_checkpoints.check_anchor(anchor)
    if problems:
        detail = "does not match the anchor signed into this certificate: " + "; ".join(problems)
        return [Check("Audit trail", False, detail)]
    return [Check("Audit trail", True, f"matches the anchor signed into this certificate ({anchor_text(anchor)})")]


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
    checks, signature = _signature_checks(pdf, config)
    checks += _anchor_checks(pdf, signature) + _record_checks(pdf, snapshot, record)
    return Verification(tuple(checks), record.id if record else None, signature)
