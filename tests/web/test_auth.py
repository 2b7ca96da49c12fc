import re

from bs4 import BeautifulSoup

from riskreg.extensions import db
from riskreg.models import AuditEvent
from tests.factories import PASSWORD


def _summary(response) -> str:
    summary = BeautifulSoup(response.data, "html.parser").select_one(".govuk-error-summary")
    return summary.get_text(" ", strip=True) if summary else ""


def test_sign_in_and_out(client, org):
    response = client.post("/sign-in", data={"email": org.head_ln.email.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Hello, Helen Head" in client.get("/").data.decode()
    response = client.post("/sign-out")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_clear_message(client, org):
    response = client.post("/sign-in", data={"email": org.head_ln.email, "password": "wrong password!"})
    assert response.status_code == 400
    assert "Enter a correct email address and password" in _summary(response)
    assert BeautifulSoup(response.data, "html.parser").title.text.startswith("Error: ")


def test_missing_fields_get_govuk_messages(client, org):
    response = client.post("/sign-in", data={"email": "", "password": ""})
    assert "Enter your email address" in _summary(response)
    assert "Enter your password" in _summary(response)


def test_sign_in_is_throttled_per_account(client, org, app):
    for _ in range(5):
        client.post("/sign-in", data={"email": org.head_ln.email, "password": "wrong password!"})
    response = client.post("/sign-in", data={"email": org.head_ln.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in _summary(response)
    # Another account from the same address is not locked by this one's failures.
    assert client.post("/sign-in", data={"email": org.risk_ln.email, "password": PASSWORD}).status_code == 302


def test_sign_in_is_throttled_per_address(client, org, app, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_SIGNIN_LIMIT_PER_ADDRESS", "3 per 15 minutes")
    for n in range(3):
        client.post("/sign-in", data={"email": f"guess{n}@example.org", "password": "wrong password!"})
    response = client.post("/sign-in", data={"email": org.risk_ln.email, "password": PASSWORD})
    assert response.status_code == 429


def test_successful_sign_ins_do_not_count_towards_the_limit(client, org):
    for _ in range(7):
        assert client.post("/sign-in", data={"email": org.head_ln.email, "password": PASSWORD}).status_code == 302
        client.post("/sign-out")


def test_next_only_redirects_within_the_site(client, org):
    for target, expected in [
        ("/registers", "/registers"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ]:
        response = client.post(f"/sign-in?next={target}", data={"email": org.head_ln.email, "password": PASSWORD})
        assert response.headers["Location"] == expected, target
        client.post("/sign-out")


def test_session_is_rotated_at_sign_in(client, org):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/sign-in", data={"email": org.head_ln.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session


def test_sign_out_invalidates_a_copied_session_cookie(app, client, org):
    client.post("/sign-in", data={"email": org.head_ln.email, "password": PASSWORD})
    stolen = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    client.post("/sign-out")
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    assert thief.get("/").status_code == 302


def test_session_cookie_flags(client, org):
    response = client.post("/sign-in", data={"email": org.head_ln.email, "password": PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("riskreg_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    from riskreg.config import load_config

    monkeypatch.setenv("RISKREG_SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/riskreg")
    monkeypatch.setenv("RISKREG_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    config = load_config("production", tmp_path)
    assert config["SESSION_COOKIE_SECURE"] and config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_production_refuses_per_process_sign_in_throttling(monkeypatch, tmp_path):
    import pytest

    from riskreg.config import load_config

    monkeypatch.setenv("RISKREG_SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/riskreg")
    for storage in (None, "memory://"):
        if storage is None:
            monkeypatch.delenv("RISKREG_RATELIMIT_STORAGE_URI", raising=False)
        else:
            monkeypatch.setenv("RISKREG_RATELIMIT_STORAGE_URI", storage)
        with pytest.raises(RuntimeError, match="RISKREG_RATELIMIT_STORAGE_URI"):
            load_config("production", tmp_path)


def test_production_refuses_to_start_without_secrets(monkeypatch, tmp_path):
    import pytest

    from riskreg.config import load_config

    monkeypatch.delenv("RISKREG_SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/riskreg")
    with pytest.raises(RuntimeError, match="RISKREG_SECRET_KEY"):
        load_config("production", tmp_path)


def test_forged_csrf_token_is_refused_and_writes_nothing(client, org, csrf_enabled, sign_in):
    events_before = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    response = client.post("/sign-in", data={"email": org.head_ln.email, "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert "Your form could not be sent" in response.data.decode()
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == events_before


def test_security_headers(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert f'nonce="{nonce}"' in response.data.decode()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers
    assert "Strict-Transport-Security" in client.get("/sign-in", base_url="https://localhost").headers


def test_error_pages_leak_nothing(client, org, sign_in):
    sign_in(org.head_ln)
    response = client.get("/risks/NOPE-999")
    assert response.status_code == 404
    assert "Page not found" in response.data.decode() and "Traceback" not in response.data.decode()
