"""Journey: the import wizard's preview, every page checked with axe-core."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def test_an_import_preview_and_its_mapping(visitor):
    """A messy workbook (title rows, merged cells, formulas) is previewed, not imported."""
    visitor.sign_in("risk.ln@example.org")
    visitor.goto("/registers/LN")
    visitor.follow("Import risks from a spreadsheet")
    visitor.follow("Upload and preview", role="button")
    assert "Select a register file" in visitor.error_summary()

    workbook = Path(__file__).parents[1] / "data" / "import" / "title_formulas_merged.xlsx"
    visitor.page.get_by_label("Upload a register").set_input_files(str(workbook))
    visitor.follow("Upload and preview", role="button")
    if visitor.heading() != "Check the import":  # the wizard asks for the sheet and heading row first
        visitor.follow("Continue", role="button")
    assert visitor.heading() == "Check the import"
    visitor.follow("Change the mapping", role="button")
    assert "/mapping" in visitor.page.url
