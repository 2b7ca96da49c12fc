"""Links between risks in different registers, and the divergences they reveal (DESIGN capability 4).

Pure functions: the services load what these need and act on the answers.
"""

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from riskreg.enums import DivergenceKind, LinkKind, RiskStatus
from riskreg.rules import scoring


@dataclass(frozen=True)
class LinkEnd:
    """What the link rules need to know about a risk at one end of a proposed link."""

    id: int
    ref: str
    register_id: int
    unit_path: str  # materialised path of unit ids, "/1/4/"
    unit_name: str
    is_open: bool = True


@dataclass(frozen=True)
class ExistingLink:
    from_id: int
    to_id: int
    kind: LinkKind


@dataclass(frozen=True)
class Edge:
    """An existing ``contributes_to`` link, with references for messages."""

    from_id: int
    from_ref: str
    to_id: int
    to_ref: str


def link_refusal(
    kind: LinkKind,
    source: LinkEnd,
    target: LinkEnd,
    existing: Iterable[ExistingLink] = (),
    contributes_edges: Iterable[Edge] = (),
) -> str | None:
    """Why ``source`` may not be linked to ``target`` as ``kind``, in words for the user; None when it may.

    ``existing`` holds the links already between the two risks (either direction); ``contributes_edges``
    the ``contributes_to`` links reachable from ``target`` (any superset will do).
    """
    if source.id == target.id:
        return f"A risk cannot be linked to itself: choose a risk other than {source.ref}"
    for end in (source, target):
        if not end.is_open:
            return f"{end.ref} is closed: only open risks can be linked"
    if source.register_id == target.register_id:
        return (
            f"Link risks in different registers: {source.ref} and {target.ref} are both in the "
            f"{source.unit_name} register"
        )
    repeat = _repeat(kind, source, target, existing)
    if repeat:
        return repeat
    if kind is not LinkKind.CONTRIBUTES_TO:
        return None
    loop = cycle_path(source, target, contributes_edges)
    if loop:
        return (
            f"{source.ref} cannot contribute to {target.ref}: {target.ref} already informs {source.ref}, so the "
            f"link would make a loop ({' → '.join(loop)})"
        )
    return _direction_refusal(source, target)


def _repeat(kind: LinkKind, source: LinkEnd, target: LinkEnd, existing: Iterable[ExistingLink]) -> str | None:
    for link in existing:
        same = (link.from_id, link.to_id) == (source.id, target.id)
        reverse = (link.from_id, link.to_id) == (target.id, source.id)
        if link.kind is not kind or not (same or (kind.symmetric and reverse)):
            continue
        if kind is LinkKind.CONTRIBUTES_TO:
            return f"{source.ref} already contributes to {target.ref}"
        if kind is LinkKind.DUPLICATES:
            return f"{source.ref} and {target.ref} are already marked as duplicates"
        return f"{source.ref} and {target.ref} are already linked as related risks"
    return None


def _direction_refusal(source: LinkEnd, target: LinkEnd) -> str | None:
    """``contributes_to`` points up the unit tree: to a register of a unit above the source's."""
    if source.unit_path.startswith(target.unit_path):
        return None
    if target.unit_path.startswith(source.unit_path):
        return (
            f"{source.ref} cannot contribute to {target.ref}: {target.unit_name} is below {source.unit_name} in "
            "the organisation, and a risk can only contribute to a risk in a higher-level register. Link from "
            f"{target.ref} to {source.ref} instead"
        )
    return (
        f"{source.ref} cannot contribute to {target.ref}: {target.unit_name} is not above {source.unit_name} in "
        "the organisation, and a risk can only contribute to a risk in a higher-level register. Use "
        "“related” for risks alongside each other"
    )


