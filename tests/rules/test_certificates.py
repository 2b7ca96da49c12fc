import pytest

from riskreg.enums import CertificateStatus as S
from riskreg.enums import Declaration
from riskreg.rules import certificates


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [(S.DRAFT, S.SUBMITTED, True), (S.DRAFT, S.SIGNED, False), (S.SUBMITTED, S.SIGNED, True),
     (S.SUBMITTED, S.DRAFT, True), (S.SIGNED, S.VALIDATED, True), (S.SIGNED, S.CHALLENGED, True),
     (S.SIGNED, S.DRAFT, False), (S.VALIDATED, S.CHALLENGED, False), (S.SUPERSEDED, S.SIGNED, False)],
)  # fmt: skip
def test_workflow_transitions(current, new, allowed):
    assert certificates.can_transition(current, new) is allowed


@pytest.mark.parametrize(("period", "valid"), [("2025-26", True), ("1999-00", True), ("2025-27", False),
                                               ("2025/26", False), ("25-26", False)])  # fmt: skip
def test_period_names(period, valid):
    assert certificates.is_valid_period(period) is valid


def test_assured_needs_sufficient_evidence():
    assert certificates.declaration_problem(Declaration.ASSURED, True, "") is None
    assert "not strong enough" in certificates.declaration_problem(Declaration.ASSURED, False, "")


def test_exceptions_need_an_explanation():
    assert "explanation" in certificates.declaration_problem(Declaration.ASSURED_WITH_EXCEPTIONS, False, " ")
    assert certificates.declaration_problem(Declaration.NOT_ASSURED, False, "Two CTL failures") is None
    assert "not been declared" in certificates.declaration_problem(None, True, "")
