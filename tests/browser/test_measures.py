"""Journeys: a risk manager enters a measure value outside tolerance and sees the risk flagged for review; the
unit head opens London North's quarterly performance review pack."""

import pytest

pytestmark = pytest.mark.browser


def test_entering_a_value_outside_tolerance_flags_the_risk(visitor):
    visitor.sign_in("risk.ln@example.org")
    visitor.goto("/registers/LN")
    visitor.follow("Measures")
    visitor.follow("Witness attendance at trial")
    assert visitor.page.locator("svg.app-chart").count() == 1
    visitor.follow("Enter a value")
    page = visitor.page
    page.get_by_label("Period").select_option(index=1)  # the latest period, after "Choose"
    page.get_by_label("Value").fill("a lot")
    visitor.follow("Save value", role="button")
    assert "Value must be a number" in visitor.error_summary()
    page.get_by_label("Value").fill("61.5")
    visitor.follow("Save value", role="button")
    banner = page.locator(".govuk-notification-banner--success").inner_text()
    assert "red: outside tolerance" in banner and "LN-006 flagged for review" in banner
    visitor.goto("/risks/LN-006")
    assert "Measure outside tolerance" in page.locator("#flags + table").inner_text()
    measures = page.locator("#measures ~ .app-chart-block").first.inner_text()
    assert "61.5 %" in measures and "Red: outside tolerance" in measures


def test_the_unit_head_opens_the_quarterly_performance_review_pack(visitor):
    visitor.sign_in()  # the head of London North
    visitor.goto("/registers/LN")
    visitor.follow("Quarterly performance review")
    page = visitor.page
    assert visitor.heading().startswith("Quarterly performance review pack:")
    actions = page.locator("#actions ~ table").first.inner_text()
    assert "Replace manual custody time limit diaries" in actions and "carried forward" in actions
    assert "no custody time limit failures for three months in a row" in actions
    assert "Custody time limit failures" in page.locator("#measures ~ h3").first.inner_text()
    # The PDF itself is checked in tests/measures/test_qpr.py (rendering is slow on a busy machine).
    assert page.get_by_role("link", name="Download the pack (PDF)").get_attribute("href").endswith("/pack.pdf")
    visitor.follow("Previous quarter", exact=False)
    assert "Replace manual custody time limit diaries" in page.locator("#actions ~ table").first.inner_text()


def test_the_register_heat_map_over_time_shows_risks_moving(visitor):
    visitor.sign_in()  # the head of London North
    visitor.goto("/registers/LN")
    visitor.follow("How the heat map moved over the last five quarters")
    page = visitor.page
    assert visitor.heading() == "Residual heat map over time"
    assert page.locator("svg.app-heatmap").count() == 5
    moved = page.get_by_role("table").nth(1)
    assert "Risks that moved between" in moved.locator("caption").inner_text()
    assert moved.locator("tbody tr").count() > 0  # the demo's reviews move London North's risks
