"""The account page: personal access tokens are shown once, stored hashed, revocable and audited."""

from datetime import timedelta

from bs4 import BeautifulSoup

from riskreg.clock import today
from riskreg.extensions import db
from riskreg.models import ApiToken, AuditEvent
from riskreg.rules.tokens import hash_secret
from riskreg.services import tokens


def _soup(response):
    return BeautifulSoup(response.data, "html.parser")


def _date_fields(day) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _create(client, name="Dashboard", expires_on=None):
    expires_on = expires_on or today() + timedelta(days=30)
    return client.post("/account/tokens/new", data={"name": name, "expires_on": _date_fields(expires_on)})


def _tokens() -> list[ApiToken]:
    return list(db.session.scalars(db.select(ApiToken)))


def test_account_page_shows_who_you_are(client, org, sign_in):
    sign_in(org.risk_ln)
    text = _soup(client.get("/account")).get_text(" ", strip=True)
    assert "Rhys Risk" in text and org.risk_ln.email in text and "Risk manager – London North (LN)" in text
    assert "You have no tokens." in text


def test_new_token_form_proposes_90_days(client, org, sign_in, frozen_clock):
    sign_in(org.risk_ln)
    soup = _soup(client.get("/account/tokens/new"))
    proposed = [int(soup.select_one(f"#expires_on-{part}")["value"]) for part in ("day", "month", "year")]
    assert proposed == [3, 9, 2026]  # 5 June 2026 + 90 days


def test_token_is_shown_once_and_stored_hashed(client, org, sign_in):
    sign_in(org.risk_ln)
    response = _create(client)
    assert response.status_code == 201
    secret = _soup(response).select_one("#token-secret")["value"]
    assert secret.startswith("rr_") and len(secret) == 46
    [token] = _tokens()
    assert token.token_hash == hash_secret(secret) and token.prefix == secret[:10]
    assert secret not in {token.name, token.prefix, token.token_hash}
    # Nowhere to be seen again: not on the account page, not in the audit trail, not in the session cookie.
    account = client.get("/account").data.decode()
    assert secret not in account and token.prefix in account
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "api_token.created"))
    assert event.actor_id == org.risk_ln.id and secret not in str(event.changes)
    assert event.changes["prefix"] == token.prefix
    cookies = "".join(cookie.value for cookie in client._cookies.values())
    assert secret not in cookies
    assert response.headers["Cache-Control"] == "no-store"


def test_token_expiry_is_at_most_a_year(client, org, sign_in):
    sign_in(org.risk_ln)
    response = _create(client, expires_on=today() + timedelta(days=366))
    assert response.status_code == 400
    assert "no more than a year from today" in _soup(response).select_one(".govuk-error-summary").get_text()
    response = _create(client, expires_on=today())
    assert response.status_code == 400
    assert _tokens() == []


def test_token_needs_a_name(client, org, sign_in):
    sign_in(org.risk_ln)
    response = _create(client, name="  ")
    assert response.status_code == 400
    assert "Enter a name for the token" in _soup(response).select_one(".govuk-error-summary").get_text()


def test_creating_a_token_needs_the_csrf_token(app, client, org, sign_in, monkeypatch):
    sign_in(org.risk_ln)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert _create(client).status_code == 400
    assert _tokens() == []


def test_revoke_asks_first_then_revokes_and_audits(client, org, sign_in):
    sign_in(org.risk_ln)
    token, _secret = tokens.create_token(org.risk_ln, "Old script", today() + timedelta(days=10))
    db.session.commit()
    page = client.get(f"/account/tokens/{token.id}/revoke")
    assert page.status_code == 200 and "Are you sure you want to revoke “Old script”?" in page.data.decode()
    assert token.revoked_at is None
    response = client.post(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    db.session.refresh(token)
    assert token.revoked_at is not None
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "api_token.revoked"))
    assert event.entity_id == token.id and event.actor_id == org.risk_ln.id
    text = _soup(client.get("/account")).get_text(" ", strip=True)
    assert "Token “Old script” revoked" in text and "Revoked" in text
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 400  # already revoked


def test_someone_elses_token_is_not_found(client, org, sign_in):
    token, _secret = tokens.create_token(org.risk_ls, "Theirs", today() + timedelta(days=10))
    db.session.commit()
    sign_in(org.risk_ln)
    assert client.get(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_account_page_marks_expired_tokens(client, org, sign_in):
    token, _secret = tokens.create_token(org.risk_ln, "Expired one", today() + timedelta(days=10))
    token.expires_on = today()
    db.session.commit()
    sign_in(org.risk_ln)
    soup = _soup(client.get("/account"))
    row = soup.find("td", string="Expired one").parent
    assert "Expired" in row.get_text() and row.find("a") is None
