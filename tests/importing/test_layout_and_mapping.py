import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from riskreg.importing import HeadingsNotFound, ImportRefused
from riskreg.importing.layout import locate
from riskreg.importing.mapping import Heading, Mapping, propose, recognise, resolve
from riskreg.importing.readers import Limits, open_source

pytestmark = pytest.mark.no_database  # the PostgreSQL pass leaves it out (tests/conftest.py)

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "import"


def _layout(data: bytes, name: str, **choices):
    source = open_source(data, name, Limits())
    try:
        return locate(source, **choices)
    finally:
        source.close()


def _xlsx(*sheets: tuple[str, list[list]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("There is a risk that", "event"),
        ("Risk description", "event"),
        ("L", "residual_l"),
        ("Likelihood", "residual_l"),
        ("Probability", "residual_l"),
        ("Impact", "residual_i"),
        ("Severity", "residual_i"),
        ("Consequence", "consequence"),
        ("Risk owner", "owner"),
        ("SRO", "owner"),
        ("Controls", "controls"),
        ("Mitigations", "controls"),
        ("Existing controls", "controls"),
        ("Review date", "next_review_on"),
        ("Next review", "next_review_on"),
        ("Risk No.", "ref"),
        ("Inherent Likelihood (1-5)", "inherent_l"),
        ("Gross impact", "inherent_i"),
        ("Target L", "target_l"),
        ("Current likelihood score", "residual_l"),
        ("Date of next review (dd/mm/yyyy)", "next_review_on"),
        ("Residual Risk Rating (L x I)", "ignore"),
        ("RAG", "ignore"),
        ("Further actions", "actions"),
        ("Owner e-mail", "owner_email"),
        ("next_review_on", "next_review_on"),
        ("Area of risk", None),
    ],
)
def test_heading_synonyms(heading, field):
    assert recognise(heading) == field


def test_headings_that_mean_a_score_in_one_register_and_text_in_another():
    headings = [Heading("Consequence", "Consequence"), Heading("Impact", "Impact"), Heading("Risk", "Risk")]
    samples = {
        "Consequence": ["4", "Major", 3],
        "Impact": ["Trials collapse and victims lose confidence"] * 3,
        "Risk": ["x" * 150],
    }
    mapping, _notes = propose(headings, samples)
    assert mapping.columns == {"Consequence": "residual_i", "Impact": "consequence", "Risk": "event"}


def test_title_rows_skipped_and_the_register_sheet_chosen():
    layout = _layout((SAMPLES / "title_formulas_merged.xlsx").read_bytes(), "t.xlsx")
    assert (layout.sheet, layout.header_line) == ("LN Register", 4)
    assert layout.candidates[0].sheet == "LN Register"
    assert "3 rows above the headings skipped" in " ".join(layout.notes)
    # The merged group cells above the headings name the scores; trailing formatted columns are dropped.
    assert [c.name for c in layout.columns][4:10] == [
        "Inherent risk L",
        "Inherent risk I",
        "Inherent risk Score",
        "Residual risk L",
        "Residual risk I",
        "Residual risk Score",
    ]
    assert layout.columns[-1].name == "Next review"
    # The owner typed once in a merged cell running down three rows applies to each of them.
    assert [cells[10] for _, cells in layout.rows] == ["Helen Okafor", "Rhys Davies", "Rhys Davies", "Rhys Davies"]


def test_duplicated_headings_are_made_unique_and_read_in_order():
    layout = _layout((SAMPLES / "scale_1_to_10.tsv").read_bytes(), "s.tsv")
    names = [c.name for c in layout.columns]
    assert names.count("Notes") == 1 and "Notes (2)" in names and "Likelihood (1-10) (2)" in names
    mapping, notes = propose([c.heading for c in layout.columns], {c.name: c.samples for c in layout.columns})
    assert mapping.columns["Likelihood (1-10)"] == "inherent_l"
    assert mapping.columns["Likelihood (1-10) (2)"] == "residual_l"
    assert "read in order as inherent likelihood, residual likelihood" in notes[0]


def test_trailing_empty_columns_and_unnamed_columns_with_data():
    rows = [["Risk title", "Likelihood", "Impact", None, None], ["A", 3, 4, None, "stray note"]]
    layout = _layout(_xlsx(("R", rows)), "r.xlsx")
    assert [c.name for c in layout.columns] == ["Risk title", "Likelihood", "Impact", "Column E"]


def test_the_user_can_choose_the_sheet_and_the_heading_row():
    data = _xlsx(("Notes", [["Read me"]]), ("Data", [["What could go wrong", "How likely"], ["Flood", 3]]))
    with pytest.raises(HeadingsNotFound, match="could not find a row of headings"):
        _layout(data, "r.xlsx")
    layout = _layout(data, "r.xlsx", sheet="Data", header_row=1)
    assert [c.name for c in layout.columns] == ["What could go wrong", "How likely"]
    with pytest.raises(ImportRefused, match="no sheet called ‘Other’"):
        _layout(data, "r.xlsx", sheet="Other")


def test_transposed_tables_are_refused():
    with pytest.raises(ImportRefused, match="looks transposed"):
        _layout((SAMPLES / "transposed.xlsx").read_bytes(), "t.xlsx")


def test_mapping_files_round_trip_and_are_validated():
    mapping = Mapping({"Risk": "title", "L": "residual_l"}, {"likelihood": 4}, {"category": "legal"}, "Sheet1", 3)
    again = Mapping.from_json(mapping.to_json())
    assert again == mapping
    for bad, message in (
        ('{"columns": {"A": "nonsense"}}', "fields riskreg does not have: nonsense"),
        ('{"columns": {}, "scales": {"likelihood": 7}}', "3, 4, 5 or 10"),
        # A category is the organisation's own: a code-like word is checked when the rows are read.
        ('{"columns": {}, "defaults": {"category": "not a code"}}', "category, objective or influence"),
        ('{"columns": {}, "defaults": {"influence": "weather"}}', "category, objective or influence"),
        ("[1, 2", "not valid JSON"),
        ("[]", "not a riskreg mapping"),
    ):
        with pytest.raises(ImportRefused, match=message):
            Mapping.from_json(bad)


def test_a_saved_mapping_overrides_the_proposal_for_the_columns_it_names():
    headings = [Heading("Risk", "Risk"), Heading("How likely", "How likely")]
    saved = Mapping({"How likely": "residual_l", "Gone": "title"}, {}, {"objective": "quality"})
    mapping, notes = resolve(headings, {}, saved)
    assert mapping.columns == {"Risk": "title", "How likely": "residual_l"}
    assert mapping.defaults == {"objective": "quality"}
    assert "columns this file does not have: ‘Gone’" in notes[-1]
