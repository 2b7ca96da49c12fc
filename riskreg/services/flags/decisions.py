"""The optimistic lock on deciding a flag (issue 18): a decision is made from the version its maker saw.

``Flag.decision_version`` counts decisions (acknowledged, resolved, dismissed, linked, closed as a duplicate),
not the scan's refreshes of a flag's note and staleness, so a nightly scan never makes an open page stale. Two
people deciding one flag at once: the first wins, the second is told someone else decided it.
"""

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from riskreg.extensions import db
from riskreg.models import Flag
from riskreg.services import StaleEdit

STALE_MESSAGE = "Someone else decided on this flag while you were looking at it: see their decision below"


def check(flag: Flag, expected_version: int) -> None:
    """Refuse a decision made from an older version of the flag than the one stored."""
    if expected_version != flag.decision_version:
        raise StaleEdit("flag")


def bump(flag: Flag) -> None:
    """Count one decision, only if nobody decided since this request read the flag (a conditional UPDATE, so two
    concurrent requests cannot both pass: on PostgreSQL the second waits for the first and then matches no row)."""
    seen = flag.decision_version
    result = db.session.execute(
        sa.update(Flag)
        .where(Flag.id == flag.id, Flag.decision_version == seen)
        .values(decision_version=seen + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()  # the page that explains shows the flag as it is now
        raise StaleEdit("flag")
    set_committed_value(flag, "decision_version", seen + 1)
