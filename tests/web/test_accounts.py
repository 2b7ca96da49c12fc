"""Accounts (issue 17): change password, reset by e-mail through a real in-process SMTP server, the password
policy everywhere a password is set, `riskreg create-user`'s checks, and idle and absolute session timeouts."""

import re
from datetime import timedelta

import sqlalchemy as sa

from riskreg.extensions import db
from riskreg.models import AuditEvent, PasswordReset, User
from riskreg.rules import passwords
from tests.factories import PASSWORD
from tests.test_reminders import smtp_server  # noqa: F401 - the fixture: aiosmtpd on a loopback port

NEW = "tangerine lighthouse forty seven"


def _sign_in(client, user, password=PASSWORD):
    return client.post("/sign-in", data={"email": user.email, "password": password})


def test_change_password_needs_the_current_one_and_signs_out_elsewhere(app, client, org, sign_in):
    user = org.risk_ln
    elsewhere = app.test_client()
    assert _sign_in(elsewhere, user).status_code == 302
    sign_in(user)
    wrong = client.post("/account/password", data={"current_password": "not it at all", "new_password": NEW})
    assert wrong.status_code == 400 and b"Your current password is not right" in wrong.data
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200, "this browser stays signed in"
    assert elsewhere.get("/account").status_code == 302, "every other session has ended"
    fresh = app.test_client()
    assert _sign_in(fresh, user).status_code == 400  # the old password no longer works
    assert _sign_in(fresh, user, NEW).status_code == 302
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.password_changed"))


def test_a_breached_password_is_refused_and_nothing_changes(client, org, sign_in):
    sign_in(org.risk_ln)
    before = org.risk_ln.password_hash
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "qwerty123456"})
    assert response.status_code == 400 and passwords.COMMON.encode() in response.data
    db.session.refresh(org.risk_ln)
    assert org.risk_ln.password_hash == before


def _reset_link(inbox) -> str:
    ((recipients, message),) = inbox.messages
    body = message.get_content()
    return recipients, re.search(r"https://riskreg\.example\.org(/reset-password/\S+)", body).group(1)


def test_reset_by_email_end_to_end(app, client, org, smtp_server, frozen_clock):  # noqa: F811
    user = org.viewer_ln
    response = client.post("/forgot-password", data={"email": user.email.upper()})
    assert response.status_code == 200 and b"Check your email" in response.data
    recipients, path = _reset_link(smtp_server)
    assert recipients == [user.email]
    secret = path.rsplit("/", 1)[1]
    stored = db.session.scalar(sa.select(PasswordReset))
    assert secret not in stored.token_hash and len(stored.token_hash) == 64, "only a hash of the link is kept"

    assert b"Choose a new password" in client.get(path).data
    refused = client.post(path, data={"new_password": "password12345"})
    assert refused.status_code == 400 and passwords.COMMON.encode() in refused.data
    assert client.post(path, data={"new_password": NEW}).status_code == 302
    assert _sign_in(app.test_client(), user, NEW).status_code == 302
    again = client.post(path, data={"new_password": "another long passphrase"})
    assert b"This link does not work" in again.data, "a link works once"
    assert _sign_in(app.test_client(), user, "another long passphrase").status_code == 400


def test_a_reset_link_expires_after_30_minutes(app, client, org, smtp_server, frozen_clock):  # noqa: F811
    client.post("/forgot-password", data={"email": org.viewer_ln.email})
    _recipients, path = _reset_link(smtp_server)
    frozen_clock.shift(timedelta(minutes=29))
    assert b"Choose a new password" in client.get(path).data
    frozen_clock.shift(timedelta(minutes=1))
    assert b"This link does not work" in client.post(path, data={"new_password": NEW}).data
    assert _sign_in(app.test_client(), org.viewer_ln, NEW).status_code == 400


def test_asking_again_replaces_the_earlier_link(client, org, smtp_server):  # noqa: F811
    client.post("/forgot-password", data={"email": org.viewer_ln.email})
    _recipients, first = _reset_link(smtp_server)
    smtp_server.messages.clear()
    client.post("/forgot-password", data={"email": org.viewer_ln.email})
    _recipients, second = _reset_link(smtp_server)
    assert b"This link does not work" in client.get(first).data
    assert b"Choose a new password" in client.get(second).data


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, org, smtp_server):  # noqa: F811
    response = client.post("/forgot-password", data={"email": "nobody.here@example.org"})
    assert response.status_code == 200 and b"Check your email" in response.data
    assert smtp_server.messages == [] and db.session.scalar(sa.select(PasswordReset)) is None


def test_create_user_applies_the_password_policy_and_checks_email_and_name(app, org):
    runner = app.test_cli_runner()

    def create(email, name, password):
        return runner.invoke(args=["create-user", "--email", email, "--name", name, "--password", password])

    assert "too common" in create("a@example.org", "A Person", "qwerty123456").output
    assert "Enter an email address in the correct format" in create("not an address", "A Person", NEW).output
    assert "Enter an email address in the correct format" in create("a@@example.org", "A Person", NEW).output
    assert "Enter the person's name" in create("a@example.org", "   ", NEW).output
    assert db.session.scalar(sa.select(User).where(User.email == "a@example.org")) is None
    assert create("a@example.org", "A Person", NEW).exit_code == 0


def test_an_idle_session_ends_after_30_minutes(client, org, sign_in, frozen_clock):
    sign_in(org.risk_ln)
    frozen_clock.shift(timedelta(minutes=29))
    assert client.get("/account").status_code == 200
    frozen_clock.shift(timedelta(minutes=29))  # 29 minutes since the last request: still fine
    assert client.get("/account").status_code == 200
    frozen_clock.shift(timedelta(minutes=30))
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=/account")
    page = client.get(response.headers["Location"]).data.decode()
    assert "had not used riskreg for 30 minutes" in page
    assert client.get("/account").status_code == 302


def test_every_session_ends_12_hours_after_signing_in(client, org, sign_in, frozen_clock):
    sign_in(org.risk_ln)
    for _ in range(35):  # busy all day: a request every 20 minutes for 11 hours 40 minutes
        frozen_clock.shift(timedelta(minutes=20))
        assert client.get("/account").status_code == 200
    frozen_clock.shift(timedelta(minutes=20))
    response = client.get("/account")
    assert response.status_code == 302
    assert "signed in more than 12 hours ago" in client.get(response.headers["Location"]).data.decode()


def test_the_timeouts_are_settings(app, client, org, sign_in, frozen_clock, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_SESSION_IDLE_MINUTES", 5)
    sign_in(org.risk_ln)
    frozen_clock.shift(timedelta(minutes=5))
    assert client.get("/account").status_code == 302


def test_reset_e_mails_are_limited_per_address(client, org, smtp_server):  # noqa: F811
    for _attempt in range(3):
        assert client.post("/forgot-password", data={"email": org.viewer_ln.email}).status_code == 200
    assert client.post("/forgot-password", data={"email": org.viewer_ln.email}).status_code == 429
    assert len(smtp_server.messages) == 3
    assert client.post("/forgot-password", data={"email": org.risk_ln.email}).status_code == 200
