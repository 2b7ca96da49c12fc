"""E-mail reminders (DESIGN capability 11): each owner's digest of reviews and actions due, sent at most once a
day per person and kind. The ``reminder_outbox`` table is the memory: a reminder is claimed there (a unique row
for recipient, kind and day) before it is sent, so running `riskreg send-reminders` again sends nothing twice.

If sending fails with an SMTP error the claim is released and the next run tries again; if the process dies
between claiming and sending, the claim stays and that reminder is not sent that day (at most once, never twice).
"""

import smtplib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from riskreg.clock import utcnow
from riskreg.enums import CertificateStatus, CountermeasureStatus, ReminderKind, RiskStatus, Role
from riskreg.extensions import db
from riskreg.models import Certificate, Countermeasure, Register, ReminderOutbox, Risk, RoleAssignment, User
from riskreg.rules.evidence import long_date
from riskreg.services import ServiceError

DUE_SOON = timedelta(days=14)


@dataclass(frozen=True)
class Reminder:
    recipient: User
    kind: ReminderKind
    subject: str
    body: str


def _due_text(due_on: date, today: date) -> str:
    if due_on < today:
        days = (today - due_on).days
        return f"overdue since {long_date(due_on)} ({days} {'day' if days == 1 else 'days'})"
    return f"due {long_date(due_on)}"


def _link(base_url: str, ref: str) -> str:
    return f" {base_url.rstrip('/')}/risks/{ref}" if base_url else ""


def due_digests(today: date, base_url: str = "") -> list[Reminder]:
    """One digest per active owner with a review or a planned action due within 14 days or overdue. Two queries."""
    horizon = today + DUE_SOON
    reviews = db.session.scalars(
        sa.select(Risk)
        .join(User, User.id == Risk.owner_id)
        .where(Risk.status == RiskStatus.OPEN, Risk.next_review_on <= horizon, User.is_active.is_(True))
        .options(joinedload(Risk.owner), joinedload(Risk.register).joinedload(Register.unit))
        .order_by(Risk.next_review_on, Risk.id)
    )
    actions = db.session.scalars(
        sa.select(Countermeasure)
        .join(Risk, Risk.id == Countermeasure.risk_id)
        .join(User, User.id == Countermeasure.owner_id)
        .where(
            Countermeasure.status == CountermeasureStatus.PLANNED,
            Countermeasure.due_on <= horizon,
            Risk.status == RiskStatus.OPEN,
            User.is_active.is_(True),
        )
        .options(joinedload(Countermeasure.owner), joinedload(Countermeasure.risk))
        .order_by(Countermeasure.due_on, Countermeasure.id)
    )
    lines: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"reviews": [], "actions": []})
    owners: dict[int, User] = {}
    for risk in reviews:
        owners[risk.owner.id] = risk.owner
        lines[risk.owner.id]["reviews"].append(
            f"- {risk.ref} {risk.title}: review {_due_text(risk.next_review_on, today)}{_link(base_url, risk.ref)}"
        )
    for action in actions:
        owners[action.owner.id] = action.owner
        lines[action.owner.id]["actions"].append(
            f"- {action.title} ({action.risk.ref}): {_due_text(action.due_on, today)}{_link(base_url, action.risk.ref)}"
        )
    return [_digest(owners[user_id], found, today) for user_id, found in sorted(lines.items())]


def _digest(user: User, found: dict[str, list[str]], today: date) -> Reminder:
    parts = [f"Hello {user.name},", "", f"This is your riskreg digest for {long_date(today)}."]
    if found["reviews"]:
        parts += ["", "Reviews of your risks due in the next 14 days or overdue:", *found["reviews"]]
    if found["actions"]:
        parts += ["", "Actions you own due in the next 14 days or overdue:", *found["actions"]]
    parts += ["", "You receive this because you own these risks or actions in riskreg."]
    count = len(found["reviews"]) + len(found["actions"])
    subject = f"riskreg: {count} {'review or action' if count == 1 else 'reviews and actions'} due"
    return Reminder(user, ReminderKind.DUE_DIGEST, subject, "\n".join(parts) + "\n")


