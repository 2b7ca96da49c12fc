"""The real-world layouts corpus (issue 16): thirteen registers in the shapes public bodies, projects and tools
keep them (tests/data/import/corpus, written by make_corpus.py), each with the mapping a person would choose.

The proposal must match that mapping column by column, find the right sheet and heading row, and with default
settings (no defaults chosen, nothing mapped by hand) at least 90% of the risk rows must import.
"""

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from riskreg.extensions import db
from riskreg.importing.layout import locate
from riskreg.importing.mapping import resolve
from riskreg.importing.readers import Limits, open_source
from riskreg.models import Risk
from riskreg.services.transfer import importing
from tests.import_helpers import sample_people

CORPUS = Path(__file__).resolve().parent.parent / "data" / "import" / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


# Reading the files and proposing a mapping touches no database: run without one, and not in the PostgreSQL pass.
@pytest.mark.no_database
def test_the_corpus_has_at_least_twelve_layouts_in_four_formats():
    assert len(EXPECTED) >= 12
    assert {Path(name).suffix for name in EXPECTED} >= {".xlsx", ".csv", ".ods"}
    assert all((CORPUS / name).exists() for name in EXPECTED)


@pytest.mark.no_database
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_proposed_mapping_matches_column_by_column(name):
    expected = EXPECTED[name]
    source = open_source((CORPUS / name).read_bytes(), name, Limits())
    try:
        layout = locate(source)
    finally:
        source.close()
    mapping, _notes = resolve([c.heading for c in layout.columns], {c.name: c.samples for c in layout.columns}, None)
    if expected["sheet"]:
        assert layout.sheet == expected["sheet"]
    assert layout.header_line == expected["header_row"]
    proposed = {column.name: mapping.field_of(column.name) for column in layout.columns}
    assert proposed == expected["columns"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_risk_rows_import_with_default_settings(org, name):
    people = sample_people(org)
    result, outcome = importing.import_file(org.ln.register, (CORPUS / name).read_bytes(), name, people["rhys"])
    expected = EXPECTED[name]["risk_rows"]
    created = db.session.scalar(sa.select(sa.func.count()).where(Risk.register_id == org.ln.register.id))
    assert result.counts["create"] + result.counts["error"] == expected  # every risk row found, nothing else
    assert created == result.counts["create"] >= 0.9 * expected
    assert outcome is not None and len(outcome.created) == created


def test_choices_are_explained_in_the_preview(org):
    people = sample_people(org)
    grc, _ = importing.import_file(
        org.ln.register, (CORPUS / "grc_tool_export.csv").read_bytes(), "g.csv", people["rhys"], dry_run=True
    )
    assert any("‘residual_likelihood’ read as the target likelihood" in note for note in grc.notes)
    assert any("No local influence column: not yet set" in note for note in grc.notes)
    university, _ = importing.import_file(
        org.ln.register, (CORPUS / "university_register.xlsx").read_bytes(), "u.xlsx", people["rhys"], dry_run=True
    )
    assert any("percentages: up to 20% → 1" in note for note in university.notes)
