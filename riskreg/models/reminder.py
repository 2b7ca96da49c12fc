"""The outbox of e-mail reminders: what was sent to whom, so a reminder is never sent twice in a day."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from riskreg.clock import utcnow
from riskreg.enums import ReminderKind
from riskreg.extensions import db
from riskreg.models.org import User
from riskreg.models.types import enum_column_type


class ReminderOutbox(db.Model):
    """One reminder to one person on one day. The row is written (claimed) before the message is sent."""

    __tablename__ = "reminder_outbox"
    __table_args__ = (sa.UniqueConstraint("recipient_id", "kind", "sent_on", name="uq_reminder_once_a_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    kind: Mapped[ReminderKind] = mapped_column(enum_column_type(ReminderKind))
    sent_on: Mapped[date]
    email: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]  # None: claimed, and the send did not finish

    recipient: Mapped[User] = relationship()
