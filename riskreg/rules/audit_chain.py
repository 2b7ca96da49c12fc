"""The audit trail's hash chain, as pure functions.

Each event's hash is SHA-256 over a canonical JSON of its fields and the
previous event's hash. Canonical: sorted keys, no spaces, UTF-8, datetimes as
ISO 8601 - the same bytes on SQLite and PostgreSQL.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

GENESIS = "0" * 64


def to_jsonable(value: Any) -> Any:
    """Values as they will read back from a JSON column, so hashes match after a round trip."""
    if value is None or type(value) in (str, int, float, bool):  # the common case, checked cheaply
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "value") and isinstance(value.value, str):  # enumerations
        return value.value
    return value


def event_hash(
    prev_hash: str,
    at: datetime,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    risk_id: int | None,
    changes: dict[str, Any],
) -> str:
    body = {
        "prev": prev_hash,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor_id,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "risk_id": risk_id,
        "changes": changes,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def check_chain(rows: Iterable[tuple]) -> ChainCheck:
    """Rows of (id, at, actor_id, action, entity, entity_id, risk_id, changes, prev_hash, hash), in id order."""
    expected_prev = GENESIS
    checked = 0
    for event_id, at, actor_id, action, entity, entity_id, risk_id, changes, prev_hash, stored in rows:
        if prev_hash != expected_prev:
            return ChainCheck(checked, event_id, "its previous-hash does not match the event before it")
        computed = event_hash(prev_hash, at, actor_id, action, entity, entity_id, risk_id, changes)
        if computed != stored:
            return ChainCheck(checked, event_id, "its contents do not match its hash")
        expected_prev = stored
        checked += 1
    return ChainCheck(checked)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that changed."""
    return {
        key: [to_jsonable(before.get(key)), to_jsonable(after.get(key))]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
