"""Recommendations (DESIGN capability 15): when one is overdue, and the implementation rate.

The implementation rate of a group of recommendations is

    implemented / (accepted + in progress + implemented)

A recommendation the organisation did **not accept** is left out of both sides: the organisation never undertook
to implement it, so counting it as "not implemented" would punish an honest "no" and invite accepting everything
on paper. It is never hidden either: every rate is shown with its count of recommendations not accepted beside
it (``Rate.not_accepted``), so a body that declines most of what it is told shows that plainly.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from riskreg.enums import RecommendationStatus

OPEN = (RecommendationStatus.ACCEPTED, RecommendationStatus.IN_PROGRESS)


def is_overdue(status: RecommendationStatus, due_on: date | None, as_of: date) -> bool:
    """Accepted or in progress after its due date: implemented and not-accepted ones are never overdue."""
    return status in OPEN and due_on is not None and due_on < as_of


@dataclass(frozen=True)
class Rate:
    """A group's counts by status and its implementation rate."""

    implemented: int = 0
    in_progress: int = 0
    accepted: int = 0
    not_accepted: int = 0

    @property
    def counted(self) -> int:
        """The recommendations the rate is out of: every accepted one, implemented or not."""
        return self.implemented + self.in_progress + self.accepted

    @property
    def total(self) -> int:
        return self.counted + self.not_accepted

    @property
    def rate(self) -> float | None:
        """Implemented as a share of accepted (0 to 1); None when nothing was accepted (no rate, not 0%)."""
        return self.implemented / self.counted if self.counted else None

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(self.rate * 100)


def rate_of(statuses: Iterable[RecommendationStatus]) -> Rate:
    counts = {status: 0 for status in RecommendationStatus}
    for status in statuses:
        counts[status] += 1
    return Rate(
        implemented=counts[RecommendationStatus.IMPLEMENTED],
        in_progress=counts[RecommendationStatus.IN_PROGRESS],
        accepted=counts[RecommendationStatus.ACCEPTED],
        not_accepted=counts[RecommendationStatus.NOT_ACCEPTED],
    )


def rates_by(rows: Iterable[tuple[str, RecommendationStatus]]) -> dict[str, Rate]:
    """Each group's rate from (group, status) pairs, groups in the order first seen."""
    grouped: dict[str, list[RecommendationStatus]] = {}
    for group, status in rows:
        grouped.setdefault(group, []).append(status)
    return {group: rate_of(statuses) for group, statuses in grouped.items()}


# Which status may follow which. Reopening an implemented recommendation (the evidence did not hold) is allowed;
# a recommendation not accepted may be accepted later, when the organisation changes its mind.
TRANSITIONS: dict[RecommendationStatus, frozenset[RecommendationStatus]] = {
    RecommendationStatus.ACCEPTED: frozenset(
        {RecommendationStatus.IN_PROGRESS, RecommendationStatus.IMPLEMENTED, RecommendationStatus.NOT_ACCEPTED}
    ),
    RecommendationStatus.IN_PROGRESS: frozenset({RecommendationStatus.IMPLEMENTED, RecommendationStatus.ACCEPTED}),
    RecommendationStatus.IMPLEMENTED: frozenset({RecommendationStatus.IN_PROGRESS}),
    RecommendationStatus.NOT_ACCEPTED: frozenset({RecommendationStatus.ACCEPTED}),
}


def may_move(current: RecommendationStatus, new: RecommendationStatus) -> bool:
    return new in TRANSITIONS[current]
