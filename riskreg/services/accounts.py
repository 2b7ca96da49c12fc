"""A person's own account: changing their password, and resetting a forgotten one by e-mail (issue 17).

A reset link works once, for 30 minutes; only the SHA-256 of its secret is stored (like API tokens), and
asking again replaces any earlier link. Every new password meets the one policy (riskreg.rules.passwords).
Setting a password signs the person out everywhere else (a new session token), and is audited.
"""

import secrets
import smtplib
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from riskreg.clock import utcnow
from riskreg.enums import ReminderKind
from riskreg.extensions import db
from riskreg.models import PasswordReset, User
from riskreg.rules.tokens import hash_secret
from riskreg.services import ServiceError, reminders, users
from riskreg.services.audit import trail as audit

RESET_LIFETIME = timedelta(minutes=30)
RESET_INVALID = "This link to reset your password has expired or has already been used. Ask for a new one"


def _set_password(user: User, password: str, field: str) -> None:
    users.check_password(password, user.email, user.name, field=field)
    user.password_hash = users.hash_password(password)
    users.end_all_sessions(user)  # flushes


def change_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current):
        raise ServiceError("Your current password is not right", field="current_password")
    if new == current:
        raise ServiceError("Your new password must be different from your current one", field="new_password")
    _set_password(user, new, "new_password")
    audit.record(user, "user.password_changed", "user", user.id, {})


def create_reset(email: str) -> tuple[User, str] | None:
    """A new reset link's secret for the active user with this address; None for anyone else (the caller says
    the same to everyone, so the page cannot be used to find out who has an account)."""
    user = users.get_by_email(email)
    if user is None or not user.is_active:
        return None
    secret = new_link(user, RESET_LIFETIME)
    audit.record(user, "user.password_reset_requested", "user", user.id, {})
    return user, secret


def new_link(user: User, lifetime: timedelta) -> str:
    """The secret of a new one-time link to set the user's password (a reset, or an administrator's invitation),
    working for ``lifetime``; any earlier unused link of theirs stops working."""
    now = utcnow()
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    secret = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(user=user, token_hash=hash_secret(secret), expires_at=now + lifetime))
    db.session.flush()
    return secret


def valid_reset(secret: str) -> PasswordReset:
    reset = db.session.scalar(sa.select(PasswordReset).where(PasswordReset.token_hash == hash_secret(secret)))
    if reset is None or reset.used_at is not None or utcnow() >= reset.expires_at or not reset.user.is_active:
        raise ServiceError(RESET_INVALID)
    return reset


def reset_password(secret: str, new: str) -> User:
    reset = valid_reset(secret)
    _set_password(reset.user, new, "new_password")
    reset.used_at = utcnow()
    db.session.flush()
    audit.record(reset.user, "user.password_reset", "user", reset.user.id, {})
    return reset.user


def reset_message(user: User, link: str) -> reminders.Reminder:
    body = (
        f"Hello {user.name},\n\nSomeone asked to reset the password of your riskreg account. To choose a new "
        f"password, open this link within {RESET_LIFETIME.seconds // 60} minutes:\n\n{link}\n\nThe link works "
        "once. If you did not ask for it, you can ignore this e-mail: your password has not changed.\n"
    )
    return reminders.Reminder(user, ReminderKind.PASSWORD_RESET, "riskreg: reset your password", body)


def send_reset(user: User, link: str, config: dict[str, Any]) -> bool:
    return send_link(reset_message(user, link), config)


def send_link(email: reminders.Reminder, config: dict[str, Any]) -> bool:
    """Send an e-mail with a one-time link now, through the reminders' SMTP settings. Not through the outbox: it
    would keep the link in clear, and it allows one message a day. False (nothing raised) when it could not go."""
    try:
        settings = reminders.smtp_settings(config)
        with reminders.connect(settings) as smtp:
            smtp.send_message(reminders.message(email, settings))
    except (ServiceError, OSError, smtplib.SMTPException):
        return False
    return True
