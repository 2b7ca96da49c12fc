"""Certificates of assurance as pure rules: the workflow, periods, and what a declaration needs.

Evidence strength itself is graded in riskreg.rules.evidence; here we only
compare a declaration with the strength its countermeasures earned.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from riskreg.enums import CertificateStatus as S
from riskreg.enums import Declaration, EvidenceStrength
from riskreg.rules.evidence import Period, financial_year_of

PERIOD_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
# An unqualified "assured" needs at least this (DESIGN rule 4.5).
SUFFICIENT = EvidenceStrength.MODERATE

TRANSITIONS: dict[S, frozenset[S]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.DRAFT, S.SIGNED}),  # back to draft = withdrawn for changes
    S.SIGNED: frozenset({S.VALIDATED, S.CHALLENGED, S.SUPERSEDED}),
    S.VALIDATED: frozenset({S.SUPERSEDED}),
    S.CHALLENGED: frozenset({S.SUPERSEDED}),
    S.SUPERSEDED: frozenset(),
}
FROZEN = frozenset({S.SIGNED, S.VALIDATED, S.CHALLENGED, S.SUPERSEDED})
EDITABLE = frozenset({S.DRAFT, S.SUBMITTED})
# A signed certificate a correction may start from.
CORRECTABLE = frozenset({S.SIGNED, S.VALIDATED, S.CHALLENGED})


def can_transition(current: S, new: S) -> bool:
    return new in TRANSITIONS[current]


def is_valid_period(period: str) -> bool:
    """A financial year written like 2025-26."""
    match = PERIOD_PATTERN.match(period)
    return bool(match) and (int(match[1]) + 1) % 100 == int(match[2])


def period_of(label: str) -> Period:
    """The financial year a label like 2025-26 names (1 April 2025 to 31 March 2026)."""
    if not is_valid_period(label):
        raise ValueError(f"{label!r} is not a financial year written like 2025-26")
    return Period.financial_year(int(label[:4]))


def certifying_period(today: date) -> Period:
    """The year certificates are being signed for: the last complete financial year."""
    return Period.financial_year(financial_year_of(today) - 1)


def period_choices(today: date) -> list[Period]:
    """Periods a new certificate may be for: the last complete financial year (first), then the current one."""
    current = financial_year_of(today)
    return [Period.financial_year(current - 1), Period.financial_year(current)]


def judged_on(period: Period, today: date) -> date:
    """The day evidence is judged on: the period's last day once it has ended, otherwise today."""
    return min(period.end, today)


def is_sufficient(strength: EvidenceStrength) -> bool:
    return strength.rank >= SUFFICIENT.rank


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


@dataclass(frozen=True)
class Declared:
    """What the rules need to know about one assertion."""

    key: int
    statement: str
    declaration: Declaration | None
    exception_text: str
    strength: EvidenceStrength


@dataclass(frozen=True)
class Problem:
    key: int
    statement: str
    problem: str


def signing_problems(assertions: Iterable[Declared]) -> list[Problem]:
    """Every assertion that stops the certificate being signed, with why."""
    found = []
    for item in assertions:
        problem = declaration_problem(item.declaration, is_sufficient(item.strength), item.exception_text)
        if problem:
            found.append(Problem(item.key, item.statement, problem))
    return found


def submission_problems(assertions: Iterable[Declared]) -> list[Problem]:
    """What stops a draft being submitted: undeclared assertions and unexplained exceptions.

    Evidence strength is judged again when the certificate is signed, so a weak
    "assured" does not stop submission; the signing page lists it.
    """
    found = []
    for item in assertions:
        problem = declaration_problem(item.declaration, True, item.exception_text)
        if problem:
            found.append(Problem(item.key, item.statement, problem))
    return found


def count_exceptions(declarations: Iterable[Declaration | None]) -> int:
    """Assertions declared with an exception or not assured."""
    return sum(1 for declaration in declarations if declaration not in (None, Declaration.ASSURED))


def weakest_sections(
    sections: Iterable[tuple[str, list[EvidenceStrength]]],
) -> tuple[EvidenceStrength | None, list[str]]:
    """The weakest evidence strength of any section (a section is as strong as its weakest assertion), and
    the titles of the sections at that strength. (None, []) when there are no assertions."""
    graded = [(title, min(strengths, key=lambda s: s.rank)) for title, strengths in sections if strengths]
    if not graded:
        return None, []
    weakest = min((strength for _title, strength in graded), key=lambda s: s.rank)
    return weakest, [title for title, strength in graded if strength is weakest]
