"""`riskreg send-reminders`: e-mail digests sent through a real SMTP server started in this process (aiosmtpd),
at most once a day per person and kind."""

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from riskreg.clock import today
from riskreg.enums import CountermeasureStatus, ReminderKind
from riskreg.extensions import db
from riskreg.models import ReminderOutbox
from tests.factories import CountermeasureFactory, RiskFactory


class _Inbox:
    """An aiosmtpd handler that keeps every message it receives, and refuses mailboxes it is told to."""

    def __init__(self) -> None:
        self.messages = []
        self.refused: set[str] = set()

    async def handle_RCPT(self, _server, _session, envelope, address, _options):  # noqa: N802 - aiosmtpd's hook
        if address in self.refused:
            return "550 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app, monkeypatch):
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setitem(app.config, "RISKREG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "RISKREG_SMTP_PORT", controller.port)
    monkeypatch.setitem(app.config, "RISKREG_MAIL_FROM", "riskreg@example.org")
    monkeypatch.setitem(app.config, "RISKREG_BASE_URL", "https://riskreg.example.org")
    try:
        yield inbox
    finally:
        controller.stop()


def _due_work(org):
    """Rhys has a review overdue and an action due soon; Helen a review due in a week; LS nothing due."""
    overdue = RiskFactory(register=org.ln.register, owner=org.risk_ln, next_review_on=today() - timedelta(days=9))
    CountermeasureFactory(
        risk=overdue,
        owner=org.risk_ln,
        status=CountermeasureStatus.PLANNED,
        title="Electronic custody diaries",
        due_on=today() + timedelta(days=5),
    )
    RiskFactory(register=org.ln.register, owner=org.head_ln, next_review_on=today() + timedelta(days=7))
    RiskFactory(register=org.ls.register, owner=org.risk_ls, next_review_on=today() + timedelta(days=60))
    return overdue


def test_send_reminders_twice_in_a_day_sends_each_reminder_once(app, org, smtp_server):
    overdue = _due_work(org)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["send-reminders"])
    assert first.exit_code == 0, first.output
    assert "Reminders sent: 2." in first.output
    by_recipient = {tuple(rcpt): message for rcpt, message in smtp_server.messages}
    assert set(by_recipient) == {(org.risk_ln.email,), (org.head_ln.email,)}
    rhys = by_recipient[(org.risk_ln.email,)]
    assert rhys["From"] == "riskreg@example.org" and rhys["Subject"] == "riskreg: 2 reviews and actions due"
    body = rhys.get_content()
    assert f"{overdue.ref} {overdue.title}: review overdue since" in body and "(9 days)" in body
    assert "Electronic custody diaries" in body and f"https://riskreg.example.org/risks/{overdue.ref}" in body

    second = runner.invoke(args=["send-reminders"])
    assert second.exit_code == 0 and "Reminders sent: 0." in second.output
    assert len(smtp_server.messages) == 2
    rows = db.session.scalars(sa.select(ReminderOutbox).order_by(ReminderOutbox.id)).all()
    assert sorted((row.recipient_id, row.kind, row.sent_on) for row in rows) == sorted(
        [(org.head_ln.id, ReminderKind.DUE_DIGEST, today()), (org.risk_ln.id, ReminderKind.DUE_DIGEST, today())]
    )
    assert all(row.sent_at is not None for row in rows)


def test_dry_run_prints_and_neither_sends_nor_stores(app, org, smtp_server):
    _due_work(org)
    result = app.test_cli_runner().invoke(args=["send-reminders", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"Would send to {org.risk_ln.email}: riskreg: 2 reviews and actions due" in result.output
    assert "Dry run: 2 reminders would be sent" in result.output
    assert smtp_server.messages == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderOutbox)) == 0


def test_a_reminder_the_server_refuses_is_tried_again_next_time(app, org, smtp_server):
    _due_work(org)
    smtp_server.refused.add(org.head_ln.email)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0 and "Reminders sent: 1; failed (will be tried again): 1." in result.output
    assert [row.recipient_id for row in db.session.scalars(sa.select(ReminderOutbox))] == [org.risk_ln.id]
    smtp_server.refused.clear()
    assert "Reminders sent: 1." in runner.invoke(args=["send-reminders"]).output
    assert [rcpt for rcpt, _message in smtp_server.messages] == [[org.risk_ln.email], [org.head_ln.email]]


def test_sending_without_smtp_settings_is_refused(app, org, monkeypatch):
    _due_work(org)
    monkeypatch.setitem(app.config, "RISKREG_SMTP_HOST", "")
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code != 0 and "Set RISKREG_SMTP_HOST" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderOutbox)) == 0
