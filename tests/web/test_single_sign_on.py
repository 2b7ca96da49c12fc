"""Single sign-on (issue 17) end to end against a REAL OpenID provider: the certified `oidc-provider` npm package
(pinned in package.json, installed by `npm ci`) run with Node by tests/oidc/provider.mjs. riskreg discovers it,
sends the browser to it with PKCE, state and nonce, exchanges the code and checks the ID token against the
provider's published keys, all over real HTTP. Only when Node itself is missing are these tests skipped."""

import shutil
import socket
import subprocess
import time
from datetime import UTC
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pyotp
import pytest
import requests
import sqlalchemy as sa
from bs4 import BeautifulSoup

from riskreg import PROJECT_ROOT
from riskreg.clock import utcnow
from riskreg.enums import CertificateStatus
from riskreg.extensions import db
from riskreg.models import AuditEvent, Certificate, SignerCertificate, User
from riskreg.pdf import signing
from riskreg.services import two_factor
from riskreg.services.administration import people
from riskreg.services.certificates import workflow
from tests.certificates.support import PASSWORD, declare_all, draft, signing_ca, test_ca  # noqa: F401
from tests.web.test_two_factor import _enrol

PROVIDER = Path(__file__).parents[1] / "oidc" / "provider.mjs"
RISKREG = "http://localhost"  # the test client's own address, as riskreg writes its callback URL
CALLBACK = f"{RISKREG}/sign-in/sso/callback"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def provider():
    node = shutil.which("node")
    if node is None:  # make test needs Node.js anyway (the assets): a missing one is a failure, never a skip
        pytest.fail("Node.js is not installed: the single sign-on tests need it to run the OpenID provider")
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own script, run with the Node found on PATH
        [node, str(PROVIDER), str(port), CALLBACK],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        output = []
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            output.append(line)
            if line.strip() == "listening":
                break
            if process.poll() is not None:
                break
        else:
            line = ""
        assert line.strip() == "listening", "the OpenID provider did not start (npm ci?):\n" + "".join(output)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def sso(app, provider, monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the test provider speaks plain HTTP on loopback
    for name, value in {
        "RISKREG_OIDC_ISSUER": provider,
        "RISKREG_OIDC_CLIENT_ID": "riskreg",
        "RISKREG_OIDC_CLIENT_SECRET": "riskreg-test-secret",
        "RISKREG_OIDC_NAME": "the test provider",
    }.items():
        monkeypatch.setitem(app.config, name, value)
    app.extensions.pop("riskreg_oidc", None)  # registered afresh with this provider
    yield provider
    app.extensions.pop("riskreg_oidc", None)


def _through_the_provider(start: str, login: str) -> str:
    """Act as the browser at the provider: sign in as ``login`` with its sign-in and consent forms; return the
    URL the provider sends the browser back to riskreg with."""
    browser = requests.Session()
    response = browser.get(start, allow_redirects=False, timeout=10)
    for _ in range(20):
        if response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(RISKREG):
                return location
            response = browser.get(location, allow_redirects=False, timeout=10)
            continue
        form = BeautifulSoup(response.text, "html.parser").find("form")
        assert form is not None, response.text[:500]
        data = {field["name"]: field.get("value", "") for field in form.find_all("input") if field.get("name")}
        if "login" in data:
            data.update(login=login, password="anything")  # noqa: S105 - the provider's dev sign-in takes any
        response = browser.post(urljoin(response.url, form["action"]), data=data, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back")


def _sign_in_with_sso(client, email: str):
    start = client.get("/sign-in/sso?next=/registers")
    assert start.status_code == 302 and start.headers["Location"].startswith("http://127.0.0.1:")
    back = urlsplit(_through_the_provider(start.headers["Location"], email))
    assert back.path == "/sign-in/sso/callback"
    return client.get(f"{back.path}?{back.query}")


def test_a_riskreg_user_signs_in_through_the_provider(client, org, sso):
    assert b"Sign in with the test provider" in client.get("/sign-in").data
    response = _sign_in_with_sso(client, org.risk_ln.email.upper())
    assert response.status_code == 302 and response.headers["Location"] == "/registers"
    assert b"Rhys Risk" in client.get("/").data, "signed in as the riskreg user with that e-mail address"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.signed_in"))
    assert event.actor_id == org.risk_ln.id and event.changes == {"method": "oidc"}


def test_an_invited_person_signs_in_without_choosing_a_password(client, org, sso):
    person, _secret = people.invite("nia.jones@example.org", "Nia Jones", org.admin)
    assert _sign_in_with_sso(client, person.email).status_code == 302
    assert b"Nia Jones" in client.get("/").data


def test_someone_without_a_riskreg_account_is_refused(client, org, sso):
    response = _sign_in_with_sso(client, "stranger@example.org")
    assert response.status_code == 403
    assert b"You do not have a riskreg account" in response.data and b"stranger@example.org" in response.data
    assert client.get("/").status_code == 302, "not signed in"


def test_a_deactivated_user_is_refused(client, org, sso):
    people.deactivate(org.viewer_ln, org.admin)
    response = _sign_in_with_sso(client, org.viewer_ln.email)
    assert response.status_code == 403 and b"deactivated" in response.data
    assert client.get("/").status_code == 302


def test_a_callback_that_did_not_start_here_is_refused(client, org, sso):
    response = client.get("/sign-in/sso/callback?code=made-up&state=made-up")
    assert response.status_code == 400 and b"Sign-in did not finish" in response.data
    assert client.get("/").status_code == 302


def test_local_passwords_can_be_switched_off(app, client, org, sso, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_LOCAL_PASSWORDS", False)
    page = client.get("/sign-in").data
    assert b"Sign in with the test provider" in page and b'name="password"' not in page
    refused = client.post("/sign-in", data={"email": org.risk_ln.email, "password": "correct horse battery staple"})
    assert refused.status_code == 403 and b"passwords are switched off" in refused.data
    assert client.get("/forgot-password").status_code == 404
    assert _sign_in_with_sso(client, org.risk_ln.email).status_code == 302


def test_a_provider_that_cannot_be_reached_gets_a_clear_page(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_OIDC_ISSUER", f"http://127.0.0.1:{_free_port()}")  # nobody listens
    monkeypatch.setitem(app.config, "RISKREG_OIDC_CLIENT_ID", "riskreg")
    app.extensions.pop("riskreg_oidc", None)
    try:
        response = client.get("/sign-in/sso")
    finally:
        app.extensions.pop("riskreg_oidc", None)
    assert response.status_code == 503 and b"Single sign-on is not available" in response.data


def test_without_a_provider_the_sso_addresses_lead_to_the_ordinary_sign_in(client):
    assert b"Sign in with" not in client.get("/sign-in").data
    assert client.get("/sign-in/sso").headers["Location"] == "/sign-in"
    assert client.get("/sign-in/sso/callback?code=x&state=y").headers["Location"] == "/sign-in"


# Signing with single sign-on only (issue 17) -------------------------------------------------------------------


@pytest.mark.usefixtures("signing_ca")
def test_a_head_on_single_sign_on_only_signs_a_certificate_with_their_second_factor(
    app,
    client,
    org,
    sso,
    monkeypatch,
    test_ca,  # noqa: F811
):
    monkeypatch.setitem(app.config, "RISKREG_LOCAL_PASSWORDS", False)
    assert _sign_in_with_sso(client, org.head_ln.email).status_code == 302
    secret, _codes = _enrol(client)
    certificate = declare_all(draft(org), org.risk_ln, {}, org, None)
    workflow.submit(certificate, org.risk_ln)
    db.session.commit()
    url, version = f"/certificates/{certificate.id}/sign", str(certificate.lock_version)
    page = client.get(url).data.decode()
    assert 'name="password"' not in page and "Code from your authenticator app" in page

    step_after_enrolling = org.head_ln.totp_last_step
    refused = client.post(url, data={"version": version, "code": "000000", "password": PASSWORD})
    assert refused.status_code == 400 and two_factor.WRONG_CODE in refused.data.decode()
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).status is CertificateStatus.SUBMITTED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignerCertificate)) == 0
    assert db.session.get(User, org.head_ln.id).totp_last_step == step_after_enrolling

    next_code = pyotp.TOTP(secret).at(utcnow().replace(tzinfo=UTC), counter_offset=1)  # enrolling used this step's
    signed = client.post(url, data={"version": version, "code": next_code})
    assert signed.status_code == 302, signed.data.decode()[:800]
    db.session.expire_all()
    certificate = db.session.get(Certificate, certificate.id)
    assert certificate.status is CertificateStatus.SIGNED and certificate.signed_by_id == org.head_ln.id
    record = db.session.scalar(sa.select(SignerCertificate))
    verified = signing.verify(certificate.pdf, test_ca.trust_root_paths)
    assert verified.ok and verified.signer.serial == record.serial
