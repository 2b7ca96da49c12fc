"""Anchoring the audit trail: signed checkpoints in an append-only file outside the database.

`riskreg audit checkpoint` (run it from cron, e.g. hourly) appends one; `riskreg audit verify` checks the chain
and then that it still matches every checkpoint. See docs/security.md for what this does and does not detect.
"""

import fcntl
import json
import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from riskreg import lazy
from riskreg.clock import utcnow
from riskreg.config import settings
from riskreg.extensions import db
from riskreg.models import AuditEvent, Certificate
from riskreg.pdf.config import SigningConfig, SigningUnavailable
from riskreg.rules.audit_chain import ChainCheck, check_chain
from riskreg.rules.audit_checkpoints import FIRST, Checkpoint, CheckpointWalk, file_problems, line_digest
from riskreg.services import ServiceError
from riskreg.services.audit.trail import chain_rows

# pyHanko and the X.509 stack load when a checkpoint is first signed or checked, not when the app starts.
pdf_documents = lazy.module("riskreg.pdf.documents")
signing = lazy.module("riskreg.pdf.signing")


def checkpoint_path() -> Path:
    return Path(settings().audit_checkpoints)


def _sign(payload: bytes, key_path: Path) -> str:
    from cryptography.hazmat.primitives import hashes, serialization  # on first use, not at every start
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(payload, ec.ECDSA(hashes.SHA256())).hex()
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(payload, padding.PKCS1v15(), hashes.SHA256()).hex()
    raise ServiceError(f"The signing key in {key_path} is neither EC nor RSA")


def _signature_ok(checkpoint: Checkpoint, cert_path: Path) -> bool:
    from cryptography import x509  # on first use, not at every start
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    public_key = x509.load_pem_x509_certificate(cert_path.read_bytes()).public_key()
    try:
        signature = bytes.fromhex(checkpoint.signature)
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, checkpoint.payload(), ec.ECDSA(hashes.SHA256()))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, checkpoint.payload(), padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def _signing() -> SigningConfig:
    try:
        config = SigningConfig.from_app_config(settings().signing)
    except SigningUnavailable as error:
        raise ServiceError(str(error)) from error
    missing = [path for path in (config.key_path, config.cert_path) if not path.exists()]
    if missing:
        raise ServiceError("The organisation's signing key or certificate is missing: " + ", ".join(map(str, missing)))
    return config


def write_checkpoint() -> Checkpoint:
    """Append a signed checkpoint of the trail as it is now (committed events only: run it outside a request)."""
    count, last_id = db.session.execute(sa.select(sa.func.count(AuditEvent.id), sa.func.max(AuditEvent.id))).one()
    if not count:
        raise ServiceError("The audit trail is empty: there is nothing to checkpoint yet")
    head = db.session.scalar(sa.select(AuditEvent.hash).where(AuditEvent.id == last_id))
    key_path = _signing().key_path
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: every write lands at the end, whatever else has the file open; the lock keeps two
    # checkpoint commands from naming the same previous line.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(descriptor, "a", encoding="utf-8") as out:
        fcntl.flock(out, fcntl.LOCK_EX)
        lines = path.read_text(encoding="utf-8").splitlines()
        previous = line_digest(lines[-1]) if lines else FIRST
        unsigned = Checkpoint(count, last_id, head, utcnow().isoformat(timespec="seconds") + "Z", previous)
        checkpoint = Checkpoint(**{**unsigned.__dict__, "signature": _sign(unsigned.payload(), key_path)})
        out.write(checkpoint.to_line())
        out.flush()
        os.fsync(out.fileno())
    return checkpoint


@dataclass
class Verification:
    chain: ChainCheck
    checkpoints: int = 0
    latest: Checkpoint | None = None
    problems: list[str] = field(default_factory=list)
    events_since_latest: int = 0

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems


def _read_checkpoints(path: Path, cert_path: Path | None) -> tuple[list[Checkpoint], list[str]]:
    if not path.exists():
        return [], []
    lines = path.read_text(encoding="utf-8").splitlines()
    problems = file_problems(lines)
    checkpoints = []
    for number, line in enumerate(lines, start=1):
        try:
            checkpoint = Checkpoint.from_line(line)
        except (ValueError, KeyError, TypeError):
            continue  # reported by file_problems
        if cert_path is not None and not _signature_ok(checkpoint, cert_path):
            problems.append(
                f"checkpoint file line {number}: its signature does not verify with the organisation's "
                "certificate, so it was not used"
            )
            continue
        checkpoints.append(checkpoint)
    return checkpoints, problems


