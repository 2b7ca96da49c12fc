"""Journeys: a control test with an uploaded evidence file, and similar risks offered before a new one is saved."""

import pytest

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_a_control_test_with_an_uploaded_evidence_file(visitor):
    visitor.sign_in("risk.ln@example.org")
    visitor.goto("/risks/LN-004")
    with visitor.navigate():
        # A control in place: a planned one has nothing to test yet.
        visitor.page.locator("#assurance ~ table a", has_text="Case progression meetings before each trial").click()
    visitor.follow("Record a control test")
    visitor.follow("Record test", role="button")
    summary = visitor.error_summary()
    assert "Select how the control was tested" in summary and "Select the conclusion of the test" in summary

    visitor.page.get_by_label("Sample test").check()
    visitor.page.get_by_label("Sample size").fill("25")  # the largest minimum sample: whatever the frequency
    visitor.page.get_by_label("Effective", exact=True).check()
    visitor.page.get_by_label("Upload evidence (optional)").set_input_files(
        files=[{"name": "walkthrough-notes.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    visitor.page.get_by_label("Title of the evidence").fill("Sample test working papers")
    visitor.follow("Record test", role="button")
    assert "Control test recorded" in visitor.page.locator(".govuk-notification-banner--success").inner_text()

    link = visitor.page.get_by_role("link", name="Sample test working papers")
    with visitor.page.expect_download() as download:
        link.first.click()
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == PDF


def test_similar_risks_are_offered_before_a_new_risk_is_saved(visitor):
    visitor.sign_in("risk.ln@example.org")
    visitor.goto("/risks/HQ-001")
    title = visitor.heading()
    event = visitor.summary_value("Risk event")

    visitor.goto("/registers/LN/risks/new")
    page = visitor.page
    page.get_by_label("Risk title").fill(title)
    page.get_by_label("Cause").fill("Recruitment has not kept pace with leavers in the area.")
    page.get_by_label("Risk event").fill(event)
    page.get_by_label("Consequence").fill("Cases are delayed and victims and witnesses lose confidence.")
    page.get_by_label("Category").select_option("people")
    page.get_by_label("Strategic objective").select_option("people")
    page.get_by_label("Risk owner").select_option(index=1)
    page.get_by_label("High", exact=True).check()
    for stage, (likelihood, impact) in {"Inherent": (4, 4), "Residual": (3, 4), "Target": (2, 3)}.items():
        page.get_by_label(f"{stage} likelihood").select_option(str(likelihood))
        page.get_by_label(f"{stage} impact").select_option(str(impact))
    visitor.follow("Save risk", role="button")
    assert visitor.heading().startswith("Add a risk")  # not saved yet
    similar = page.locator("#similar-risks").inner_text()
    assert "Check for similar risks before you save" in similar and "HQ-001" in similar

    visitor.follow("Save anyway", role="button")
    assert "added to the register" in page.locator(".govuk-notification-banner--success").inner_text()
