"""Where evidence files' bytes live, behind one small interface.

The database store keeps them in ``evidence_blob``, written in the same
transaction as the evidence row, so a refused or failed request leaves no
orphan bytes. An object-storage store would implement the same three methods
and be returned by ``store()``.
"""

from typing import Protocol

import sqlalchemy as sa

from riskreg.extensions import db
from riskreg.models import EvidenceBlob


class EvidenceStore(Protocol):
    def save(self, evidence_id: int, data: bytes) -> None: ...

    def load(self, evidence_id: int) -> bytes: ...

    def remove(self, evidence_id: int) -> None: ...


class DatabaseStore:
    def save(self, evidence_id: int, data: bytes) -> None:
        # Written with the session's next flush, in the same transaction as the evidence row.
        db.session.add(EvidenceBlob(evidence_id=evidence_id, data=data))

    def load(self, evidence_id: int) -> bytes:
        data = db.session.scalar(sa.select(EvidenceBlob.data).where(EvidenceBlob.evidence_id == evidence_id))
        if data is None:
            raise LookupError(f"no stored bytes for evidence {evidence_id}")
        return bytes(data)

    def remove(self, evidence_id: int) -> None:
        db.session.execute(sa.delete(EvidenceBlob).where(EvidenceBlob.evidence_id == evidence_id))


def store() -> EvidenceStore:
    return DatabaseStore()
