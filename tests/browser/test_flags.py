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
    flags = visitor.page.locator("#flags + p + table")
    assert "Review overdue" in flags.inner_text() or "Possible duplicate" in flags.inner_text()
    with visitor.navigate():
        visitor.page.locator("#flags + p + table tbody tr a").first.click()
    visitor.page.get_by_label("Comment").fill("Thank you: we will deal with this at our next risk meeting.")
    visitor.follow("Add comment", role="button")
    assert "Comment added" in visitor.page.locator(".govuk-notification-banner--success").inner_text()
    assert "we will deal with this at our next risk meeting" in visitor.page.inner_text("main")
