"""Journeys through the served demo organisation, each page checked with axe-core as it loads.

To add a journey: take the ``visitor`` fixture, move with ``goto``/``follow``/``navigate`` (each checks the
page it lands on) and call ``visitor.check()`` after anything that changes a page in place.
"""

import re

import pytest

from tests.browser.conftest import SERVER_ERROR_DETAIL
from tests.browser.visitor import HEAD_LN

pytestmark = pytest.mark.browser


def test_sign_in_and_out(visitor):
    visitor.goto("/")
    assert visitor.page.url.endswith("/sign-in?next=%2F") and visitor.heading() == "Sign in to riskreg"

    visitor.follow("Sign in", role="button")
    assert "Enter your email address" in visitor.error_summary()
    assert visitor.page.title().startswith("Error: ")

    visitor.page.get_by_label("Email address").fill(HEAD_LN)
    visitor.page.get_by_label("Password", exact=True).fill("not the password")
    visitor.follow("Sign in", role="button")
    assert "Enter a correct email address and password" in visitor.error_summary()

    password = visitor.page.get_by_label("Password", exact=True)
    visitor.page.get_by_role("button", name="Show password").click()
    assert password.get_attribute("type") == "text"  # people may check what they typed (GOV.UK password input)
    visitor.check()

    visitor.sign_in()
    assert visitor.heading() == "Hello, Helen Okafor"
    cookie = next(c for c in visitor.page.context.cookies() if c["name"] == "riskreg_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    visitor.sign_out()
    assert "You have been signed out." in visitor.page.locator(".govuk-notification-banner--success").inner_text()
    visitor.goto("/registers")
    assert "/sign-in" in visitor.page.url


def test_registers_index_and_a_register_with_filters_and_the_heat_map(visitor):
    visitor.sign_in()
    visitor.follow("Registers", within="nav")
    assert visitor.heading() == "Risk registers"
    visitor.follow("London North")
    assert visitor.heading() == "London North risk register"

    cell = visitor.page.locator(".app-heatmap a").first
    with visitor.navigate():
        cell.click()
    assert "Showing the heat-map cell" in visitor.page.inner_text("main")
    visitor.follow("Show all cells")

    visitor.page.get_by_label("Review overdue").check()
    visitor.follow("Apply filters", role="button")
    rows = visitor.page.locator("table:not(.app-heatmap) tbody tr")
    assert rows.count() > 0
    assert rows.filter(has_text="Review overdue").count() == rows.count()


def test_an_empty_state(visitor):
    visitor.sign_in()
    visitor.goto("/registers/LN?status=closed&category=property")
    assert "No risks match these filters." in visitor.page.inner_text("main")


def test_home_page_empty_states(visitor):
    visitor.sign_in("committee@example.org")
    main = visitor.page.inner_text("main")
    assert "No reviews of your risks are due in the next 14 days." in main
    assert "You do not own any open risks." in main


def _first_overdue_london_north_risk(visitor) -> None:
    visitor.goto("/registers/LN?overdue=1")
    visitor.follow(visitor.page.locator("table:not(.app-heatmap) tbody tr a").first.inner_text())


def test_record_a_review(visitor):
    visitor.sign_in()
    _first_overdue_london_north_risk(visitor)
    before = visitor.summary_value("Next review")
    assert "Review overdue" in before

    visitor.follow("Record a review")
    visitor.follow("Record review", role="button")  # commentary and outcome are missing
    assert "Enter what the review found" in visitor.error_summary()
    assert "Select the outcome of the review" in visitor.error_summary()

    visitor.page.get_by_label("Commentary").fill("Controls checked with the custody team; no change to the score.")
    visitor.page.get_by_label("Continue").check()
    visitor.follow("Record review", role="button")
    banner = visitor.page.locator(".govuk-notification-banner--success").inner_text()
    due = re.search(r"The next review is due on (\d+ \w+ \d{4})", banner).group(1)
    after = visitor.summary_value("Next review")
    assert after.strip() == due and due not in before and "overdue" not in after


def test_risk_edit_form_with_errors(visitor):
    visitor.sign_in("risk.ln@example.org")
    visitor.goto("/risks/LN-001")
    visitor.follow("Edit risk")
    visitor.page.get_by_label("Risk title").fill("")
    visitor.page.get_by_label("Cause").fill("")
    visitor.follow("Save risk", role="button")
    summary = visitor.error_summary()
    assert "Enter a risk title" in summary and "Enter the cause of the risk" in summary
    assert visitor.page.locator("#title-error").is_visible()


def test_the_other_risk_forms_empty_and_with_errors(visitor):
    """Adding a risk or a countermeasure, closing a risk, retiring a countermeasure: sent empty, nothing saved."""
    visitor.sign_in("risk.ln@example.org")
    visitor.goto("/registers/LN")
    visitor.follow("Add a risk", role="button")  # a link styled and announced as a button (GOV.UK)
    visitor.follow("Save risk", role="button")
    assert "Enter a risk title" in visitor.error_summary()

    visitor.goto("/risks/LN-002")
    visitor.follow("Add a countermeasure")
    visitor.follow("Save countermeasure", role="button")
    assert "Enter the countermeasure" in visitor.error_summary()

    visitor.goto("/risks/LN-002")
    visitor.follow("Close risk")
    visitor.follow("Close risk", role="button")
    assert "Enter why the risk is being closed" in visitor.error_summary()

    visitor.goto("/risks/LN-002")
    retire = visitor.page.locator("#countermeasures + table").get_by_role("link", name="Retire").first
    with visitor.navigate():
        retire.click()
    assert visitor.heading().startswith("Are you sure you want to retire")


def test_error_pages(visitor):
    visitor.goto("/no-such-page", status=404)
    assert visitor.heading() == "Page not found"
    visitor.sign_in("viewer.ln@example.org")
    visitor.goto("/risks/LN-999", status=404)
    visitor.goto("/risks/LN-001/edit", status=403)
    assert visitor.heading() == "You do not have permission to do this"
    visitor.goto("/test-only/server-error", status=500)
    assert visitor.heading() == "Sorry, there is a problem with the service"
    assert SERVER_ERROR_DETAIL not in visitor.page.content()
