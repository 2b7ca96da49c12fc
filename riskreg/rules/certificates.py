"""Certificates of assurance as pure rules: the workflow, period names, and what a declaration needs.

Evidence strength itself is graded in riskreg.rules.evidence; here we only
compare a declaration with the strength its countermeasures earned.
"""

import re

from riskreg.enums import CertificateStatus as S
from riskreg.enums import Declaration

PERIOD_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")

TRANSITIONS: dict[S, frozenset[S]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.DRAFT, S.SIGNED}),  # back to draft = withdrawn for changes
    S.SIGNED: frozenset({S.VALIDATED, S.CHALLENGED, S.SUPERSEDED}),
    S.VALIDATED: frozenset({S.SUPERSEDED}),
    S.CHALLENGED: frozenset({S.SUPERSEDED}),
    S.SUPERSEDED: frozenset(),
}
FROZEN = frozenset({S.SIGNED, S.VALIDATED, S.CHALLENGED, S.SUPERSEDED})


def can_transition(current: S, new: S) -> bool:
    return new in TRANSITIONS[current]


def is_valid_period(period: str) -> bool:
    """A financial year written like 2025-26."""
    match = PERIOD_PATTERN.match(period)
    return bool(match) and (int(match[1]) + 1) % 100 == int(match[2])


def declaration_problem(declaration: Declaration | None, sufficient: bool, exception_text: str) -> str | None:
    """Why this assertion cannot be signed as declared, or None when it can.

    ``sufficient`` is whether its evidence reaches the strength an unqualified
    "assured" needs (moderate or better).
    """
    if declaration is None:
        return "has not been declared"
    if declaration is Declaration.ASSURED and not sufficient:
        return "is declared assured but its evidence is not strong enough: declare it with an exception"
    if declaration is not Declaration.ASSURED and not exception_text.strip():
        return "needs an explanation of the exception"
    return None
