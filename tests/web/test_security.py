"""Security behaviour beyond tests/web/test_auth.py: headers everywhere, what the CSP would block,
HTTPS, cookies as served in production, sessions, throttling from many addresses, redirects and errors.

docs/security.md maps these tests to the OWASP ASVS requirements they cover.
"""

import re
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from riskreg import create_app
from riskreg.clock import today
from riskreg.config import DEFAULT_SETTINGS
from riskreg.enums import EvidenceKind
from riskreg.extensions import db
from riskreg.services import ServiceError, users
from riskreg.services.assurance import evidence
from tests.factories import PASSWORD, ControlTestFactory, CountermeasureFactory, RiskFactory

# What only HTTP carries (headers, CSP, cookies, redirects, error pages) is the app's, whatever the engine: those
# tests are left out of the PostgreSQL pass. Those that store and read back (sessions ended, accounts locked,
# fields set, text and files kept) run in both.
HTTP_ONLY = pytest.mark.engine_independent

SIGN_IN_LOCKED = "Too many failed sign-in attempts. Wait 15 minutes, then try again."


def _directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def _sign_in(client, user, password=PASSWORD, **kwargs):
    return client.post("/sign-in", data={"email": user.email, "password": password}, **kwargs)


# Headers ---------------------------------------------------------------------------------------------


@HTTP_ONLY
def test_csp_allows_only_our_own_scripts_with_a_fresh_nonce(client):
    first, second = _directives(client.get("/sign-in")), _directives(client.get("/sign-in"))
    script_src = first["script-src"]
    assert script_src[0] == "'self'" and len(script_src) == 2 and script_src[1].startswith("'nonce-")
    assert script_src[1] != second["script-src"][1], "the nonce must change with every response"
    assert first["default-src"] == ["'self'"] and first["object-src"] == ["'none'"]
    assert first["base-uri"] == ["'self'"] and first["form-action"] == ["'self'"]
    assert first["frame-ancestors"] == ["'none'"]
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*"} & {value for values in first.values() for value in values}


@HTTP_ONLY
def test_security_headers_on_every_kind_of_response(client):
    responses = {
        "page": client.get("/sign-in"),
        "redirect": client.get("/registers"),
        "json": client.get("/healthz"),
        "static file": client.get("/assets/riskreg.css"),
        "404": client.get("/no-such-page"),
        "405": client.get("/sign-out"),
    }
    for kind, response in responses.items():
        headers = response.headers
        assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), kind
        assert headers.get("X-Content-Type-Options") == "nosniff", kind
        assert headers.get("Referrer-Policy") == "same-origin", kind
        assert headers.get("X-Frame-Options") == "DENY", kind


@HTTP_ONLY
def test_signed_in_pages_are_not_cached(client, org, sign_in):
    sign_in(org.head_ln)
    assert client.get("/registers").headers["Cache-Control"] == "no-store"