def cycle_path(source: LinkEnd, target: LinkEnd, edges: Iterable[Edge]) -> list[str] | None:
    """The loop a new ``source → target`` link would close, as references; None when there is none.

    There is a loop when ``source`` can already be reached from ``target`` through ``contributes_to`` links.
    """
    outgoing: dict[int, list[Edge]] = {}
    for edge in edges:
        outgoing.setdefault(edge.from_id, []).append(edge)
    came_from: dict[int, Edge] = {}
    queue = deque([target.id])
    seen = {target.id}
    while queue:
        current = queue.popleft()
        if current == source.id:
            return [source.ref, *_refs_back(came_from, target.id, source.id), source.ref]
        for edge in outgoing.get(current, []):
            if edge.to_id not in seen:
                seen.add(edge.to_id)
                came_from[edge.to_id] = edge
                queue.append(edge.to_id)
    return None


def _refs_back(came_from: dict[int, Edge], start: int, end: int) -> list[str]:
    """The references along the path found from ``start`` to ``end``, ``start`` first and ``end`` left out."""
    refs = []
    current = end
    while current != start:
        edge = came_from[current]
        refs.append(edge.from_ref)
        current = edge.from_id
    return list(reversed(refs))


# Divergences -----------------------------------------------------------------


class Scored(Protocol):
    """Anything with a risk's reference, residual score, category and status (a Risk will do)."""

    id: int
    ref: str
    category: str | None  # a category code
    register_id: int  # the register's unit's appetite applies

    @property
    def residual_score(self) -> int: ...

    @property
    def is_open(self) -> bool: ...


class ScoredValues:
    """``residual_score`` and ``is_open`` for a risk read as plain values rather than a Risk (pages and figures that
    read rows, not objects): mixed into their dataclasses, which hold the columns."""

    __slots__ = ()
    residual_l: int
    residual_i: int
    status: RiskStatus

    @property
    def residual_score(self) -> int:
        return self.residual_l * self.residual_i

    @property
    def is_open(self) -> bool:
        return self.status == RiskStatus.OPEN


@dataclass(frozen=True)
class Divergence:
    kind: DivergenceKind
    contributor_id: int
    parent_id: int
    message: str


def divergences(contributor: Scored, parent: Scored, rules: scoring.ScoringRules) -> list[Divergence]:
    """How a risk that contributes to ``parent`` disagrees with it. Closed contributors raise nothing."""
    if not contributor.is_open:
        return []

    def found(kind: DivergenceKind, message: str) -> Divergence:
        return Divergence(kind, contributor.id, parent.id, message)

    if not parent.is_open:
        return [
            found(
                DivergenceKind.PARENT_CLOSED,
                f"{parent.ref} is closed but {contributor.ref}, which contributes to it, is still open",
            )
        ]
    alerts = []
    # Levels use the same 5×5 scale for different things, so raw scores are not compared: bands are, and each
    # risk is held against its own appetite.
    higher, lower = scoring.band(contributor.residual_score, rules), scoring.band(parent.residual_score, rules)
    if _band_rank(higher, rules) > _band_rank(lower, rules):
        alerts.append(
            found(
                DivergenceKind.SCORED_ABOVE_PARENT,
                f"{contributor.ref} is in a higher band ({higher.label.lower()}, {contributor.residual_score}) than "
                f"{parent.ref} ({lower.label.lower()}, {parent.residual_score}), which it contributes to",
            )
        )
    if _above(contributor, rules) and not _above(parent, rules):
        tolerance = scoring.tolerance_for(contributor.category, rules, contributor.register_id)
        alerts.append(
            found(
                DivergenceKind.ABOVE_APPETITE_PARENT_WITHIN,
                f"{contributor.ref} is above appetite ({contributor.residual_score} against a tolerance of "
                f"{tolerance}) while {parent.ref}, which it contributes to, is within appetite",
            )
        )
    return alerts


def _band_rank(band: object, rules: scoring.ScoringRules) -> int:
    return [name for name, _ceiling in rules.band_ceilings].index(band)


