"""Token authentication: the only way into the API. Revoked, expired and unknown tokens are refused with 401 JSON."""

from datetime import timedelta

import pytest

from riskreg.clock import today, utcnow
from riskreg.extensions import db
from riskreg.models import ApiToken
from riskreg.rules.tokens import hash_secret
from riskreg.services import tokens
from tests.api.conftest import Api, error_of, make_token


def _token_row(secret: str) -> ApiToken:
    return db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))


def test_a_valid_token_is_its_users_identity(client, org):
    secret = make_token(org.risk_ln, name="Dashboard")
    response = Api(client, secret).get("/me")
    assert response.status_code == 200
    me = response.get_json()["data"]
    assert me["email"] == org.risk_ln.email
    assert me["roles"] == [{"role": "risk_manager", "unit": "LN"}]
    assert me["token"]["name"] == "Dashboard" and secret.startswith(me["token"]["prefix"])
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # no session is started for an API client


def test_use_is_recorded(client, org):
    secret = make_token(org.viewer_ln)
    assert _token_row(secret).last_used_at is None
    Api(client, secret).get("/me")
    db.session.expire_all()
    assert _token_row(secret).last_used_at is not None


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer rr_not-a-real-token", "Bearer rr_" + "x" * 43],
)
def test_no_token_or_an_unknown_one_gets_401_json(client, org, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = Api(client, None).get("/registers", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="riskreg"')
    assert error_of(response)["message"]


def test_revoked_token_is_refused(client, org):
    secret = make_token(org.risk_ln)
    api = Api(client, secret)
    assert api.get("/me").status_code == 200
    tokens.revoke_token(_token_row(secret), org.risk_ln)
    db.session.commit()
    response = api.get("/me")
    assert response.status_code == 401
    assert error_of(response)["message"] == "The token has been revoked"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_expired_token_is_refused(client, org):
    secret = make_token(org.risk_ln)
    # Tokens cannot be created already expired, so age this one.
    _token_row(secret).expires_on = today()
    db.session.commit()
    response = Api(client, secret).get("/me")
    assert response.status_code == 401
    assert error_of(response)["message"].startswith("The token expired on")


def test_token_of_a_deactivated_user_is_refused(client, org):
    secret = make_token(org.risk_ln)
    org.risk_ln.is_active = False
    db.session.commit()
    assert Api(client, secret).get("/me").status_code == 401


def test_the_session_cookie_is_not_a_way_in(client, org, sign_in):
    sign_in(org.risk_ln)
    assert client.get("/registers").status_code == 200  # the pages know the cookie
    response = Api(client, None).get("/registers")
    assert response.status_code == 401
    # A write is refused too, so a page cannot be used to forge API requests.
    response = Api(client, None).post("/registers/LN/risks", json={})
    assert response.status_code == 401


def test_api_writes_need_no_csrf_token(client, org, csrf_enabled):
    api = Api(client, make_token(org.risk_ln))
    response = api.post("/registers/LN/risks", json={})
    assert response.status_code == 422  # reached validation: no CSRF refusal


def test_last_used_is_not_rewritten_on_every_request(client, org):
    secret = make_token(org.viewer_ln)
    api = Api(client, secret)
    api.get("/me")
    db.session.expire_all()
    first = _token_row(secret).last_used_at
    api.get("/me")
    db.session.expire_all()
    assert _token_row(secret).last_used_at == first
    backdated = utcnow() - tokens.USE_RECORDING_INTERVAL - timedelta(seconds=1)
    _token_row(secret).last_used_at = backdated
    db.session.commit()
    api.get("/me")
    db.session.expire_all()
    assert _token_row(secret).last_used_at > backdated


def test_openapi_document_needs_no_token(anonymous_api):
    response = anonymous_api.get("/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.1")
