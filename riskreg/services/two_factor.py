"""The TOTP second factor (RFC 6238, authenticator apps) and its recovery codes (issue 17).

A code is accepted for the current 30-second step or the one either side (clock drift), and never for a step
at or before the last one accepted, so a code seen over someone's shoulder cannot be used again. Recovery codes
are stored hashed and work once each. Who must use a second factor is a setting (``totp_required_roles``).
"""

import secrets
from datetime import UTC

import pyotp
import sqlalchemy as sa

from riskreg.clock import utcnow
from riskreg.config import settings
from riskreg.extensions import db
from riskreg.models import RecoveryCode, User
from riskreg.rules.tokens import hash_secret
from riskreg.services import ServiceError
from riskreg.services.audit import trail as audit

ISSUER = "riskreg"
RECOVERY_CODES = 10
WRONG_CODE = "Enter the 6-digit code from your authenticator app, or one of your recovery codes"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG, made here: the secret never goes to a third-party QR service."""
    import segno  # here, not at the top: only enrolment draws a QR code (fast start, issue 20)

    return segno.make(uri, error="m").svg_inline(scale=4, title="QR code for your authenticator app")


def awaiting_code(user_id: int, session_token: str) -> User | None:
    """The user whose right password was given a moment ago, while nothing has changed since (signed out
    everywhere, deactivated, second factor removed): None otherwise."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or user.session_token != session_token or not user.totp_secret:
        return None
    return user


def is_required(user: User) -> bool:
    required = settings().totp_required_roles
    return any(assignment.role.value in required for assignment in user.roles)


def _matching_step(secret: str, code: str) -> int | None:
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp, now = pyotp.TOTP(secret), utcnow().replace(tzinfo=UTC)
    step = totp.timecode(now)
    for offset in (0, -1, 1):
        if secrets.compare_digest(totp.at(now, counter_offset=offset), code):
            return step + offset
    return None


def _use_totp(user: User, code: str) -> bool:
    step = _matching_step(user.totp_secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    db.session.flush()
    return True


def _normalise_recovery(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _use_recovery_code(user: User, code: str) -> bool:
    found = db.session.scalar(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_secret(_normalise_recovery(code)),
            RecoveryCode.used_at.is_(None),
        )
    )
    if found is None:
        return False
    found.used_at = utcnow()
    db.session.flush()
    audit.record(user, "user.recovery_code_used", "user", user.id, {})
    return True


def verify(user: User, code: str) -> bool:
    """A code from the user's app, or one of their unused recovery codes (used up by this)."""
    if not user.totp_secret or not code.strip():
        return False
    return _use_totp(user, code) or _use_recovery_code(user, code)


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]  # 40 bits each, shown as xxxxx-xxxxx
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_secret(code)) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def enrol(user: User, secret: str, code: str) -> list[str]:
    """Turn the second factor on once the user's app shows a right code; the recovery codes, shown once."""
    step = _matching_step(secret, code)
    if step is None:
        raise ServiceError(
            "The code is not right: check the time on your phone, then enter the code it shows now", field="code"
        )
    user.totp_secret, user.totp_last_step = secret, step
    codes = _new_recovery_codes(user)
    db.session.flush()
    audit.record(user, "user.totp_enrolled", "user", user.id, {})
    return codes
