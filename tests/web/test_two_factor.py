"""The TOTP second factor (issue 17): enrol with a QR code, sign in with a code, a wrong code refused, a code
used once, recovery codes used once each, required by role when configured, and asked for again at signing."""

import re
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from riskreg.enums import CertificateStatus
from riskreg.extensions import db
from riskreg.models import RecoveryCode
from riskreg.services import two_factor
from riskreg.services.certificates import workflow
from tests.certificates.support import PASSWORD, declare_all, draft, signing_ca, test_ca  # noqa: F401


def _enrol(client) -> tuple[str, list[str]]:
    """Enrol the signed-in user as a person would: read the key off the page, type the app's code."""
    page = BeautifulSoup(client.get("/account/two-factor").data, "html.parser")
    assert page.select_one(".app-qr svg") is not None, "the QR code is drawn on the page, as SVG"
    secret = page.select_one(".app-secret").get_text(strip=True)
    response = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200, response.data.decode()[:500]
    codes = [code.get_text() for code in BeautifulSoup(response.data, "html.parser").select(".app-recovery-codes code")]
    return secret, codes


def _password_step(client, user):
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in/code"


def test_enrol_then_sign_in_with_a_code(app, client, org, sign_in, frozen_clock):
    user = sign_in(org.head_ln)
    secret, codes = _enrol(client)
    assert user.totp_secret == secret and len(codes) == 10
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(stored) & {code.replace("-", "") for code in codes}, "kept hashed only"

    browser = app.test_client()
    _password_step(browser, user)
    assert browser.get("/account").status_code == 302, "a right password alone does not sign in"
    wrong = browser.post("/sign-in/code", data={"code": "000000"})
    assert wrong.status_code == 400 and two_factor.WRONG_CODE.encode() in wrong.data
    frozen_clock.shift(timedelta(seconds=30))
    assert browser.post("/sign-in/code", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert browser.get("/account").status_code == 200


def test_a_code_works_once(app, client, org, sign_in, frozen_clock):
    user = sign_in(org.head_ln)
    secret, _codes = _enrol(client)
    frozen_clock.shift(timedelta(seconds=30))
    code = pyotp.TOTP(secret).now()
    first, second = app.test_client(), app.test_client()
    _password_step(first, user)
    assert first.post("/sign-in/code", data={"code": code}).status_code == 302
    _password_step(second, user)
    assert second.post("/sign-in/code", data={"code": code}).status_code == 400


def test_a_recovery_code_works_once(app, client, org, sign_in):
    user = sign_in(org.head_ln)
    _secret, codes = _enrol(client)
    first, second = app.test_client(), app.test_client()
    _password_step(first, user)
    assert first.post("/sign-in/code", data={"code": codes[3].upper()}).status_code == 302
    _password_step(second, user)
    assert second.post("/sign-in/code", data={"code": codes[3]}).status_code == 400
    assert second.post("/sign-in/code", data={"code": codes[4]}).status_code == 302


def test_a_wrong_code_at_enrolment_turns_nothing_on(client, org, sign_in):
    user = sign_in(org.head_ln)
    client.get("/account/two-factor")
    response = client.post("/account/two-factor", data={"code": "123456"})
    assert response.status_code == 400 and b"The code is not right" in response.data
    assert user.totp_secret is None


def test_the_code_step_expires(app, client, org, sign_in, frozen_clock):
    user = sign_in(org.head_ln)
    secret, _codes = _enrol(client)
    browser = app.test_client()
    _password_step(browser, user)
    frozen_clock.shift(timedelta(minutes=6))
    response = browser.post("/sign-in/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"


def test_required_roles_must_enrol_before_anything_else(app, client, org, sign_in, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_TOTP_REQUIRED_ROLES", "unit_head,auditor,admin")
    sign_in(org.viewer_ln)
    assert client.get("/account").status_code == 200, "a viewer is not required to"
    client.post("/sign-out")
    sign_in(org.head_ln)
    response = client.get("/registers")
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    _enrol(client)
    assert client.get("/registers").status_code == 200


def test_production_requires_it_of_unit_heads_internal_audit_and_admins(monkeypatch, tmp_path):
    from riskreg.config import Settings, load_config

    monkeypatch.setenv("RISKREG_SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/riskreg")
    monkeypatch.setenv("RISKREG_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.delenv("RISKREG_TOTP_REQUIRED_ROLES", raising=False)
    production = Settings.from_config(load_config("production", tmp_path))
    assert production.totp_required_roles == {"unit_head", "auditor", "admin"}
    assert Settings.from_config(load_config("testing", tmp_path)).totp_required_roles == frozenset()


@pytest.mark.usefixtures("signing_ca")
def test_signing_a_certificate_asks_for_the_code_again(client, org, sign_in, clock_in_period):
    head = sign_in(org.head_ln)
    secret, _codes = _enrol(client)
    certificate = declare_all(draft(org), org.risk_ln, {}, org, None)
    workflow.submit(certificate, org.risk_ln)
    db.session.commit()
    page = client.get(f"/certificates/{certificate.id}/sign").data.decode()
    assert "Code from your authenticator app" in page
    url, version = f"/certificates/{certificate.id}/sign", str(certificate.lock_version)
    refused = client.post(url, data={"version": version, "password": PASSWORD})
    assert refused.status_code == 400 and two_factor.WRONG_CODE in refused.data.decode()
    assert db.session.get(type(certificate), certificate.id).status is CertificateStatus.SUBMITTED
    clock_in_period.shift(timedelta(seconds=30))
    signed = client.post(url, data={"version": version, "password": PASSWORD, "code": pyotp.TOTP(secret).now()})
    assert signed.status_code == 302, re.sub(r"\s+", " ", signed.data.decode())[:800]
    db.session.refresh(certificate)
    assert certificate.status is CertificateStatus.SIGNED and certificate.signed_by == head
