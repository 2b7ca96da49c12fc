"""Audit checkpoints, as pure functions: what a checkpoint says, and what the trail must still match.

A checkpoint records how many events the trail held, the id of the last one and its hash (the head). Each is
signed with the organisation's key and appended to a file outside the database, and names the checkpoint
before it (the SHA-256 of its line), so the file is a chain too. Someone who can rewrite the database - delete
the last events, or edit one and recompute every later hash with riskreg's own function - produces a trail that
is consistent in itself but no longer matches the checkpoints taken before the change.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

FIRST = "0" * 64  # what the first checkpoint names as the one before it


@dataclass(frozen=True)
class Checkpoint:
    count: int  # events in the trail when it was taken
    last_id: int  # the id of the last of them (ids can have gaps: count and id are both kept)
    head: str  # that event's hash, which covers every event before it
    at: str  # when, ISO 8601 UTC
    previous: str  # SHA-256 of the previous checkpoint's line in the file, FIRST for the first
    signature: str = ""  # hex, over payload()

    def payload(self) -> bytes:
        body = {
            "count": self.count,
            "last_id": self.last_id,
            "head": self.head,
            "at": self.at,
            "previous": self.previous,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    def to_line(self) -> str:
        return json.dumps({**json.loads(self.payload()), "signature": self.signature}, sort_keys=True) + "\n"

    @classmethod
    def from_line(cls, line: str) -> "Checkpoint":
        data = json.loads(line)
        return cls(
            int(data["count"]),
            int(data["last_id"]),
            str(data["head"]),
            str(data["at"]),
            str(data["previous"]),
            str(data["signature"]),
        )


def line_digest(line: str) -> str:
    return hashlib.sha256(line.rstrip("\n").encode()).hexdigest()


def file_problems(lines: list[str]) -> list[str]:
    """Lines that do not parse or do not name the line before them (a checkpoint removed or edited in the file)."""
    problems = []
    previous = FIRST
    for number, line in enumerate(lines, start=1):
        try:
            checkpoint = Checkpoint.from_line(line)
        except (ValueError, KeyError, TypeError):
            problems.append(f"checkpoint file line {number} is not a checkpoint")
            previous = line_digest(line)
            continue
        if checkpoint.previous != previous:
            problems.append(
                f"checkpoint file line {number} does not follow the line before it (one was removed or changed)"
            )
        previous = line_digest(line)
    return problems


@dataclass
class TrailAt:
    """What the trail holds at a checkpoint's last id: how many events up to it, and that event's hash if any."""

    count: int = 0
    head: str | None = None
    last_present_id: int | None = None


@dataclass
class CheckpointWalk:
    """Follows the trail's (id, hash) rows in id order and notes what it holds at each checkpoint's last id."""

    checkpoints: list[Checkpoint]
    seen: dict[int, TrailAt] = field(default_factory=dict)
    total: int = 0
    last_id: int | None = None

    def follow(self, rows: Iterable[tuple]) -> Iterator[tuple]:
        """Passes the rows on unchanged (to the chain check), noting positions on the way."""
        pending = sorted({c.last_id for c in self.checkpoints})
        position = TrailAt()
        for row in rows:
            event_id, event_hash = row[0], row[-1]
            while pending and event_id > pending[0]:
                self.seen[pending.pop(0)] = TrailAt(position.count, None, position.last_present_id)
            position.count += 1
            position.last_present_id = event_id
            if pending and event_id == pending[0]:
                self.seen[pending.pop(0)] = TrailAt(position.count, event_hash, event_id)
            yield row
        for last_id in pending:
            self.seen[last_id] = TrailAt(position.count, None, position.last_present_id)
        self.total, self.last_id = position.count, position.last_present_id

    def problems(self) -> list[str]:
        """What no longer matches, earliest checkpoint first, with where the change lies."""
        found = []
        previous_ok: Checkpoint | None = None
        for checkpoint in sorted(self.checkpoints, key=lambda c: (c.count, c.last_id)):
            problem = _compare(checkpoint, self.seen.get(checkpoint.last_id, TrailAt()))
            if problem is None:
                previous_ok = checkpoint
                continue
            after = f"after event {previous_ok.last_id}" if previous_ok else "from the first event"
            found.append(f"{problem} (the change lies {after}, up to event {checkpoint.last_id})")
        return found


def _compare(checkpoint: Checkpoint, trail: TrailAt) -> str | None:
    when = f"the checkpoint of {checkpoint.at}"
    if trail.head is None:
        missing = checkpoint.count - trail.count
        last = f"the last event present is {trail.last_present_id}" if trail.last_present_id else "none is present"
        return (
            f"events missing: {when} counted {checkpoint.count} events up to event {checkpoint.last_id}, "
            f"the trail has {trail.count} ({missing} missing, including event {checkpoint.last_id}; {last})"
        )
    if trail.count != checkpoint.count:
        difference = checkpoint.count - trail.count
        what = f"{difference} events missing" if difference > 0 else f"{-difference} events inserted"
        return f"{what}: {when} counted {checkpoint.count} events up to event {checkpoint.last_id}, now {trail.count}"
    if trail.head != checkpoint.head:
        return f"events rewritten: event {checkpoint.last_id}'s hash differs from {when}"
    return None


def summary(checkpoint: Checkpoint) -> dict[str, Any]:
    return {"count": checkpoint.count, "last_id": checkpoint.last_id, "head": checkpoint.head, "at": checkpoint.at}