def certificates_awaiting_signature(today: date, base_url: str = "") -> list[Reminder]:
    """One reminder per active unit head whose unit has a submitted certificate waiting for their signature
    (the head holding the role at that unit itself: only they may sign it). Two queries."""
    submitted = db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.status == CertificateStatus.SUBMITTED)
        .options(joinedload(Certificate.unit))
        .order_by(Certificate.period, Certificate.id)
    ).all()
    heads = db.session.execute(
        sa.select(RoleAssignment.unit_id, User)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role == Role.UNIT_HEAD,
            User.is_active.is_(True),
            RoleAssignment.unit_id.in_({certificate.unit_id for certificate in submitted}),
        )
        .order_by(User.id)
    ).all()
    lines: dict[int, list[str]] = defaultdict(list)
    people: dict[int, User] = {}
    for unit_id, head in heads:
        people[head.id] = head
        for certificate in (c for c in submitted if c.unit_id == unit_id):
            link = f" {base_url.rstrip('/')}/certificates/{certificate.id}" if base_url else ""
            lines[head.id].append(
                f"- {certificate.unit.name}, {certificate.period} (version {certificate.version}){link}"
            )
    return [_certificates_reminder(people[user_id], found, today) for user_id, found in sorted(lines.items())]


def _certificates_reminder(user: User, found: list[str], today: date) -> Reminder:
    count = len(found)
    parts = [
        f"Hello {user.name},",
        "",
        f"On {long_date(today)} these certificates of assurance are waiting for your signature:",
        *found,
        "",
        "Open each one, check its assertions and disclosures, and sign it with "
        "your password, or withdraw it to draft for changes.",
    ]
    subject = f"riskreg: {count} {'certificate' if count == 1 else 'certificates'} of assurance to sign"
    return Reminder(user, ReminderKind.CERTIFICATES, subject, "\n".join(parts) + "\n")


# The extension point: each source gives the day's reminders of one kind.
DigestSource = Callable[[date, str], list[Reminder]]
SOURCES: list[DigestSource] = [due_digests, certificates_awaiting_signature]


def pending(today: date, base_url: str = "") -> list[Reminder]:
    """Every source's reminders for ``today`` that the outbox does not already hold. Reads only."""
    done = set(
        db.session.execute(
            sa.select(ReminderOutbox.recipient_id, ReminderOutbox.kind).where(ReminderOutbox.sent_on == today)
        ).tuples()
    )
    found = [reminder for source in SOURCES for reminder in source(today, base_url)]
    return [reminder for reminder in found if (reminder.recipient.id, reminder.kind) not in done]


def claim(reminder: Reminder, today: date) -> ReminderOutbox | None:
    """Write the reminder to the outbox before sending it; None when it is already there for today."""
    row = ReminderOutbox(
        recipient_id=reminder.recipient.id,
        kind=reminder.kind,
        sent_on=today,
        email=reminder.recipient.email,
        subject=reminder.subject,
        body=reminder.body,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # another run claimed it a moment ago
        return None
    return row


def mark_sent(row: ReminderOutbox) -> None:
    row.sent_at = utcnow()
    db.session.flush()


def release(row: ReminderOutbox) -> None:
    """The message could not be sent: forget the claim so a later run tries again."""
    db.session.delete(row)
    db.session.flush()


# Sending ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str
    password: str
    starttls: bool
    sender: str


def smtp_settings(config: dict[str, Any]) -> SmtpSettings:
    if not config.get("RISKREG_SMTP_HOST"):
        raise ServiceError("Set RISKREG_SMTP_HOST (and RISKREG_MAIL_FROM) to send e-mail: see docs/operations.md")
    return SmtpSettings(
        config["RISKREG_SMTP_HOST"],
        int(config["RISKREG_SMTP_PORT"]),
        config.get("RISKREG_SMTP_USER", ""),
        config.get("RISKREG_SMTP_PASSWORD", ""),
        bool(config.get("RISKREG_SMTP_STARTTLS")),
        config["RISKREG_MAIL_FROM"],
    )


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=30)
    if settings.starttls:
        smtp.starttls()
    if settings.user:
        smtp.login(settings.user, settings.password)
    return smtp


def message(reminder: Reminder, settings: SmtpSettings) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.sender
    email["To"] = reminder.recipient.email
    email["Subject"] = reminder.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    email.set_content(reminder.body)
    return email