@dataclass(frozen=True)
class GroupedAlert:
    """One alert per risk informed and reason, however many contributors share it, saying what to do."""

    kind: DivergenceKind
    parent_id: int
    contributor_ids: tuple[int, ...]
    message: str


def _refs(refs: list[str], shown: int = 4) -> str:
    listed = ", ".join(refs[:shown])
    return listed + (f" and {len(refs) - shown} more" if len(refs) > shown else "")


def _grouped_message(kind: DivergenceKind, parent_ref: str, refs: list[str]) -> str:
    count = f"{len(refs)} contributing risk{'s' if len(refs) != 1 else ''} ({_refs(refs)})"
    verb = "are" if len(refs) != 1 else "is"
    if kind is DivergenceKind.PARENT_CLOSED:
        return (
            f"{parent_ref} is closed but {count} {verb} still open: link them to another risk they inform, "
            "or close them"
        )
    if kind is DivergenceKind.SCORED_ABOVE_PARENT:
        return (
            f"{count} {verb} in a higher band than {parent_ref}: review {parent_ref}'s score against what "
            "the units report, or ask the owners why they score it higher"
        )
    return f"{count} {verb} above appetite while {parent_ref} is within it: review {parent_ref}'s score"


def grouped(alerts: Iterable[Divergence], refs: dict[int, str]) -> list[GroupedAlert]:
    """The divergence alerts grouped by the risk they concern and their kind, in a fixed order. ``refs`` maps
    each risk's id to its reference."""
    found: dict[tuple[int, DivergenceKind], list[int]] = {}
    for alert in alerts:
        contributors = found.setdefault((alert.parent_id, alert.kind), [])
        if alert.contributor_id not in contributors:
            contributors.append(alert.contributor_id)
    order = list(DivergenceKind)
    return [
        GroupedAlert(kind, parent_id, tuple(ids), _grouped_message(kind, refs[parent_id], [refs[i] for i in ids]))
        for (parent_id, kind), ids in sorted(found.items(), key=lambda item: (item[0][0], order.index(item[0][1])))
    ]


def alert_kinds(
    parent: Scored, open_contributors: int, highest: int | None, any_above_appetite: bool, rules: scoring.ScoringRules
) -> list[DivergenceKind]:
    """The kinds of the alerts ``grouped(divergences(...))`` gives ``parent``, in the same order, from what a database
    can count of its open contributing risks: how many there are, the highest residual score among them and whether
    any is above its own appetite. (Bands rise with the score, so a contributor is in a higher band than ``parent``
    exactly when the highest-scored one is.)"""
    if not open_contributors:
        return []
    if not parent.is_open:
        return [DivergenceKind.PARENT_CLOSED]
    kinds = []
    score = parent.residual_score
    # A higher band needs a higher score first (the bands' order is the scores'): most pass on that alone.
    if highest is not None and highest > score and scoring.band(highest, rules) is not scoring.band(score, rules):
        kinds.append(DivergenceKind.SCORED_ABOVE_PARENT)
    if any_above_appetite and not _above(parent, rules):
        kinds.append(DivergenceKind.ABOVE_APPETITE_PARENT_WITHIN)
    return kinds


def _above(risk: Scored, rules: scoring.ScoringRules) -> bool:
    return scoring.is_above_appetite(risk.residual_score, risk.category, rules, risk.register_id)


@dataclass(frozen=True)
class Rollup:
    """The open contributing risks of one risk, summed up for the committee."""

    count: int
    highest: int | None
    average: float | None
    above_appetite: int


def rollup(contributors: Iterable[Scored], rules: scoring.ScoringRules) -> Rollup:
    scores = [(risk.residual_score, _above(risk, rules)) for risk in contributors if risk.is_open]
    if not scores:
        return Rollup(0, None, None, 0)
    values = [value for value, _ in scores]
    return Rollup(
        count=len(values),
        highest=max(values),
        average=round(sum(values) / len(values), 1),
        above_appetite=sum(1 for _, above in scores if above),
    )
