"""Accounts (issue 17) through the browser, each page checked with axe: change a password (a breached one
refused first), set up an authenticator app from its QR code page, sign in with a recovery code, and ask for a
password reset link. As London South's head, whom no other journey signs in as (the password changes)."""

import pyotp
import pytest

from tests.browser.visitor import DEMO_PASSWORD

pytestmark = pytest.mark.browser

HEAD_LS = "head.ls@example.org"
NEW_PASSWORD = "tangerine lighthouse forty seven"


def _sign_in_form(visitor, email: str, password: str) -> None:
    visitor.goto("/sign-in")
    visitor.page.get_by_label("Email address").fill(email)
    visitor.page.get_by_label("Password", exact=True).fill(password)
    visitor.follow("Sign in", role="button")


def test_change_password_set_up_an_authenticator_and_sign_in_with_a_recovery_code(visitor):
    visitor.sign_in(HEAD_LS)
    visitor.goto("/account")
    visitor.follow("Change your password")
    visitor.page.get_by_label("Current password").fill(DEMO_PASSWORD)
    visitor.page.get_by_label("New password").fill("qwerty123456")
    visitor.follow("Change password", role="button")
    assert "This password is too common" in visitor.error_summary()
    visitor.page.get_by_label("Current password").fill(DEMO_PASSWORD)
    visitor.page.get_by_label("New password").fill(NEW_PASSWORD)
    visitor.follow("Change password", role="button")
    assert "Your password has been changed" in visitor.page.inner_text(".govuk-notification-banner--success")

    visitor.follow("Set up an authenticator app")
    assert visitor.page.locator(".app-qr svg").count() == 1
    secret = visitor.page.locator(".app-secret").inner_text().strip()
    visitor.page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    visitor.follow("Continue", role="button")
    assert visitor.heading() == "Your authenticator app is set up"
    recovery = visitor.page.locator(".app-recovery-codes code").first.inner_text()

    visitor.sign_out()
    _sign_in_form(visitor, HEAD_LS, NEW_PASSWORD)
    assert visitor.heading() == "Enter your code"
    visitor.page.get_by_label("Code").fill("000000")
    visitor.follow("Continue", role="button")
    assert "Enter the 6-digit code" in visitor.error_summary()
    visitor.page.get_by_label("Code").fill(recovery)  # the app's code of a moment ago was used at enrolment
    visitor.follow("Continue", role="button")
    assert visitor.heading().startswith("Hello,")


def test_ask_for_a_password_reset_link(visitor):
    visitor.goto("/sign-in")
    visitor.follow("Forgotten your password?")
    visitor.follow("Send me a link", role="button")
    assert "Enter your email address" in visitor.error_summary()
    visitor.page.get_by_label("Email address").fill("nobody@example.org")
    visitor.follow("Send me a link", role="button")
    assert visitor.heading() == "Check your email"
