"""Journeys through linked risks and the Audit and Risk Committee's view, every page checked with axe-core."""

import pytest

pytestmark = pytest.mark.browser


def test_the_committee_view_and_a_comment(visitor):
    visitor.sign_in("committee@example.org")
    visitor.follow("Committee", within="nav")
    assert visitor.heading() == "Audit and Risk Committee"

    visitor.page.get_by_label("With link alerts").check()
    visitor.follow("Apply filters", role="button")
    assert visitor.page.locator(".app-link-alerts").count() > 0

    for part in ("day", "month", "year"):
        visitor.page.locator(f"#meeting-{part}").fill("")
    visitor.follow("Prepare the committee pack (PDF)", role="button")
    assert "Enter the date of the committee meeting" in visitor.error_summary()
    for part, value in (("day", "27"), ("month", "3"), ("year", "2026")):
        visitor.page.locator(f"#meeting-{part}").fill(value)
    # A background job, run by the served app right after the request (no Redis here): its page, then the PDF. The
    # demo's pack is some 40 pages, so allow for rendering it on a loaded machine.
    visitor.page.set_default_timeout(90_000)
    visitor.follow("Prepare the committee pack (PDF)", role="button")
    visitor.page.set_default_timeout(30_000)
    assert visitor.heading() == "Committee pack for 27 March 2026"
    assert "Done" in visitor.page.inner_text("main")
    with visitor.page.expect_download() as download:
        visitor.page.get_by_role("button", name="Download committee-pack-2026-03-27.pdf").click()
    assert download.value.suggested_filename == "committee-pack-2026-03-27.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    visitor.goto("/committee")

    jump = visitor.page.locator("#summary-table tbody th a").first
    anchor = jump.get_attribute("href")
    jump.click()  # to the risk's section, on the same page
    visitor.page.locator(f"{anchor} summary").click()  # open it
    with visitor.navigate():
        visitor.page.locator(f"{anchor} .govuk-details__text a").first.click()
    assert visitor.page.locator("#links").is_visible()
    visitor.follow("Add a comment")
    visitor.follow("Add comment", role="button")
    assert "Enter a comment" in visitor.error_summary()
    visitor.page.get_by_label("Comment").fill("Please reconcile this risk with the area views before the meeting.")
    visitor.follow("Add comment", role="button")
    assert "Please reconcile this risk" in visitor.page.inner_text("main")


def test_linking_a_risk_and_the_escalation_page(visitor):
    visitor.sign_in("risk.ln@example.org")
    visitor.goto("/risks/LN-020")
    visitor.follow("Link to another risk")
    visitor.follow("Link the risks", role="button")
    assert "Select how the risks are linked" in visitor.error_summary()

    visitor.page.get_by_label("Related").check()
    visitor.page.get_by_label("Reference of the other risk").fill("HQ-001")
    visitor.page.get_by_label("Why are the risks linked?").fill("Both depend on the same witness care contract.")
    visitor.follow("Link the risks", role="button")
    assert "LN-020 linked to HQ-001" in visitor.page.locator(".govuk-notification-banner--success").inner_text()

    visitor.follow("Escalate to a corporate risk")
    visitor.follow("Link to the corporate risk", role="button")
    assert "Select a corporate risk" in visitor.error_summary()
