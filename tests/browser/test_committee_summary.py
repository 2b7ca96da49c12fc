"""The committee's summary (jump to a risk, open and close its section) and its action log (add an action, see
it carried to the next meeting), every page and state checked with axe-core (issue 15 "Must show")."""

import pytest

pytestmark = pytest.mark.browser

COLLAPSED_HEIGHT_LIMIT = 7000  # px; the demo page was one 25,500 px column before its sections collapsed (5,900 now)


def test_the_summary_jumps_to_a_risk_whose_section_opens_and_closes(visitor):
    visitor.sign_in("committee@example.org")
    visitor.follow("Committee", within="nav")
    height = visitor.page.evaluate("document.body.scrollHeight")
    print(f"committee page height with its sections collapsed: {height} px")
    assert height < COLLAPSED_HEIGHT_LIMIT
    sections = visitor.page.locator("#corporate-risks > section")
    assert sections.count() > 10 and visitor.page.locator("#corporate-risks details[open]").count() == 0

    jump = visitor.page.locator("#summary-table tbody th a").nth(2)
    anchor = jump.get_attribute("href")
    jump.click()
    assert visitor.page.url.endswith(anchor)
    heading = visitor.page.locator(f"{anchor} h2")
    assert heading.inner_text() == jump.inner_text()
    assert 0 <= visitor.page.evaluate(f"document.querySelector('{anchor}').getBoundingClientRect().top") < 50

    details = visitor.page.locator(f"{anchor} details")
    details.locator("summary").click()  # open the risk's section
    content = details.locator(".govuk-details__text")
    assert details.get_attribute("open") is not None and content.is_visible()
    assert "on its own page" in content.inner_text()
    visitor.check()
    details.locator("summary").click()  # and close it again
    assert details.get_attribute("open") is None and not content.is_visible()

    details.locator("summary").click()
    content.get_by_role("link", name="Back to the summary").click()
    assert visitor.page.url.endswith("#summary")
    visitor.check()


def test_an_action_is_added_at_a_meeting_and_carried_to_the_next(visitor):
    visitor.sign_in("committee@example.org")
    visitor.follow("Committee", within="nav")
    visitor.follow("Add an action")
    visitor.follow("Save action", role="button")
    assert "Enter what the committee asked for" in visitor.error_summary()

    page = visitor.page
    page.get_by_label("What the committee asked for").fill("Bring the digital case system data quality plan")
    page.get_by_label("Owner").select_option(label="Laura Bennett")
    for prefix, (day, month, year) in (("due_on", ("30", "1", "2027")), ("raised_on", ("2", "12", "2026"))):
        for part, value in (("day", day), ("month", month), ("year", year)):
            page.locator(f"#{prefix}-{part}").fill(value)
    page.get_by_label("Corporate risk it concerns (optional)").fill("HQ-007")
    visitor.follow("Save action", role="button")
    assert visitor.heading() == "Action log for the meeting on 2 December 2026"
    raised = page.locator("table", has=page.locator("caption", has_text="Raised at this meeting"))
    assert "Bring the digital case system data quality plan" in raised.inner_text()

    for part, value in (("day", "3"), ("month", "3"), ("year", "2027")):
        page.locator(f"#meeting-{part}").fill(value)
    visitor.follow("Show the log for this meeting", role="button")
    assert visitor.heading() == "Action log for the meeting on 3 March 2027"
    carried = page.locator("table", has=page.locator("caption", has_text="Carried forward from earlier meetings"))
    row = carried.locator("tr", has_text="Bring the digital case system data quality plan")
    assert "Overdue" in row.inner_text() and "Laura Bennett" in row.inner_text()

    visitor.follow("Close “Bring the digital case system data quality plan”")
    assert visitor.heading() == "Are you sure you want to close this action?"
    page.get_by_label("Done").check()
    page.get_by_label("Note for the committee").fill("The plan was presented in January.")
    visitor.follow("Yes, close it", role="button")
    assert "Action marked done" in page.inner_text("main")


def test_the_risks_informing_a_corporate_risk_page_is_accessible(visitor):
    visitor.sign_in("committee@example.org")
    visitor.goto("/committee")
    show_all = visitor.page.locator("#corporate-risks a", has_text="Show all").first
    target = show_all.get_attribute("href") if show_all.count() else None
    # The demo's corporate risks may each have five or fewer: then any risk's page of contributors will do.
    visitor.goto(target or "/committee/risks/HQ-001/contributors")
    assert visitor.heading().startswith("Risks informing HQ-")
    visitor.check()