@HTTP_ONLY
def test_hsts_is_sent_over_https_behind_a_trusted_proxy_only(client):
    forged = client.get("/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers, "a client cannot claim HTTPS by itself"

    behind_proxy = create_app("testing", {"RISKREG_PROXY_HOPS": 1}).test_client()
    response = behind_proxy.get("/sign-in", headers={"X-Forwarded-Proto": "https"})
    hsts = response.headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000
    assert "Strict-Transport-Security" not in behind_proxy.get("/sign-in").headers


# What the CSP would block ------------------------------------------------------------------------------------


def _pages(client, org, risk) -> dict[str, object]:
    return {
        "sign in with errors": client.post("/sign-in", data={"email": "", "password": ""}),
        "home": (_sign_in(client, org.head_ln), client.get("/"))[1],
        "registers": client.get("/registers"),
        "register": client.get("/registers/LN?overdue=1"),
        "risk": client.get(f"/risks/{risk.ref}"),
        "edit form with errors": client.post(f"/risks/{risk.ref}/edit", data={"title": ""}),
        "review form": client.get(f"/risks/{risk.ref}/reviews/new"),
        "404": client.get("/no-such-page"),
        "committee": (_sign_in(client, org.committee), client.get("/committee"))[1],
        "comments": client.get(f"/risks/{risk.ref}/comments"),
    }


def _nothing_the_csp_blocks(name: str, response) -> None:
    nonce = _directives(response)["script-src"][1][len("'nonce-") : -1]
    assert nonce, (name, "an empty nonce")
    soup = BeautifulSoup(response.data, "html.parser")
    for script in soup.find_all("script"):
        assert script.get("nonce") == nonce or script.get("src", "").startswith("/"), (name, str(script)[:80])
    assert not soup.find_all("style"), name
    for tag in soup.find_all(True):
        assert not [attr for attr in tag.attrs if attr.startswith("on")], (name, str(tag)[:120])
        assert "style" not in tag.attrs, (name, str(tag)[:120])
        assert not str(tag.get("href", "")).lower().startswith("javascript:"), name


@HTTP_ONLY
def test_pages_carry_nothing_the_csp_would_block(app, client, org, monkeypatch):
    risk = RiskFactory(register=org.ln.register, owner=org.head_ln)
    for name, response in _pages(client, org, risk).items():
        _nothing_the_csp_blocks(name, response)
    # Refused before any of riskreg's own request hooks run: the page still gets its nonce.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    _nothing_the_csp_blocks("CSRF refusal", client.post(f"/risks/{risk.ref}/edit", data={"title": ""}))


@HTTP_ONLY
def test_every_form_that_posts_carries_a_csrf_token(app, client, org, csrf_enabled):
    risk = RiskFactory(register=org.ln.register, owner=org.head_ln)
    page = client.get("/sign-in")
    token = BeautifulSoup(page.data, "html.parser").find("input", attrs={"name": "csrf_token"})["value"]
    client.post("/sign-in", data={"email": org.head_ln.email, "password": PASSWORD, "csrf_token": token})
    paths = [
        "/",
        f"/risks/{risk.ref}",
        f"/risks/{risk.ref}/edit",
        f"/risks/{risk.ref}/reviews/new",
        f"/risks/{risk.ref}/close",
        f"/risks/{risk.ref}/countermeasures/new",
        "/registers/LN/risks/new",
    ]
    committee = app.test_client()
    token = BeautifulSoup(committee.get("/sign-in").data, "html.parser").find("input", attrs={"name": "csrf_token"})
    committee.post("/sign-in", data={"email": org.committee.email, "password": PASSWORD, "csrf_token": token["value"]})
    pages = [(client, path) for path in paths] + [(committee, "/committee"), (committee, f"/risks/{risk.ref}/comments")]
    for who, path in pages:
        response = who.get(path)
        assert response.status_code == 200, path
        forms = BeautifulSoup(response.data, "html.parser").find_all("form", method=re.compile("post", re.I))
        assert forms, path
        for form in forms:
            assert form.find("input", attrs={"name": "csrf_token"}), (path, "a POST form without a CSRF token")


# Cookies and sessions ---------------------------------------------------------------------------------------


@pytest.fixture
def limiter_restored():
    """A production app needs shared throttling storage, and the limiter is one object: give it back its own."""
    from riskreg.extensions import limiter

    saved = limiter._storage, limiter._limiter
    yield
    limiter._storage, limiter._limiter = saved


@HTTP_ONLY
def test_production_sends_the_session_cookie_secure_httponly_and_lax(app, org, monkeypatch, limiter_restored):
    monkeypatch.setenv("RISKREG_SECRET_KEY", "a" * 64)
    monkeypatch.setenv("RISKREG_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    client = create_app("production").test_client()
    page = client.get("/sign-in", base_url="https://riskreg.example")
    token = BeautifulSoup(page.data, "html.parser").find("input", attrs={"name": "csrf_token"})["value"]
    response = client.post(
        "/sign-in",
        base_url="https://riskreg.example",
        headers={"Referer": "https://riskreg.example/sign-in"},
        data={"email": org.head_ln.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("riskreg_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@HTTP_ONLY
def test_a_tampered_session_cookie_is_ignored(app, client, org, sign_in):
    sign_in(org.head_ln)
    name = app.config["SESSION_COOKIE_NAME"]
    value = client.get_cookie(name).value
    payload, _, signature = value.rpartition(".")
    client.set_cookie(name, f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}")
    assert client.get("/").status_code == 302


@HTTP_ONLY
def test_sign_out_takes_a_post_with_a_csrf_token(client, org, csrf_enabled):
    page = client.get("/sign-in")
    token = BeautifulSoup(page.data, "html.parser").find("input", attrs={"name": "csrf_token"})["value"]
    client.post("/sign-in", data={"email": org.head_ln.email, "password": PASSWORD, "csrf_token": token})
    assert client.get("/sign-out").status_code == 405
    assert client.post("/sign-out").status_code == 400  # a forged cross-site sign-out is refused
    assert client.get("/").status_code == 200


def test_signing_out_ends_the_users_sessions_everywhere(app, org):
    laptop, phone = app.test_client(), app.test_client()
    _sign_in(laptop, org.head_ln)
    _sign_in(phone, org.head_ln)
    laptop.post("/sign-out")
    assert phone.get("/").status_code == 302


def test_a_deactivated_user_is_signed_out_at_once(client, org, sign_in):
    sign_in(org.head_ln)
    org.head_ln.is_active = False
    db.session.commit()
    assert client.get("/").status_code == 302
    assert _sign_in(client, org.head_ln).status_code == 400


# Sign-in ---------------------------------------------------------------------------------------------------


def test_unknown_email_and_wrong_password_get_the_same_answer(client, org):
    unknown = client.post("/sign-in", data={"email": "nobody@example.org", "password": PASSWORD})
    wrong = _sign_in(client, org.head_ln, password="not the password")
    assert unknown.status_code == wrong.status_code == 400
    message = "Enter a correct email address and password"
    assert message in unknown.data.decode() and message in wrong.data.decode()


def test_guesses_lock_the_account_from_their_address_only(client, org):
    """An attacker cannot lock a user out from everywhere (issue 18): the account is throttled per address."""
    attacker = {"REMOTE_ADDR": "203.0.113.7"}
    for _ in range(5):
        _sign_in(client, org.head_ln, password="wrong password!", environ_base=attacker)
    response = _sign_in(client, org.head_ln, environ_base=attacker)
    assert response.status_code == 429 and SIGN_IN_LOCKED in response.data.decode()
    assert _sign_in(client, org.head_ln, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 302


@HTTP_ONLY
def test_forwarding_headers_are_not_trusted_unless_configured(client, org):
    # Without RISKREG_PROXY_HOPS, a forged X-Forwarded-For neither spreads guesses over addresses nor locks others.
    for n in range(5):
        _sign_in(client, org.head_ln, password="wrong password!", headers={"X-Forwarded-For": f"10.0.0.{n}"})
    spoofed = _sign_in(client, org.head_ln, headers={"X-Forwarded-For": "10.0.0.99"})
    assert spoofed.status_code == 429
    assert _sign_in(client, org.head_ln, environ_base={"REMOTE_ADDR": "198.51.100.2"}).status_code == 302


def test_the_account_limit_counts_every_spelling_of_the_address(client, org):
    email = org.head_ln.email
    for spelling in (email.upper(), f"  {email}", email.title(), f"{email}  ", email.capitalize()):
        client.post("/sign-in", data={"email": spelling, "password": "wrong password!"})
    assert _sign_in(client, org.head_ln).status_code == 429


def test_an_address_limit_leaves_other_addresses_alone(app, client, org, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_SIGNIN_LIMIT_PER_ADDRESS", "3 per 15 minutes")
    attacker = {"REMOTE_ADDR": "203.0.113.7"}
    for n in range(3):
        client.post("/sign-in", data={"email": f"guess{n}@example.org", "password": "x" * 12}, environ_base=attacker)
    locked = _sign_in(client, org.risk_ln, environ_base=attacker)
    assert locked.status_code == 429 and SIGN_IN_LOCKED in locked.data.decode()
    assert _sign_in(client, org.risk_ln, environ_base={"REMOTE_ADDR": "198.51.100.2"}).status_code == 302


@HTTP_ONLY
@pytest.mark.parametrize(
    "target",
    [
        "///evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "http://evil.example",
        " //evil.example",
        "\\\\evil.example",
        "/%5Cevil.example",
        "//evil.example/%2F..",
    ],
)
def test_no_open_redirect_through_next(client, org, target):
    response = client.post(
        "/sign-in", query_string={"next": target}, data={"email": org.head_ln.email, "password": PASSWORD}
    )
    assert response.status_code == 302 and _stays_on_site(response.headers["Location"])


def _stays_on_site(location: str) -> bool:
    # As a browser reads it: tabs and newlines dropped, backslashes taken as slashes.
    normalised = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    parts = urlsplit(normalised)
    return not parts.scheme and not parts.netloc and normalised.startswith("/") and not normalised.startswith("//")


def test_passwords_are_stored_as_salted_slow_hashes_and_short_ones_refused(app, monkeypatch):
    # As every installation hashes them: the suite's own configuration uses a cheap hash (riskreg/config.py).
    monkeypatch.setitem(app.config, "RISKREG_PASSWORD_HASH", DEFAULT_SETTINGS.password_hash)
    user = users.create_user("new.person@example.org", "New Person", "a long enough password")
    assert user.password_hash.startswith("scrypt:") and "a long enough password" not in user.password_hash
    twin = users.create_user("twin@example.org", "Same Password", "a long enough password")
    assert twin.password_hash != user.password_hash, "each hash has its own salt"
    with pytest.raises(ServiceError, match="12 characters or more"):
        users.create_user("short@example.org", "Short", "too short")


def test_passwords_are_used_whole_and_may_hold_any_character(client):
    long_one = "correct horse battery staple " * 4 + "ünïcödé ✓ 🔒"
    user = users.create_user("long.password@example.org", "Long Password", long_one)
    assert users.authenticate(user.email, long_one) is user
    assert users.authenticate(user.email, long_one[:-1]) is None, "no truncation"
    assert users.authenticate(user.email, long_one[:72]) is None


@HTTP_ONLY
def test_the_sign_in_form_lets_password_managers_fill_it(client):
    soup = BeautifulSoup(client.get("/sign-in").data, "html.parser")
    assert soup.find("input", attrs={"name": "email"})["autocomplete"] == "username"
    assert soup.find("input", attrs={"name": "password"})["autocomplete"] == "current-password"


# Input and output ---------------------------------------------------------------------------------------------


def _edit_form(risk, owner, **extra) -> dict:
    data = {
        "version": str(risk.version),
        "title": risk.title,
        "cause": risk.cause,
        "event": risk.event,
        "consequence": risk.consequence,
        "category": risk.category,
        "objective": risk.objective,
        "owner_id": str(owner.id),
        "influence": risk.influence.value,
        **{
            name: str(getattr(risk, name))
            for name in ("inherent_l", "inherent_i", "residual_l", "residual_i", "target_l", "target_i")
        },
    }
    return {**data, **extra}


def test_fields_a_form_does_not_offer_cannot_be_set(client, org, sign_in):
    """Mass assignment: extra fields in a post change nothing beyond the form's own fields."""
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    sign_in(org.risk_ln)
    extra = {
        "ref": "HQ-999",
        "register_id": str(org.hq.register.id),
        "status": "closed",
        "next_review_on": "2001-01-01",
        "id": "999",
    }
    assert client.post(f"/risks/{risk.ref}/edit", data=_edit_form(risk, org.risk_ln, **extra)).status_code == 302
    db.session.refresh(risk)
    assert (risk.ref, risk.register_id, risk.status.value) == ("LN-001", org.ln.register.id, "open")
    assert str(risk.next_review_on) != "2001-01-01"


def test_an_owner_from_outside_the_unit_cannot_be_chosen(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    sign_in(org.risk_ln)
    response = client.post(f"/risks/{risk.ref}/edit", data=_edit_form(risk, org.head_ls))
    assert response.status_code == 400 and "Select a risk owner" in response.data.decode()


def test_what_people_type_is_shown_as_text_never_run(client, org, sign_in):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    risk = RiskFactory(register=org.ln.register, title=payload, cause=payload)
    sign_in(org.head_ln)
    for path in (f"/risks/{risk.ref}", "/registers/LN", f"/risks/{risk.ref}/edit"):
        body = client.get(path).data.decode()
        assert payload not in body and "&lt;script&gt;alert(" in body, path


@pytest.mark.parametrize(
    "query",
    [
        "owner=1%20OR%201=1",
        "sort=ref;DROP%20TABLE%20risk",
        "category=legal'--",
        "l=1%27%20OR%20%271",
        "page=-1",
        "band[]=high&band=x",
        "status=open&status=closed",
    ],
)
def test_register_filters_take_only_what_they_know(client, org, sign_in, query):
    RiskFactory(register=org.ln.register)
    sign_in(org.head_ln)
    response = client.get(f"/registers/LN?{query}")
    assert response.status_code == 200 and "LN-001" in response.data.decode()


@HTTP_ONLY
@pytest.mark.parametrize(
    "path",
    [
        "/assets/",
        "/assets/../pyproject.toml",
        "/assets/%2e%2e/pyproject.toml",
        "/assets/..%2fpyproject.toml",
        "/.git/config",
        "/assets/.gitignore",
    ],
)
def test_no_directory_listing_or_files_outside_the_built_assets(client, path):
    response = client.get(path)
    assert response.status_code == 404 and b"[build-system]" not in response.data


def test_an_uploaded_svg_with_a_script_is_only_ever_a_text_download(client, org, sign_in):
    """SVG can carry script: riskreg keeps it as plain text and sends it as an attachment, never as an image."""
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
    test = ControlTestFactory(
        countermeasure=CountermeasureFactory(risk=RiskFactory(register=org.ln.register)), tester=org.risk_ln
    )
    item = evidence.EvidenceInput(EvidenceKind.FILE, "Diagram", today(), data=svg, filename="diagram.svg")
    stored = evidence.add_evidence(test, item, org.risk_ln)
    sign_in(org.viewer_ln)
    response = client.get(f"/evidence/{stored.id}/download")
    assert response.status_code == 200 and response.data == svg
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Content-Disposition"] == "attachment; filename=diagram.txt"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# Errors ---------------------------------------------------------------------------------------------------


@HTTP_ONLY
def test_a_server_error_page_leaks_no_internals(app, client, org, sign_in, monkeypatch):
    detail = "secret detail: /srv/riskreg/config.py password=hunter2"

    def broken(_user):
        raise RuntimeError(detail)

    monkeypatch.setattr("riskreg.services.home.my_registers", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    sign_in(org.head_ln)
    response = client.get("/")
    body = response.data.decode()
    assert response.status_code == 500 and "Sorry, there is a problem with the service" in body
    for leak in (detail, "hunter2", "Traceback", "RuntimeError", "riskreg/", ".py"):
        assert leak not in body, leak


@HTTP_ONLY
def test_an_oversized_request_is_refused_plainly(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = client.post("/sign-in", data={"email": "a@example.org", "password": "x" * 4096})
    assert response.status_code == 413 and "The file is too large" in response.data.decode()
    assert "Traceback" not in response.data.decode()
