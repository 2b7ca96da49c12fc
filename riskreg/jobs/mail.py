"""Sending the day's e-mail reminders: the command's (`riskreg send-reminders`) and the scheduled job's way.

Not a service: it commits, once to claim each reminder in the outbox before sending it and once to mark it sent,
so that a reminder is never sent twice whatever stops the run (docs/operations.md).
"""

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from riskreg.extensions import db
from riskreg.services import reminders


@dataclass(frozen=True)
class Sent:
    due: int
    sent: int
    failed: int  # refused by the SMTP server: released, tried again on the next run


def send_due(day: date, config: dict[str, Any], report: Callable[[str], None] = lambda _message: None) -> Sent:
    """Send the reminders due on ``day``. Raises ServiceError, OSError or SMTPException when mail cannot go out."""
    due = reminders.pending(day, config.get("RISKREG_BASE_URL", ""))
    if not due:
        return Sent(0, 0, 0)
    settings = reminders.smtp_settings(config)
    sent, failed = 0, 0
    with reminders.connect(settings) as smtp:
        for reminder in due:
            row = reminders.claim(reminder, day)
            db.session.commit()
            if row is None:
                continue
            try:
                smtp.send_message(reminders.message(reminder, settings))
            except smtplib.SMTPException as error:
                reminders.release(row)
                db.session.commit()
                failed += 1
                report(f"Not sent to {reminder.recipient.email}: {error}")
                continue
            reminders.mark_sent(row)
            db.session.commit()
            sent += 1
    return Sent(len(due), sent, failed)
