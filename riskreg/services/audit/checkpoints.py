"""Anchoring the audit trail: signed checkpoints in an append-only file outside the database.

`riskreg audit checkpoint` (run it from cron, e.g. hourly) appends one; `riskreg audit verify` checks the chain
and then that it still matches every checkpoint. See docs/security.md for what this does and does not detect.
"""

import fcntl
import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from riskreg.clock import utcnow
from riskreg.config import settings
from riskreg.extensions import db
from riskreg.models import AuditEvent
from riskreg.pdf.signing import SigningConfig, SigningUnavailable
from riskreg.rules.audit_chain import ChainCheck, check_chain
from riskreg.rules.audit_checkpoints import FIRST, Checkpoint, CheckpointWalk, file_problems, line_digest
from riskreg.services import ServiceError
from riskreg.services.audit.trail import chain_rows


def checkpoint_path() -> Path:
    return Path(settings().audit_checkpoints)


def _sign(payload: bytes, key_path: Path) -> str:
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(payload, ec.ECDSA(hashes.SHA256())).hex()
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(payload, padding.PKCS1v15(), hashes.SHA256()).hex()
    raise ServiceError(f"The signing key in {key_path} is neither EC nor RSA")


def _signature_ok(checkpoint: Checkpoint, cert_path: Path) -> bool:
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
    """The chain's own check, then every checkpoint compared with the trail as it is now."""
    cert_path = _signing().cert_path if checkpoint_path().exists() else None
    checkpoints, problems = _read_checkpoints(checkpoint_path(), cert_path)
    walk = CheckpointWalk(checkpoints)
    rows = walk.follow(chain_rows(batch_size))
    chain = check_chain(rows)
    deque(rows, maxlen=0)  # a broken chain stops the check early; the checkpoints still need every row
    problems += walk.problems()
    latest = max(checkpoints, key=lambda c: c.count, default=None)
    since = walk.total - latest.count if latest else walk.total
    return Verification(chain, len(checkpoints), latest, problems, max(since, 0))


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
