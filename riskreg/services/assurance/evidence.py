"""Evidence: uploaded files, links and references, dated and attached to control tests. Every write is audited.

Files are refused unless their content is an allowed type within the size
limit (riskreg.rules.uploads); kept ones are fingerprinted with SHA-256, and
the fingerprint is checked again before every download. Evidence that a
signed certificate relies on is locked: it is never changed or deleted, and
correcting it means adding new evidence.
"""

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from riskreg import policy
from riskreg.clock import today
from riskreg.config import settings
from riskreg.enums import EvidenceKind
from riskreg.extensions import db
from riskreg.models import ControlTest, Countermeasure, Evidence, Register, Risk, User
from riskreg.rules import uploads
from riskreg.rules.audit_chain import diff
from riskreg.services import NotAllowed, NotFoundError, ServiceError
from riskreg.services.assurance.evidence_store import store
from riskreg.services.audit import trail as audit

logger = logging.getLogger(__name__)

LOCKED_MESSAGE = (
    "This evidence supports a signed certificate, so it cannot be changed or deleted. To correct it, add new evidence."
)
EDITABLE_FIELDS = ("title", "source", "dated_on")
TITLE_MAX, SOURCE_MAX, URL_MAX = 200, 300, 2000


@dataclass(frozen=True)
class EvidenceInput:
    """Evidence as submitted: ``data`` and ``filename`` for a file, ``url`` for a link, ``source`` for a reference."""

    kind: EvidenceKind
    title: str
    dated_on: date
    source: str = ""
    url: str = ""
    data: bytes = b""
    filename: str = ""


class EvidenceRefused(ServiceError):
    """Submitted evidence that cannot be kept; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class EvidenceDamaged(ServiceError):
    pass


def max_bytes() -> int:
    return settings().evidence_max_bytes


def _check_text(value: str, limit: int, field: str, what: str, required_message: str | None = None) -> str:
    value = value.strip()
    if required_message and not value:
        raise EvidenceRefused(required_message, field)
    if len(value) > limit:
        raise EvidenceRefused(f"{what} must be {limit} characters or fewer", field)
    return value


def _check_title(title: str) -> str:
    return _check_text(title, TITLE_MAX, "title", "The title", "Enter a title for the evidence")


def _check_source(source: str) -> str:
    return _check_text(source, SOURCE_MAX, "source", "Where the evidence is kept")


def _check_date(dated_on: date | None) -> date:
    if dated_on is None:
        raise EvidenceRefused("Enter the date of the evidence", "dated_on")
    if dated_on > today():
        raise EvidenceRefused("The date of the evidence must be today or in the past", "dated_on")
    return dated_on


def _fingerprint(evidence: Evidence, item: EvidenceInput) -> bytes:
    if not item.data and not item.filename:
        raise EvidenceRefused("Select a file", "file")
    try:
        file_type = uploads.check_upload(item.data, item.filename, max_bytes())
    except uploads.UploadRefused as refusal:
        raise EvidenceRefused(str(refusal), "file") from refusal
    evidence.sha256 = hashlib.sha256(item.data).hexdigest()
    evidence.size = len(item.data)
    evidence.content_type = file_type.content_type
    evidence.filename = item.filename[-255:] or None
    return item.data


def prepare(item: EvidenceInput, actor: User) -> tuple[Evidence, bytes | None]:
    """Check submitted evidence and build it, writing nothing: refusals raise EvidenceRefused."""
    evidence = Evidence(
        kind=item.kind,
        title=_check_title(item.title),
        source=_check_source(item.source),
        dated_on=_check_date(item.dated_on),
        uploaded_by=actor,
        locked=False,
    )
    if item.kind is EvidenceKind.FILE:
        return evidence, _fingerprint(evidence, item)
    if item.kind is EvidenceKind.LINK:
        url = _check_text(item.url, URL_MAX, "url", "The web address", "Enter the web address of the evidence")
        if not uploads.is_web_address(url):
            raise EvidenceRefused("Enter a web address starting with https:// or http://", "url")
        evidence.url = url
    elif not evidence.source:
        raise EvidenceRefused("Enter where the evidence is kept", "source")
    return evidence, None


def describe(evidence: Evidence) -> dict[str, Any]:
    """What the audit trail keeps about an evidence item (never the bytes)."""
    details = {"title": evidence.title, "kind": evidence.kind, "dated_on": evidence.dated_on}
    optional = {
        "source": evidence.source,
        "url": evidence.url,
        "filename": evidence.filename,
        "sha256": evidence.sha256,
        "size": evidence.size,
        "content_type": evidence.content_type,
    }
    details.update({name: value for name, value in optional.items() if value})
    return details


def attach_new(test: ControlTest, prepared: Iterable[tuple[Evidence, bytes | None]], actor: User) -> list[Evidence]:
    """Store prepared evidence and attach it to ``test``."""
    added = []
    for evidence, data in prepared:
        evidence.control_tests.append(test)
        db.session.add(evidence)
        db.session.flush()
        if data is not None:
            store().save(evidence.id, data)
        changes = describe(evidence) | {"control_test_id": test.id}
        audit.record(actor, "evidence.added", "evidence", evidence.id, changes, risk_id=test.countermeasure.risk_id)
        added.append(evidence)
    return added


def add_evidence(test: ControlTest, item: EvidenceInput, actor: User) -> Evidence:
    if not policy.can(actor, policy.Action.ADD_EVIDENCE, test):
        raise NotAllowed(f"You cannot add evidence to a {test.line.short_label} test")
    return attach_new(test, [prepare(item, actor)], actor)[0]


def _risk_id(evidence: Evidence) -> int | None:
    return evidence.control_tests[0].countermeasure.risk_id if evidence.control_tests else None


def update_evidence(evidence: Evidence, values: dict[str, Any], actor: User) -> Evidence:
    """Change an unlocked item's title, source or date."""
    if evidence.locked:
        raise ServiceError(LOCKED_MESSAGE)
    checked = {
        "title": _check_title(values.get("title", evidence.title)),
        "source": _check_source(values.get("source", evidence.source)),
        "dated_on": _check_date(values.get("dated_on", evidence.dated_on)),
    }
    if evidence.kind is EvidenceKind.REFERENCE and not checked["source"]:
        raise EvidenceRefused("Enter where the evidence is kept", "source")
    before = {name: getattr(evidence, name) for name in EDITABLE_FIELDS}
    for name, value in checked.items():
        setattr(evidence, name, value)
    changes = diff(before, checked)
    if changes:
        db.session.flush()
        audit.record(actor, "evidence.updated", "evidence", evidence.id, changes, risk_id=_risk_id(evidence))
    return evidence


