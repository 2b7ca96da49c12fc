"""Writing and checking the hash-chained audit trail."""

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import lazyload, selectinload

from riskreg.clock import utcnow
from riskreg.extensions import db
from riskreg.models import AuditEvent, User
from riskreg.rules.audit_chain import GENESIS, ChainCheck, check_chain, event_hash, to_jsonable

# Any fixed number: the PostgreSQL advisory lock that serialises appends to the chain. The stored figures' recounts
# take the same one (riskreg/services/figures.py): nearly every write takes both, and two locks taken in either
# order by different writes would deadlock them.
WRITE_LOCK_KEY = 7_261_001


def _lock_chain() -> None:
    # Two transactions appending at once would both link to the same previous
    # event and fork the chain. SQLite write transactions start with
    # BEGIN IMMEDIATE (see riskreg/database.py), which already serialises them.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})


def record(
    actor: User | None,
    action: str,
    entity: str,
    entity_id: int | None,
    changes: dict[str, Any],
    risk_id: int | None = None,
) -> AuditEvent:
    _lock_chain()
    prev_hash = db.session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    prev_hash = prev_hash or GENESIS
    at = utcnow()
    actor_id = actor.id if actor is not None else None
    changes = to_jsonable(changes)
    event = AuditEvent(
        at=at,
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        risk_id=risk_id,
        changes=changes,
        prev_hash=prev_hash,
        hash=event_hash(prev_hash, at, actor_id, action, entity, entity_id, risk_id, changes),
    )
    db.session.add(event)
    db.session.flush()
    return event


def record_many(actor: User | None, events: list[tuple[str, str, int | None, dict[str, Any], int | None]]) -> int:
    """Append (action, entity, entity_id, changes, risk_id) events in order, with one read and one flush.

    Bulk writers (an import of thousands of risks) would otherwise pay a query and a flush per event.
    """
    _lock_chain()
    prev_hash = db.session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
    at = utcnow()
    actor_id = actor.id if actor is not None else None
    rows = []
    for action, entity, entity_id, changes, risk_id in events:
        changes = to_jsonable(changes)
        digest = event_hash(prev_hash, at, actor_id, action, entity, entity_id, risk_id, changes)
        rows.append(
            {
                "at": at,
                "actor_id": actor_id,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "risk_id": risk_id,
                "changes": changes,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        prev_hash = digest
    # An executemany inserts row by row in the list's order, so ids follow the chain (verified in id order).
    db.session.execute(sa.insert(AuditEvent.__table__), rows)
    return len(rows)


def chain_rows(batch_size: int) -> Iterator[tuple]:
    columns = (
        AuditEvent.id,
        AuditEvent.at,
        AuditEvent.actor_id,
        AuditEvent.action,
        AuditEvent.entity,
        AuditEvent.entity_id,
        AuditEvent.risk_id,
        AuditEvent.changes,
        AuditEvent.prev_hash,
        AuditEvent.hash,
    )
    last_id = 0
    while True:
        # Keyset pages keep memory flat however long the trail grows. Plain rows through the session's
        # connection: the ORM's row handling cost a tenth of the check's time and adds nothing to columns.
        rows = (
            db.session.connection()
            .execute(sa.select(*columns).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch_size))
            .all()
        )
        if not rows:
            return
        yield from rows
        last_id = rows[-1][0]


def verify_chain(batch_size: int = 5000) -> ChainCheck:
    return check_chain(chain_rows(batch_size))


def history_for_risk(risk_id: int, limit: int = 100) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.risk_id == risk_id)
            .options(selectinload(AuditEvent.actor).options(lazyload(User.roles)))
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )
