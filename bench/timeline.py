"""The generator's clock: events happen in time order, so the audit trail reads like two years of use.

Table groups schedule events (a risk created, a review due, a risk closed);
``run`` pops them earliest first. Each handler writes its rows and audit events
and may schedule the next event. Audit events are chained exactly as
``riskreg.services.audit.trail.record`` chains them, with the same hash function, so
``riskreg audit verify`` checks the generated trail like any other.
"""

import heapq
import itertools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bench.sink import Sink
from riskreg.rules.audit_chain import event_hash, to_jsonable

AUDIT_COLUMNS = ("id", "at", "actor_id", "action", "entity", "entity_id", "risk_id", "changes", "prev_hash", "hash")

Handler = Callable[["Timeline", datetime, Any], None]


class Timeline:
    def __init__(self, sink: Sink, ids: dict[str, int], prev_hash: str) -> None:
        self.sink = sink
        self.ids = ids
        self.prev_hash = prev_hash
        self._queue: list[tuple[datetime, int, Handler, Any]] = []
        self._sequence = itertools.count()
        self.now: datetime | None = None

    def next_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def schedule(self, when: datetime, handler: Handler, state: Any = None) -> None:
        # The sequence number breaks ties, so handlers and states are never compared.
        heapq.heappush(self._queue, (when, next(self._sequence), handler, state))

    def run(self) -> None:
        while self._queue:
            when, _, handler, state = heapq.heappop(self._queue)
            self.now = when
            handler(self, when, state)

    def audit(
        self,
        at: datetime,
        actor_id: int | None,
        action: str,
        entity: str,
        entity_id: int | None,
        changes: dict[str, Any],
        risk_id: int | None = None,
    ) -> None:
        changes = to_jsonable(changes)
        digest = event_hash(self.prev_hash, at, actor_id, action, entity, entity_id, risk_id, changes)
        row = (
            self.next_id("audit_event"),
            at,
            actor_id,
            action,
            entity,
            entity_id,
            risk_id,
            changes,
            self.prev_hash,
            digest,
        )
        self.sink.add("audit_event", row)
        self.prev_hash = digest
