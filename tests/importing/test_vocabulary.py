"""The words, scales and headings people use (issue 16), each read as a person would read it."""

import pytest

from riskreg.enums import RiskStatus
from riskreg.importing.layout import is_explainer
from riskreg.importing.mapping import Heading, propose, recognise
from riskreg.importing.scores import decide, from_percent
from riskreg.importing.values import read_enum

pytestmark = pytest.mark.no_database  # the PostgreSQL pass leaves it out (tests/conftest.py)


@pytest.mark.parametrize(
    "word",
    ["In progress", "Not Started", "Active", "Treat", "Tolerate", "Mitigating", "Monitoring", "To Do", "Transferred"],
)
def test_open_statuses(word):
    assert read_enum(word, RiskStatus, "status") == (RiskStatus.OPEN, None)


@pytest.mark.parametrize("word", ["Closed", "Retired", "Resolved", "Terminated", "Done"])
def test_closed_statuses(word):
    assert read_enum(word, RiskStatus, "status") == (RiskStatus.CLOSED, None)


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("hazard_id", "ref"),
        ("RiskID", "ref"),
        ("BAF Ref", "ref"),
        ("Item No", "ref"),
        ("risk_name", "title"),
        ("Hazard_Name", "title"),
        ("Scenario", "title"),
        ("Proba", "residual_l"),
        ("Proba (1-4)", "residual_l"),
        ("Probability (H/M/L)", "residual_l"),
        ("Custom field (Likelihood)", "residual_l"),
        ("Hazard Status", "status"),
        ("Hazard Owner", "owner"),
        ("Assignee", "owner"),
        ("owner_name", "owner"),
        ("Priority", "ignore"),
        ("Threat source", "cause"),
    ],
)
def test_identifier_name_and_score_headings(heading, field):
    assert recognise(heading) == field


def test_current_beside_residual_means_residual_and_target():
    names = ["Title", "Current Likelihood", "Current Impact", "Residual Likelihood", "Residual Impact"]
    mapping, notes = propose([Heading(n, n) for n in names], {})
    assert [mapping.field_of(n) for n in names[1:]] == ["residual_l", "residual_i", "target_l", "target_i"]
    assert len(notes) == 2 and "current is where the risk is now (residual)" in notes[0]
    alone, _ = propose([Heading(n, n) for n in ("Title", "Residual Likelihood")], {})
    assert alone.field_of("Residual Likelihood") == "residual_l"  # without a current column, residual is residual


def test_percentages_use_the_configured_bands():
    assert [from_percent(p) for p in (5, 20, 21, 60, 81, 100)] == [1, 1, 2, 3, 5, 5]
    bands = (10, 30, 50, 80)
    decision = decide("likelihood", ["5%", "25%", "90%"], bands=bands)
    assert [decision.rate(v)[0] for v in ("5%", "25%", "45%", "90%")] == [1, 2, 3, 5]
    assert "up to 10% → 1" in decision.explanation[0]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["H", "M", "L"], [5, 3, 1]),
        (["Very high", "High", "Medium", "Low", "Very low"], [5, 4, 3, 2, 1]),
        ([1, 2, 3, 3, 2, 1, 3, 2, 1], [1, 3, 5, 5, 3, 1, 5, 3, 1]),
    ],
)
def test_words_and_short_scales(values, expected):
    decision = decide("likelihood", values)
    assert [decision.rate(v)[0] for v in values] == expected


@pytest.mark.parametrize(
    ("sheet", "explains"),
    [
        ("Contents", True),
        ("Guidance", True),
        ("Scoring guidance", True),
        ("Heat map", True),
        ("Key risks", False),
        ("Risk Register", False),
    ],
)
def test_explainer_sheets(sheet, explains):
    assert is_explainer(sheet) is explains
