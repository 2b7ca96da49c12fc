from datetime import date

import pytest

from riskreg.enums import CertificateStatus as S
from riskreg.enums import Declaration, EvidenceStrength
from riskreg.importing.values import spreadsheet_text
from riskreg.rules import certificates


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        (S.DRAFT, S.SUBMITTED, True),
        (S.DRAFT, S.SIGNED, False),
        (S.SUBMITTED, S.SIGNED, True),
        (S.SUBMITTED, S.DRAFT, True),
        (S.SIGNED, S.VALIDATED, True),
        (S.SIGNED, S.CHALLENGED, True),
        (S.SIGNED, S.DRAFT, False),
        (S.VALIDATED, S.CHALLENGED, False),
        (S.SUPERSEDED, S.SIGNED, False),
    ],
)
def test_workflow_transitions(current, new, allowed):
    assert certificates.can_transition(current, new) is allowed


@pytest.mark.parametrize(
    ("period", "valid"),
    [("2025-26", True), ("1999-00", True), ("2025-27", False), ("2025/26", False), ("25-26", False)],
)
def test_period_names(period, valid):
    assert certificates.is_valid_period(period) is valid


def test_assured_needs_sufficient_evidence():
    assert certificates.declaration_problem(Declaration.ASSURED, True, "") is None
    assert "not strong enough" in certificates.declaration_problem(Declaration.ASSURED, False, "")


def test_exceptions_need_an_explanation():
    assert "explanation" in certificates.declaration_problem(Declaration.ASSURED_WITH_EXCEPTIONS, False, " ")
    assert certificates.declaration_problem(Declaration.NOT_ASSURED, False, "Two CTL failures") is None
    assert "not been declared" in certificates.declaration_problem(None, True, "")


# Periods, grading helpers and the CSV guard ------------------------------------------------------------


def test_a_period_label_names_its_financial_year():
    period = certificates.period_of("2025-26")
    assert (period.start, period.end, period.label) == (date(2025, 4, 1), date(2026, 3, 31), "2025-26")
    with pytest.raises(ValueError):
        certificates.period_of("2025-27")


@pytest.mark.parametrize(
    ("today", "certifying"),
    [(date(2026, 11, 26), "2025-26"), (date(2026, 3, 31), "2024-25"), (date(2026, 4, 1), "2025-26")],
)
def test_the_certifying_period_is_the_last_complete_financial_year(today, certifying):
    assert certificates.certifying_period(today).label == certifying
    assert [p.label for p in certificates.period_choices(today)][0] == certifying


def test_evidence_is_judged_on_the_last_day_of_an_ended_year_or_today():
    period = certificates.period_of("2025-26")
    assert certificates.judged_on(period, date(2026, 11, 26)) == date(2026, 3, 31)
    assert certificates.judged_on(period, date(2026, 1, 5)) == date(2026, 1, 5)


def _declared(key, declaration, strength, text=""):
    return certificates.Declared(key, f"Assertion {key}", declaration, text, EvidenceStrength(strength))


def test_signing_problems_name_each_assertion_and_why():
    found = certificates.signing_problems(
        [
            _declared(1, Declaration.ASSURED, "strong"),
            _declared(2, Declaration.ASSURED, "moderate"),
            _declared(3, Declaration.ASSURED, "limited"),
            _declared(4, None, "strong"),
            _declared(5, Declaration.ASSURED_WITH_EXCEPTIONS, "weak", "Explained"),
            _declared(6, Declaration.NOT_ASSURED, "none"),
        ]
    )
    assert [(p.key, p.statement) for p in found] == [(3, "Assertion 3"), (4, "Assertion 4"), (6, "Assertion 6")]
    assert "not strong enough" in found[0].problem and "explanation" in found[2].problem


def test_submission_needs_every_declaration_but_not_strong_evidence():
    found = certificates.submission_problems([_declared(1, Declaration.ASSURED, "weak"), _declared(2, None, "strong")])
    assert [p.key for p in found] == [2]


def test_exceptions_and_the_weakest_sections():
    assert (
        certificates.count_exceptions(
            [Declaration.ASSURED, None, Declaration.NOT_ASSURED, Declaration.ASSURED_WITH_EXCEPTIONS]
        )
        == 2
    )
    strong, weak, limited = EvidenceStrength.STRONG, EvidenceStrength.WEAK, EvidenceStrength.LIMITED
    assert certificates.weakest_sections([("A", [strong, weak]), ("B", [limited]), ("C", [weak]), ("D", [])]) == (
        weak,
        ["A", "C"],
    )
    assert certificates.weakest_sections([("D", [])]) == (None, [])


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM", "'@SUM"),
        ("London North", "London North"),
        (3, "3"),
        (None, ""),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_stay_text(value, cell):
    # The roll-up's CSV and the register export share one guard (riskreg.importing.values).
    assert spreadsheet_text(value) == cell
