"""Journeys: the HQ risk team works through its queue of quality flags; an area head reads HQ's feedback."""

import pytest

pytestmark = pytest.mark.browser


def test_hq_works_through_the_flag_queue(visitor):
    visitor.sign_in("hq.risk@example.org")
    visitor.follow("Flags")
    page = visitor.page
    page.get_by_label("Kind").select_option("possible_duplicate")
    visitor.follow("Apply filters", role="button")
    assert "Possible duplicate" in page.locator("#queue + form tbody tr").first.inner_text()

    # Bulk acknowledge: tick two, confirm the count.
    boxes = page.locator("input[name=flag_ids]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    visitor.follow("Acknowledge selected flags", role="button")
    assert visitor.heading() == "Acknowledge 2 flags?"
    visitor.follow("Yes, acknowledge 2 flags", role="button")
    assert "2 flags acknowledged" in page.locator(".govuk-notification-banner--success").inner_text()

    # One possible duplicate: both risks side by side, then "not a duplicate" with a reason, confirmed.
    with visitor.navigate():
        page.locator("#queue + form tbody tr a").first.click()
    assert page.locator(".govuk-grid-column-one-half").count() == 2
    page.get_by_label("Not a duplicate").check()
    visitor.follow("Continue", role="button")
    assert "Enter why the risks are not duplicates" in visitor.error_summary()
    page.get_by_label("Not a duplicate").check()
    page.get_by_label("Reason").fill("Different risks that share some words")
    visitor.follow("Continue", role="button")
    assert visitor.heading() == "Not a duplicate?"
    visitor.follow("Confirm", role="button")
    assert "this pair will not be proposed again" in page.locator(".govuk-notification-banner--success").inner_text()
    assert "Not a duplicate" in visitor.summary_value("Outcome")


def test_an_area_head_reads_hq_feedback_and_replies(visitor):
    visitor.sign_in()  # the head of London North
    assert visitor.page.get_by_role("link", name="Flags", exact=True).count() == 0
    summary = visitor.page.locator("#flag-summary").inner_text()  # counts by kind, not a list of flags
    assert "Review overdue" in summary or "Repeats a higher-level risk" in summary
    visitor.follow("See the flags on your risks")
    assert visitor.heading() == "Flags on your risks"
    with visitor.navigate():
        visitor.page.locator("main table tbody tr a").first.click()
    visitor.page.get_by_label("Comment").fill("Thank you: we will deal with this at our next risk meeting.")
    visitor.follow("Add comment", role="button")
    assert "Comment added" in visitor.page.locator(".govuk-notification-banner--success").inner_text()
    assert "we will deal with this at our next risk meeting" in visitor.page.inner_text("main")


def test_linking_a_flagged_pair_from_the_risk_page_resolves_the_flag_at_once(visitor):
    """Issue 13: London North's LN-009 repeats the corporate HQ-009; linking them from the risk page resolves
    the flag in the same request, without waiting for a scan."""
    visitor.sign_in("risk.ln@example.org")
    visitor.goto("/risks/LN-009")
    flags = visitor.page.locator("#flags + table")
    assert "Repeats a higher-level risk" in flags.inner_text() and "Open" in flags.inner_text()
    visitor.follow("Link to another risk")
    visitor.page.get_by_label("Contributes to").check()
    visitor.page.get_by_label("Reference of the other risk").fill("HQ-009")
    visitor.page.get_by_label("Why are the risks linked?").fill("London North's form of the corporate advocacy risk.")
    visitor.follow("Link the risks", role="button")
    assert "LN-009 linked to HQ-009" in visitor.page.locator(".govuk-notification-banner--success").inner_text()
    row = visitor.page.locator("#flags + table tbody tr", has_text="Repeats a higher-level risk")
    assert "Resolved" in row.inner_text() and "The two risks were linked" in row.inner_text()
