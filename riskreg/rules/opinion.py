"""What a head certifies: the statement of responsibility and an overall opinion on the internal-audit scale.

The opinion is *proposed* from the certificate's own evidence; the head may choose
another, with a reason, and the certificate shows both (issue 15). The scale is the
one internal audit uses (substantial, reasonable, limited, no assurance):

- no assurance: half or more of the assertions are not assured or rest on no
  evidence at all;
- limited: any assertion not assured, or more than a quarter declared with an
  exception;
- reasonable: some exceptions, or fewer than half the assertions independently
  (strongly) evidenced;
- substantial: every assertion assured, and at least half strongly evidenced.

A division's certificate also rests on its units' certificates: its opinion is
no better than the weakest unit's, and a unit that has not signed caps it at
limited (part of the division gives no assurance at all).
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from riskreg.enums import Declaration, EvidenceStrength, Opinion, UnitKind

# Who signs, by the kind of unit: the job title the statement of responsibility names.
HEAD_TITLES: Mapping[UnitKind, str] = {
    UnitKind.HEADQUARTERS: "Chief Executive",
    UnitKind.AREA: "Chief Crown Prosecutor",
    UnitKind.DIVISION: "Head of Division",
    UnitKind.UNIT: "Deputy Head of Division",
}
DEFAULT_STATEMENT = (
    "As {title} for {unit} I am accountable to the Director of Public Prosecutions, as Accounting Officer, for "
    "maintaining a sound system of internal control in {unit} that supports the achievement of the service's "
    "objectives, while safeguarding the public funds and assets for which I am responsible. This certificate "
    "sets out my assurance on that system for the financial year {period}, judged as at {period_end}, and the "
    "significant issues and the actions I am taking on them."
)
PLACEHOLDERS = ("title", "unit", "period", "period_end", "name")
_PLACEHOLDER = re.compile(r"\{([a-z_]*)\}")
OPINION_WORDING: Mapping[Opinion, str] = {
    Opinion.SUBSTANTIAL: "A sound system of governance, risk management and control exists, and the controls "
    "tested operated effectively",
    Opinion.REASONABLE: "There is generally a sound system of governance, risk management and control, but some "
    "improvements are needed",
    Opinion.LIMITED: "There are significant weaknesses in the system of governance, risk management and control",
    Opinion.NO_ASSURANCE: "There are fundamental weaknesses in the system of governance, risk management and control",
}
REASON_MAX = 4000


def unknown_placeholders(text: str) -> list[str]:
    """Placeholders in a statement template that riskreg cannot fill (a typo an administrator should fix)."""
    return sorted({name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


def fill_statement(text: str, values: Mapping[str, str]) -> str:
    """The statement with its placeholders filled; one riskreg does not know is left as written."""
    return _PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), text)


@dataclass(frozen=True)
class UnitOpinion:
    """A unit's certificate as its division's opinion sees it: its opinion once signed, None while not signed."""

    name: str
    opinion: Opinion | None


@dataclass(frozen=True)
class Proposal:
    opinion: Opinion
    basis: tuple[str, ...]  # why, in sentences a reader can check against the certificate


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _own_opinion(strengths: list[EvidenceStrength], declarations: list[Declaration | None]) -> Opinion:
    total = len(declarations)
    not_assured = sum(1 for d in declarations if d is Declaration.NOT_ASSURED)
    exceptions = sum(1 for d in declarations if d is not Declaration.ASSURED)
    nothing = sum(1 for s in strengths if s is EvidenceStrength.NONE)
    strong = sum(1 for s in strengths if s is EvidenceStrength.STRONG)
    if total == 0 or 2 * not_assured >= total or 2 * nothing >= total:
        return Opinion.NO_ASSURANCE
    if not_assured or 4 * exceptions > total:
        return Opinion.LIMITED
    if exceptions or 2 * strong < total:
        return Opinion.REASONABLE
    return Opinion.SUBSTANTIAL


def _counts(strengths: list[EvidenceStrength], declarations: list[Declaration | None]) -> tuple[str, str]:
    by_declaration = ", ".join(
        f"{sum(1 for d in declarations if d is declaration)} {declaration.label.lower()}" for declaration in Declaration
    )
    undeclared = sum(1 for d in declarations if d is None)
    if undeclared:
        by_declaration += f", {undeclared} not declared yet"
    by_strength = ", ".join(
        f"{sum(1 for s in strengths if s is strength)} {strength.label.lower()}" for strength in EvidenceStrength
    )
    return f"{_plural(len(declarations), 'assertion')}: {by_declaration}", f"Evidence: {by_strength}"


def propose(
    strengths: Iterable[EvidenceStrength],
    declarations: Iterable[Declaration | None],
    units: Iterable[UnitOpinion] = (),
) -> Proposal:
    """The opinion the evidence supports, and its basis (see the module docstring for the rule)."""
    strengths, declarations, units = list(strengths), list(declarations), list(units)
    opinion = _own_opinion(strengths, declarations)
    basis = [*_counts(strengths, declarations), f"Proposed from this register's own evidence: {opinion.label.lower()}"]
    signed = [unit for unit in units if unit.opinion is not None]
    unsigned = sorted(unit.name for unit in units if unit.opinion is None)
    if signed:
        weakest = min(signed, key=lambda unit: (unit.opinion.rank, unit.name))
        if weakest.opinion.rank < opinion.rank:
            opinion = weakest.opinion
        basis.append(
            f"{_plural(len(signed), 'unit certificate')} signed; the weakest opinion is {weakest.name}'s "
            f"({weakest.opinion.label.lower()}), and the division's can be no better"
        )
    if unsigned:
        if opinion.rank > Opinion.LIMITED.rank:
            opinion = Opinion.LIMITED
        basis.append(f"Not yet signed, so giving no assurance: {', '.join(unsigned)} (the opinion is at most limited)")
    return Proposal(opinion, tuple(basis))


def opinion_problem(chosen: Opinion | None, proposed: Opinion, reason: str) -> str | None:
    """Why a chosen opinion cannot stand (None when it can): one other than proposed needs a reason."""
    if chosen is not None and chosen is not proposed and not reason.strip():
        return (
            f"The opinion chosen ({chosen.label.lower()}) differs from the one the evidence supports "
            f"({proposed.label.lower()}): give the reason"
        )
    return None


def issues_needed(opinion: Opinion, declarations: Iterable[Declaration | None], issue_count: int) -> str | None:
    """A certificate with anything not assured, or an opinion of limited or no assurance, names its significant
    issues and the actions on them; None when nothing is missing."""
    qualified = opinion.rank <= Opinion.LIMITED.rank or any(d is Declaration.NOT_ASSURED for d in declarations)
    if qualified and issue_count == 0:
        return "Record the significant issues and the actions being taken on them, with owners and due dates"
    return None
