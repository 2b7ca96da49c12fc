"""A register's residual heat map at the end of each of its last quarters (issue 19), rebuilt from the reviews and
the audit trail that riskreg already keeps: no snapshot table. ``rules.residual_history`` says what each stored
record means for a past day; this module reads them, in three queries whatever the register holds.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from riskreg.enums import RiskStatus
from riskreg.extensions import db
from riskreg.models import AuditEvent, Register, Review, Risk
from riskreg.rules import heatmap
from riskreg.rules import residual_history as history
from riskreg.rules.measures import Quarter
from riskreg.services.registers import rules

SERIES_LENGTH = 5  # quarters: the one under review and the four before it, a year's movement
OPENING_ACTIONS = ("risk.created", "risk.imported")
STATUS_ACTIONS = {"risk.closed": True, "risk.reopened": False}
HISTORY_ACTIONS = (*OPENING_ACTIONS, "risk.updated", *STATUS_ACTIONS)


@dataclass(frozen=True)
class Trend:
    snapshots: list[heatmap.Snapshot]  # oldest first
    moves: list[heatmap.Move]  # between the first map and the last

    def svg(self, snapshot: heatmap.Snapshot) -> str:
        return heatmap.svg(
            snapshot.rows,
            f"Open risks by residual likelihood and impact as at {snapshot.as_of:%-d %B %Y}",
            rules(),
            ident=f"heatmap-{snapshot.as_of:%Y%m%d}",
            layout=heatmap.SMALL,
            caption=snapshot.label,
            beside="the tables beside the maps give the open risks per band and the risks that moved",
        )

    def by_band(self, snapshot: heatmap.Snapshot) -> dict:
        return snapshot.by_band(rules())


def quarter_ends(last: Quarter, today: date, count: int = SERIES_LENGTH) -> list[tuple[str, date]]:
    """(label, day) for ``count`` quarters ending with ``last``: each quarter's last day, or today while it lasts."""
    quarters = [last]
    while len(quarters) < count:
        quarters.insert(0, quarters[0].previous())
    return [(quarter.short_label, min(quarter.end, today)) for quarter in quarters if quarter.start <= today]


def _pair(changes: dict[str, Any], index: int) -> tuple[int | None, int | None]:
    """The residual likelihood and impact an update event names: index 0 its before, 1 its after values."""
    return tuple(
        changes[name][index] if isinstance(changes.get(name), list) else None for name in ("residual_l", "residual_i")
    )


def _histories(register: Register, include_restricted: bool) -> list[history.History]:
    scope = sa.select(Risk.id).where(Risk.register_id == register.id)
    if not include_restricted:
        scope = scope.where(Risk.restricted.is_(False))
    risks = db.session.execute(
        sa.select(Risk.id, Risk.ref, Risk.created_at, Risk.updated_at, Risk.status, Risk.residual_l, Risk.residual_i)
        .where(Risk.id.in_(scope))
        .order_by(Risk.ref)
    ).all()
    changes: dict[int, list[history.Change]] = {risk.id: [] for risk in risks}
    opening: dict[int, tuple[int | None, int | None]] = {}
    closed: dict[int, list[tuple[datetime, bool]]] = {risk.id: [] for risk in risks}
    reviews = db.session.execute(
        sa.select(Review.risk_id, Review.reviewed_on, Review.created_at, Review.residual_l, Review.residual_i).where(
            Review.risk_id.in_(scope)
        )
    )
    for risk_id, reviewed_on, created_at, likelihood, impact in reviews:
        # Held on its date, whenever it was written; the audit event it also wrote is the same change again.
        changes[risk_id].append(history.Change(reviewed_on, created_at, (likelihood, impact)))
    events = db.session.execute(
        sa.select(AuditEvent.risk_id, AuditEvent.action, AuditEvent.at, AuditEvent.changes).where(
            AuditEvent.risk_id.in_(scope), AuditEvent.action.in_(HISTORY_ACTIONS)
        )
    )
    for risk_id, action, at, recorded in events:
        if action in OPENING_ACTIONS:
            opening[risk_id] = tuple(recorded.get(name) for name in ("residual_l", "residual_i"))
        elif action in STATUS_ACTIONS:
            closed[risk_id].append((at, STATUS_ACTIONS[action]))
        elif _pair(recorded, 1) != (None, None):
            changes[risk_id].append(history.Change(at.date(), at, _pair(recorded, 1), _pair(recorded, 0)))
    return [
        history.History(
            ref=risk.ref,
            opened_on=min([risk.created_at.date(), *(change.on for change in changes[risk.id])]),
            current=(risk.residual_l, risk.residual_i),
            saved_at=risk.updated_at,
            opening=opening.get(risk.id, (None, None)),
            changes=changes[risk.id],
            closed=closed[risk.id],
            closed_now=risk.status == RiskStatus.CLOSED,
        )
        for risk in risks
    ]


def trend(register: Register, ends: list[tuple[str, date]], include_restricted: bool) -> Trend:
    """The register's map as at each of ``ends`` (from ``quarter_ends``), and the risks that moved between the
    first and the last."""
    replays = [history.replay(item) for item in _histories(register, include_restricted)]
    snapshots = [
        heatmap.Snapshot(label, day, heatmap.grid(history.open_residuals(replays, day))) for label, day in ends
    ]
    moved = heatmap.moves(snapshots[0].rows, snapshots[-1].rows) if snapshots else []
    return Trend(snapshots, moved)