def delete_evidence(evidence: Evidence, actor: User) -> None:
    if evidence.locked:
        raise ServiceError(LOCKED_MESSAGE)
    if not policy.can(actor, policy.Action.DELETE_EVIDENCE, evidence):
        raise NotAllowed("You cannot delete this evidence")
    evidence_id, risk_id, details = evidence.id, _risk_id(evidence), describe(evidence)
    if evidence.is_file:
        store().remove(evidence_id)
    evidence.control_tests.clear()
    db.session.flush()
    db.session.delete(evidence)
    db.session.flush()
    audit.record(actor, "evidence.deleted", "evidence", evidence_id, details, risk_id=risk_id)


def lock_evidence(items: Iterable[Evidence], actor: User | None, reason: str) -> None:
    """Lock evidence for good (a signed certificate relies on it). Locking locked evidence changes nothing."""
    for evidence in items:
        if evidence.locked:
            continue
        evidence.locked = True
        db.session.flush()
        audit.record(actor, "evidence.locked", "evidence", evidence.id, {"reason": reason}, risk_id=_risk_id(evidence))


def get_evidence(evidence_id: int) -> Evidence:
    """An evidence item with the tests, countermeasures and risks that rely on it (for the permission check)."""
    evidence = db.session.scalar(
        sa.select(Evidence)
        .where(Evidence.id == evidence_id)
        .options(
            selectinload(Evidence.control_tests)
            .joinedload(ControlTest.countermeasure)
            .joinedload(Countermeasure.risk)
            .joinedload(Risk.register)
            .joinedload(Register.unit)
        )
    )
    if evidence is None:
        raise NotFoundError()
    return evidence


def risks_relying_on(evidence: Evidence) -> list[Risk]:
    risks = {test.countermeasure.risk.id: test.countermeasure.risk for test in evidence.control_tests}
    return [risks[risk_id] for risk_id in sorted(risks)]


def read_file(evidence: Evidence) -> bytes:
    """The file's bytes, after checking they still match the fingerprint taken at upload."""
    if not evidence.is_file:
        raise NotFoundError()
    data = store().load(evidence.id)
    if hashlib.sha256(data).hexdigest() != evidence.sha256:
        logger.error("evidence %s does not match its SHA-256 fingerprint", evidence.id)
        raise EvidenceDamaged(
            "The stored file no longer matches the fingerprint taken when it was uploaded, so it has not been "
            "sent. Tell an administrator."
        )
    return data
