"""Owners act on what they own (issue 17), through the browser, each page checked with axe."""

import pytest

pytestmark = pytest.mark.browser

PRIYA = "viewer.ln@example.org"  # the demo's London North viewer, who owns most of its risks


def test_priya_a_viewer_records_a_review_of_her_risk_and_reports_progress(visitor):
    visitor.sign_in(PRIYA)
    assert visitor.heading() == "Hello, Priya Patel"
    visitor.goto("/risks/LN-001")
    assert visitor.page.get_by_role("link", name="Edit risk").count() == 0  # a viewer: no full edit

    visitor.follow("Record a review")
    visitor.follow("Record review", role="button")  # commentary and outcome are missing
    assert "Enter what the review found" in visitor.error_summary()
    visitor.page.get_by_label("Commentary").fill("Caseloads checked with the team leaders; no change.")
    visitor.page.get_by_label("Continue").check()
    visitor.follow("Record review", role="button")
    banner = visitor.page.locator(".govuk-notification-banner--success").inner_text()
    assert "Review recorded" in banner
    assert "Caseloads checked with the team leaders" in visitor.page.inner_text("main")

    visitor.follow("Update progress on Caseload monitoring by team leaders", exact=False)
    assert visitor.heading() == "Update progress on “Caseload monitoring by team leaders”"
    visitor.page.get_by_label("Progress").fill("Weekly dashboards now go to every team leader.")
    visitor.follow("Save progress", role="button")
    assert "Progress on “Caseload monitoring by team leaders” saved" in visitor.page.inner_text(
        ".govuk-notification-banner--success"
    )
    assert "Weekly dashboards now go to every team leader." in visitor.page.inner_text("main")
