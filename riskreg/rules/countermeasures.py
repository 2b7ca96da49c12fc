"""Countermeasure lifecycle: planned -> in place -> retired (a plan may also be dropped)."""

from riskreg.enums import CountermeasureStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.PLANNED: frozenset({S.IN_PLACE, S.RETIRED}),
    S.IN_PLACE: frozenset({S.RETIRED}),
    S.RETIRED: frozenset(),
}


def can_transition(current: S, new: S) -> bool:
    return new == current or new in TRANSITIONS[current]


def next_statuses(current: S) -> list[S]:
    """The statuses a countermeasure can be given now, its current one first."""
    return [current, *sorted(TRANSITIONS[current], key=list(S).index)]