def verify(batch_size: int = 5000) -> Verification:
    """The chain's own check, then every checkpoint, and the anchor signed into every stored certificate, compared
    with the trail as it is now (in one pass over it)."""
    cert_path = _signing().cert_path if checkpoint_path().exists() else None
    checkpoints, problems = _read_checkpoints(checkpoint_path(), cert_path)
    anchors, anchor_problems = _certificate_anchors()
    walk = CheckpointWalk(checkpoints)
    anchor_walks = {certificate_id: CheckpointWalk([anchor]) for certificate_id, anchor in anchors.items()}
    rows = walk.follow(chain_rows(batch_size))
    for anchor_walk in anchor_walks.values():
        rows = anchor_walk.follow(rows)
    chain = check_chain(rows)
    deque(rows, maxlen=0)  # a broken chain stops the check early; the checkpoints still need every row
    problems += walk.problems() + anchor_problems
    for certificate_id, anchor_walk in anchor_walks.items():
        problems += [
            f"against the anchor signed into certificate {certificate_id}: {p}" for p in anchor_walk.problems()
        ]
    latest = max(checkpoints, key=lambda c: c.count, default=None)
    since = walk.total - latest.count if latest else walk.total
    return Verification(chain, len(checkpoints), latest, problems, max(since, 0))


# Anchors in signed documents ---------------------------------------------------------------------------------

ANCHOR_FORMAT = "riskreg audit anchor, version 1"
ANCHOR_NAME = "audit-anchor.json"  # the file embedded in a signed certificate


def anchor_checkpoint(found: dict) -> Checkpoint:
    """An anchor as a checkpoint to compare the trail with (the document's signature stands for the line's)."""
    return Checkpoint(int(found["count"]), int(found["last_id"]), str(found["head"]), str(found["at"]), FIRST)


def _certificate_anchors() -> tuple[dict[int, Checkpoint], list[str]]:
    """The anchors in the signed certificates the database holds, each used only if its PDF's signature is intact,
    trusted and covers the file (so the anchor is as signed)."""
    rows = db.session.execute(
        sa.select(Certificate.id, Certificate.pdf).where(Certificate.pdf.is_not(None)).order_by(Certificate.id)
    ).all()
    anchors: dict[int, Checkpoint] = {}
    problems: list[str] = []
    if not rows:
        return anchors, problems
    try:
        roots = SigningConfig.from_app_config(settings().signing).trust_root_paths
    except SigningUnavailable as error:
        return anchors, [f"the signed certificates' anchors cannot be checked: {error}"]
    for certificate_id, pdf in rows:
        try:
            data = pdf_documents.embedded_files(pdf).get(ANCHOR_NAME)
        except Exception:  # noqa: BLE001 - reported below as not readable
            data = b"?"
        if data is None:
            continue  # signed before certificates carried an anchor
        if not signing.verify(pdf, roots).ok:
            problems.append(f"certificate {certificate_id}'s signature does not verify, so its anchor was not used")
            continue
        try:
            anchor = anchor_checkpoint(json.loads(data))
        except (ValueError, KeyError, TypeError):
            problems.append(f"certificate {certificate_id}'s audit anchor cannot be read")
            continue
        if anchor.count:
            anchors[certificate_id] = anchor
    return anchors, problems


def anchor() -> dict:
    """The trail as this transaction sees it (count, last id, head hash), to embed in a document being signed.

    Events written earlier in the same transaction count: if it rolls back, the signed document goes with it.
    """
    count, last_id = db.session.execute(sa.select(sa.func.count(AuditEvent.id), sa.func.max(AuditEvent.id))).one()
    head = db.session.scalar(sa.select(AuditEvent.hash).where(AuditEvent.id == last_id)) if last_id else FIRST
    return {
        "format": ANCHOR_FORMAT,
        "count": count,
        "last_id": last_id or 0,
        "head": head,
        "at": utcnow().isoformat(timespec="seconds") + "Z",
    }


def check_anchor(found: dict, batch_size: int = 5000) -> list[str]:
    """What no longer matches between the trail now and an anchor taken from a signed document (empty: it does).

    The document's signature vouches for the anchor, so it is a checkpoint the database cannot rewrite.
    """
    try:
        checkpoint = anchor_checkpoint(found)
    except (KeyError, TypeError, ValueError):
        return ["the audit anchor in the document cannot be read"]
    if checkpoint.count == 0:
        return []
    walk = CheckpointWalk([checkpoint])
    rows = walk.follow(chain_rows(batch_size))
    chain = check_chain(rows)
    deque(rows, maxlen=0)
    problems = [] if chain.ok else [f"the audit trail is broken at event {chain.broken_id}: {chain.reason}"]
    return problems + walk.problems()


def latest_signed() -> Checkpoint | None:
    """The latest checkpoint whose signature verifies with the organisation's certificate (None: none yet, or
    signing is not configured). Documents that carry it (the committee pack) anchor the trail as it was."""
    path = checkpoint_path()
    if not path.is_file():
        return None
    try:
        cert_path = _signing().cert_path
    except ServiceError:
        return None
    checkpoints, _problems = _read_checkpoints(path, cert_path)
    return max(checkpoints, key=lambda checkpoint: checkpoint.count, default=None)
