"""The overall opinion proposed from a certificate's evidence, and the statement of responsibility's placeholders."""

import pytest

from riskreg.enums import Declaration, EvidenceStrength, Opinion
from riskreg.rules import opinion as rules
from riskreg.rules.opinion import UnitOpinion

A, E, N = Declaration.ASSURED, Declaration.ASSURED_WITH_EXCEPTIONS, Declaration.NOT_ASSURED
S, M, L, W, X = EvidenceStrength


@pytest.mark.parametrize(
    ("strengths", "declarations", "expected"),
    [
        ([S, S, M, S], [A, A, A, A], Opinion.SUBSTANTIAL),
        ([S, M, M, M], [A, A, A, A], Opinion.REASONABLE),  # assured, but mostly 1st-line evidence
        ([S, S, S, S, S, L], [A, A, A, A, A, E], Opinion.REASONABLE),  # one exception in six
        ([S, S, L, W], [A, A, E, E], Opinion.LIMITED),  # half with exceptions
        ([S, S, S, S, S, X], [A, A, A, A, A, N], Opinion.LIMITED),  # anything not assured
        ([S, X, X, X], [A, E, E, N], Opinion.NO_ASSURANCE),  # most rest on nothing
        ([], [], Opinion.NO_ASSURANCE),
    ],
)
def test_the_proposed_opinion_follows_the_evidence_and_declarations(strengths, declarations, expected):
    proposal = rules.propose(strengths, declarations)
    assert proposal.opinion is expected
    assert proposal.basis[0].startswith(f"{len(declarations)} assertion")


def test_the_basis_counts_declarations_and_strengths():
    basis = rules.propose([S, L, X], [A, E, N]).basis
    assert basis[0] == "3 assertions: 1 assured, 1 assured with exceptions, 1 not assured"
    assert basis[1] == "Evidence: 1 strong, 0 moderate, 1 limited, 0 weak, 1 none"


def test_a_division_is_no_better_than_its_weakest_unit_and_an_unsigned_unit_caps_it_at_limited():
    own = ([S, S, S, S], [A, A, A, A])
    assert rules.propose(*own).opinion is Opinion.SUBSTANTIAL
    units = [UnitOpinion("Appeals", Opinion.SUBSTANTIAL), UnitOpinion("Extradition", Opinion.REASONABLE)]
    proposal = rules.propose(*own, units)
    assert proposal.opinion is Opinion.REASONABLE and "Extradition's (reasonable)" in proposal.basis[-1]
    proposal = rules.propose(*own, [*units, UnitOpinion("Special Crime", None)])
    assert proposal.opinion is Opinion.LIMITED
    assert proposal.basis[-1].startswith("Not yet signed, so giving no assurance: Special Crime")


def test_another_opinion_needs_a_reason_and_issues_are_expected_when_qualified():
    assert rules.opinion_problem(None, Opinion.LIMITED, "") is None
    assert rules.opinion_problem(Opinion.LIMITED, Opinion.LIMITED, "") is None
    assert "give the reason" in rules.opinion_problem(Opinion.REASONABLE, Opinion.LIMITED, "  ")
    assert rules.opinion_problem(Opinion.REASONABLE, Opinion.LIMITED, "Audit found the fix works") is None
    assert rules.issues_needed(Opinion.LIMITED, [A], 0)
    assert rules.issues_needed(Opinion.REASONABLE, [A, N], 0)
    assert rules.issues_needed(Opinion.REASONABLE, [A, E], 0) is None
    assert rules.issues_needed(Opinion.NO_ASSURANCE, [N], 1) is None


def test_the_statement_fills_known_placeholders_and_names_unknown_ones():
    text = "As {title} for {unit} I am accountable for {period}, as at {period_end}. {nme}"
    values = {"title": "Chief Crown Prosecutor", "unit": "London North", "period": "2025-26", "period_end": "x"}
    filled = rules.fill_statement(text, values)
    assert filled.startswith("As Chief Crown Prosecutor for London North I am accountable for 2025-26")
    assert filled.endswith("{nme}")
    assert rules.unknown_placeholders(text) == ["nme"]
    assert rules.unknown_placeholders(rules.DEFAULT_STATEMENT) == []
