"""OSCAL plans of action and milestones and assessment results (NIST's JSON) as risks, their remediations as
countermeasures: planned or recommended ones as planned actions, completed ones as controls in place."""

from datetime import date
from pathlib import Path

import pytest

from riskreg.enums import CountermeasureStatus, RiskStatus
from riskreg.importing.layout import locate
from riskreg.importing.mapping import resolve
from riskreg.importing.people import People
from riskreg.importing.readers import Limits, open_source
from riskreg.importing.rows import Context, build
from tests.import_helpers import SEEDED_VOCABULARIES

pytestmark = pytest.mark.no_database  # the PostgreSQL pass leaves it out (tests/conftest.py)

CORPUS = Path(__file__).resolve().parent.parent / "data" / "import" / "corpus"


def _drafts(name: str):
    source = open_source((CORPUS / name).read_bytes(), name, Limits())
    layout = locate(source)
    mapping, _ = resolve([c.heading for c in layout.columns], {c.name: c.samples for c in layout.columns}, None)
    return source.notes, build(
        layout, mapping, Context(People([]), date(2026, 6, 1), vocabularies=SEEDED_VOCABULARIES)
    ).drafts


@pytest.mark.parametrize(
    ("name", "count", "what"),
    [
        ("oscal_poam.json", 12, "plan of action and milestones"),
        ("oscal_assessment_results.json", 10, "assessment results"),
    ],
)
def test_oscal_risks_with_remediations_as_countermeasures(name, count, what):
    notes, drafts = _drafts(name)
    assert any(f"OSCAL {what}" in note for note in notes) and len(drafts) == count
    first = drafts[0]
    assert first.importable
    assert first.values["title"] == "Data breach by e-mail"
    assert first.values["consequence"] == "regulatory action and loss of trust"  # the OSCAL risk statement
    assert (first.values["residual_l"], first.values["residual_i"]) == (3, 5)  # moderate, high on a 3-point scale
    assert first.values["status"] is RiskStatus.OPEN  # "investigating"
    assert [(c.title, c.status, c.due_on) for c in first.countermeasures] == [
        ("Compensating control", CountermeasureStatus.IN_PLACE, None),
        ("Fix: data breach by e-mail", CountermeasureStatus.PLANNED, date(2026, 2, 28)),
    ]
    assert {d.values["status"] for d in drafts} == {RiskStatus.OPEN, RiskStatus.CLOSED}


def test_poam_item_ids_become_references():
    _notes, drafts = _drafts("oscal_poam.json")
    assert [d.ref for d in drafts[:2]] == ["V-001", "V-002"]
