"""A risk's residual likelihood and impact as at a past day, rebuilt from what riskreg already stores (issue 19).

Pure: the service hands over each risk's history and this replays it. What is stored, and what each part means:

- the residual when the risk was opened: the ``risk.created`` or ``risk.imported`` audit event's values, where it
  recorded them (the demo's and the bench's risks did not);
- reviews: the scores on the review's own date (a review can be recorded days after it was held, and then it
  counts from the day it was held);
- edits: an audited ``risk.updated`` event with residual ``[before, after]`` values, from the day it was saved;
- closing: the day of the ``risk.closed`` audit event (``risk.reopened`` opens it again).

Where the opening values were not recorded, each one is taken from the earliest change that names it (an edit's
``before`` value, else a review's score), and failing that from the risk as it is now. A risk whose stored
values differ from where its history ends was written by something that left no history (a bulk load): the
difference is dated at the risk's last save, so the map as at today always matches the register's own.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

Rating = tuple[int, int]  # (likelihood, impact)


@dataclass(frozen=True)
class Change:
    on: date  # the day it took effect: a review's date, the day an edit was saved
    written: datetime  # orders changes of the same day: when riskreg stored it
    after: tuple[int | None, int | None]  # the residual likelihood and impact it set (None: left as it was)
    before: tuple[int | None, int | None] = (None, None)  # an audited edit's previous values


@dataclass(frozen=True)
class History:
    ref: str
    opened_on: date
    current: Rating  # as stored now
    saved_at: datetime  # the risk's last save
    opening: tuple[int | None, int | None] = (None, None)  # the residual when opened, where recorded
    changes: Sequence[Change] = ()
    closed: Sequence[tuple[datetime, bool]] = ()  # (when, closed?) from the close and reopen events, any order
    closed_now: bool = False  # the risk's status now

    def ordered(self) -> list[Change]:
        return sorted(self.changes, key=lambda change: (change.on, change.written))


@dataclass(frozen=True)
class Replay:
    """One risk's rebuilt timeline: its opening values and every change, oldest first."""

    history: History
    start: Rating
    steps: list[Change] = field(default_factory=list)

    def open_on(self, day: date) -> bool:
        if day < self.history.opened_on:
            return False
        events = sorted(self.history.closed)
        if self.history.closed_now and not (events and events[-1][1]):
            events.append((self.history.saved_at, True))  # closed by something that left no event
        closed = False
        for when, is_closed in events:
            if when.date() > day:
                break
            closed = is_closed
        return not closed

    def residual_on(self, day: date) -> Rating:
        likelihood, impact = self.start
        for change in self.steps:
            if change.on > day:
                break
            likelihood = change.after[0] if change.after[0] is not None else likelihood
            impact = change.after[1] if change.after[1] is not None else impact
        return likelihood, impact


def _start(history: History, ordered: list[Change]) -> Rating:
    values = list(history.opening)
    for part in (0, 1):
        if values[part] is not None:
            continue
        named = next((c for c in ordered if c.before[part] is not None or c.after[part] is not None), None)
        if named is None:
            values[part] = history.current[part]
        else:
            values[part] = named.before[part] if named.before[part] is not None else named.after[part]
    return values[0], values[1]


def replay(history: History) -> Replay:
    ordered = history.ordered()
    result = Replay(history, _start(history, ordered), ordered)
    ended = result.residual_on(date.max)
    if ended != history.current:  # written without history: dated at the last save
        result.steps.append(Change(history.saved_at.date(), history.saved_at, history.current))
        result.steps.sort(key=lambda change: (change.on, change.written))
    return result


def open_residuals(replays: Iterable[Replay], day: date) -> list[tuple[str, int, int]]:
    """(reference, likelihood, impact) of every risk open at the end of ``day``: what ``heatmap.grid`` takes."""
    return [(r.history.ref, *r.residual_on(day)) for r in replays if r.open_on(day)]
