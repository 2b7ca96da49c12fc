"""The recommendations tracker in the browser (issue 19): open it, filter it, and as a recommendation's owner add
evidence of implementation and mark it implemented, every page checked with axe."""

import pytest

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_the_owner_of_an_overdue_recommendation_implements_it_with_evidence(visitor):
    visitor.sign_in("head.ln@example.org")
    visitor.follow("Recommendations", within=".govuk-service-navigation")
    assert visitor.heading() == "Recommendations"
    assert "50%" in visitor.page.locator("#rates ~ .govuk-grid-row table").first.inner_text()  # the inspectorate

    visitor.page.get_by_label("Unit", exact=True).select_option(label="London North")
    visitor.page.get_by_label("Overdue only").check()
    visitor.follow("Apply filters", role="button")
    assert visitor.page.locator("#list").inner_text() == "1 recommendation"

    visitor.follow("Areas should introduce measures", exact=False)
    assert visitor.heading() == "Recommendation, paragraph 4.27"
    visitor.follow("Add evidence of implementation")
    visitor.page.get_by_label("A file to upload").check()
    visitor.page.get_by_label("Title").fill("Case progression measures, first quarter")
    visitor.page.get_by_label("File", exact=True).set_input_files(
        files=[{"name": "measures.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    visitor.follow("Add evidence", role="button")
    assert (
        "Evidence of implementation added" in visitor.page.locator(".govuk-notification-banner--success").inner_text()
    )

    visitor.follow("Change the status", role="button")
    visitor.page.get_by_label("Implemented").check()
    visitor.page.get_by_label("Note (optional)").fill("Measures reported at the quarterly review.")
    visitor.follow("Continue", role="button")
    assert visitor.heading() == "Change the status from in progress to implemented?"
    visitor.follow("Confirm", role="button")
    assert "Status changed to implemented" in visitor.page.locator(".govuk-notification-banner--success").inner_text()
    assert "Overdue" not in visitor.summary_value("Status")
