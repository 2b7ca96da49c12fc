"""Keyboard-only journeys (WCAG 2.1.1): Tab, Enter, Space and typing; no clicks.

Each element is reached by pressing Tab from where the focus is, and must show a visible focus style
when it gets there (WCAG 2.4.7). Only the first page is opened by address, as a person would type it.
"""

import re

import pytest

from tests.browser.visitor import DEMO_PASSWORD, HEAD_LN

pytestmark = pytest.mark.browser

SIGN_OUT = ".app-sign-out button"


def _sign_in_by_keyboard(visitor, email: str = HEAD_LN) -> None:
    visitor.goto("/sign-in")
    visitor.type_into("#email", email)
    visitor.type_into("#password", DEMO_PASSWORD)
    visitor.press_on("button.govuk-button:not(.govuk-password-input__toggle)")
    assert visitor.heading() == "Hello, Helen Okafor"


def test_sign_in_and_out_by_keyboard(visitor):
    _sign_in_by_keyboard(visitor)
    visitor.press_on(SIGN_OUT)
    assert visitor.heading() == "Sign in to riskreg"
    assert "You have been signed out." in visitor.page.inner_text("main")


def test_record_a_review_by_keyboard(visitor):
    _sign_in_by_keyboard(visitor)
    visitor.press_on('.govuk-service-navigation a[href="/registers"]')
    visitor.press_on('a[href="/registers/LN"]')

    visitor.tab_to("#filter-overdue")
    visitor.page.keyboard.press("Space")
    visitor.press_on('main form[method="get"] button[type="submit"]')
    assert visitor.page.url.endswith("overdue=1")

    visitor.press_on('table:not(.app-heatmap) tbody a[href^="/risks/"]')
    before = visitor.summary_value("Next review")
    assert "Review overdue" in before
    visitor.press_on('a[href$="/reviews/new"]')

    # Sent with the commentary and outcome missing: GOV.UK's error summary takes the focus, and its
    # links take the focus to the fields.
    visitor.press_on('main form[method="post"] button[type="submit"]')
    assert visitor.page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    visitor.tab_to('.govuk-error-summary a[href="#commentary"]')
    visitor.page.keyboard.press("Enter")
    assert visitor.page.evaluate("document.activeElement.id") == "commentary"
    visitor.page.keyboard.type("Walked through the custody time limit checks with the team; score unchanged.")

    visitor.tab_to('input[name="outcome"]')
    visitor.page.keyboard.press("Space")
    assert visitor.page.evaluate("document.activeElement.checked")
    visitor.press_on('main form[method="post"] button[type="submit"]')

    banner = visitor.page.locator(".govuk-notification-banner--success").inner_text()
    due = re.search(r"The next review is due on (\d+ \w+ \d{4})", banner).group(1)
    assert visitor.summary_value("Next review").strip() == due and due not in before
