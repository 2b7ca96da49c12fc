"""Per-register figures kept up to date in the transaction that changes them (issue 20).

The registers index used to count every open risk and run the link rules over every link on each request
(~90 ms of CPU at scale M). Now each register has two rows in ``register_figure``: its unrestricted risks'
figures, and the extra that its restricted risks add. A reader gets the second row only for the registers whose
restricted risks they may read (the view asks the policy), so no count includes a risk the reader may not see
(issue 17: head.ls was told London North has 24 open risks where 23 are his to see).

Every write that can change a figure writes a ``Risk`` or a ``RiskLink`` through the ORM: the session's flush
events note the registers touched, and once the flush has run their figures are recomputed from the database
(one register costs an aggregate over its risks and the links that reach it; the registers at the other end of
the written risks' links are recomputed too, since their link alerts may have changed). Writers that bypass the ORM run
the after-save work (the import, through ``risks.saved_in_batches``) or call ``rebuild_all`` (the demo and the
bench generator; `riskreg figures rebuild` after an upgrade or a change to the appetite rules).

Reviews overdue depend on the day, so they are not stored: they are counted from ``ix_risk_review_due``
(status, next review date, register, restricted), which answers from the index alone.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, aliased

from riskreg.enums import LinkKind, RiskStatus
from riskreg.extensions import db
from riskreg.models import RegisterFigure, Risk, RiskLink, User
from riskreg.rules import links as link_rules
from riskreg.services import risks as risk_service
from riskreg.services.registers import RegisterFigures, above_appetite_expr, rules

PENDING = "riskreg.figures.pending"  # Session.info key: registers whose figures the flush made stale
_LINK_COLUMNS = ("id", "ref", "category", "status", "residual_l", "residual_i", "restricted", "register_id")


@dataclass(frozen=True)
class _Scored:
    id: int
    ref: str
    category: object
    status: RiskStatus
    residual_l: int
    residual_i: int
    restricted: bool
    register_id: int

    @property
    def residual_score(self) -> int:
        return self.residual_l * self.residual_i

    @property
    def is_open(self) -> bool:
        return self.status == RiskStatus.OPEN


# Reading --------------------------------------------------------------------------------


def stored(today: date, restricted_visible: Collection[int]) -> dict[int, RegisterFigures]:
    """Every register's figures as the reader may see them: two queries however many risks there are.
    ``restricted_visible``: the registers whose restricted risks the reader may read (the view asks the policy);
    their restricted rows are added to their unrestricted ones."""
    visible = set(restricted_visible)
    figures: dict[int, RegisterFigures] = defaultdict(RegisterFigures)
    for row in db.session.scalars(sa.select(RegisterFigure)):
        if row.restricted and row.register_id not in visible:
            continue
        total = figures[row.register_id]
        total.open_risks += row.open_risks
        total.above_appetite += row.above_appetite
        total.link_alerts += row.link_alerts
    overdue = (
        sa.select(Risk.register_id, Risk.restricted, sa.func.count())
        .where(Risk.status == RiskStatus.OPEN, Risk.next_review_on < today)
        .group_by(Risk.register_id, Risk.restricted)
    )
    for register_id, restricted, count in db.session.execute(overdue):
        if not restricted or register_id in visible:
            figures[register_id].reviews_overdue += count
    return dict(figures)


# Computing ------------------------------------------------------------------------------


def _risk_counts(connection, register_ids: Collection[int]) -> dict[tuple[int, bool], list[int]]:
    query = (
        sa.select(
            Risk.register_id,
            Risk.restricted,
            sa.func.count(),
            sa.func.sum(sa.case((above_appetite_expr(within=register_ids), 1), else_=0)),
        )
        .where(Risk.status == RiskStatus.OPEN, Risk.register_id.in_(list(register_ids)))
        .group_by(Risk.register_id, Risk.restricted)
    )
    return {
        (register, bool(restricted)): [count, int(above or 0)]
        for register, restricted, count, above in connection.execute(query)
    }


def _link_alerts(connection, register_ids: Collection[int]) -> dict[tuple[int, bool], int]:
    """Link alerts per register, as the registers index has always counted them (each contributor's alerts in its
    register; in the register of the risk informed, one per risk and reason), split into those between
    unrestricted risks (False) and the extra ones that involve a restricted risk (True)."""
    wanted = set(register_ids)
    child, parent = aliased(Risk), aliased(Risk)
    query = (
        sa.select(
            child.register_id,
            *(getattr(child, name) for name in _LINK_COLUMNS),
            parent.register_id,
            *(getattr(parent, name) for name in _LINK_COLUMNS),
        )
        .join(RiskLink, RiskLink.from_risk_id == child.id)
        .join(parent, RiskLink.to_risk_id == parent.id)
        .where(RiskLink.kind == LinkKind.CONTRIBUTES_TO, child.status == RiskStatus.OPEN)
        .where(sa.or_(child.register_id.in_(list(wanted)), parent.register_id.in_(list(wanted))))
    )
    everything: dict[int, int] = defaultdict(int)
    unrestricted: dict[int, int] = defaultdict(int)
    informed: dict[int, set] = defaultdict(set)
    informed_unrestricted: dict[int, set] = defaultdict(set)
    width = len(_LINK_COLUMNS) + 1
    for row in connection.execute(query):
        child_register, parent_register = row[0], row[width]
        contributor, informed_risk = _Scored(*row[1:width]), _Scored(*row[width + 1 :])
        open_to_all = not contributor.restricted and not informed_risk.restricted
        for alert in link_rules.divergences(contributor, informed_risk, rules()):
            everything[child_register] += 1
            informed[parent_register].add((alert.parent_id, alert.kind))
            if open_to_all:
                unrestricted[child_register] += 1
                informed_unrestricted[parent_register].add((alert.parent_id, alert.kind))
    alerts: dict[tuple[int, bool], int] = {}
    for register_id in wanted:
        shown = unrestricted[register_id] + len(informed_unrestricted[register_id])
        total = everything[register_id] + len(informed[register_id])
        alerts[(register_id, False)] = shown
        alerts[(register_id, True)] = total - shown
    return alerts


def refresh(register_ids: Iterable[int], connection=None) -> None:
    """Recompute these registers' stored figures from the database, in the current transaction."""
    wanted = sorted({register_id for register_id in register_ids if register_id is not None})
    if not wanted:
        return
    connection = connection if connection is not None else db.session.connection()
    counts = _risk_counts(connection, wanted)
    alerts = _link_alerts(connection, wanted)
    table = RegisterFigure.__table__
    connection.execute(sa.delete(table).where(table.c.register_id.in_(wanted)))
    rows = []
    for register_id in wanted:
        for restricted in (False, True):
            open_risks, above = counts.get((register_id, restricted), [0, 0])
            rows.append(
                {
                    "register_id": register_id,
                    "restricted": restricted,
                    "open_risks": open_risks,
                    "above_appetite": above,
                    "link_alerts": alerts[(register_id, restricted)],
                }
            )
    connection.execute(sa.insert(table), rows)


def rebuild_all(batch: int = 200) -> int:
    """Every register's figures, recomputed (after a bulk load, an upgrade or a change to the appetite rules)."""
    from riskreg.models import Register

    register_ids = list(db.session.scalars(sa.select(Register.id).order_by(Register.id)))
    for start in range(0, len(register_ids), batch):
        refresh(register_ids[start : start + batch])
    return len(register_ids)


# Keeping them ---------------------------------------------------------------------------


def _linked_registers(connection, risk_ids: Collection[int]) -> set[int]:
    """Registers at the other end of these risks' links: a contributor's new score changes the alerts counted in
    the register of the risk it informs, and the other way round."""
    if not risk_ids:
        return set()
    ids = list(risk_ids)
    other = aliased(Risk)
    onward = sa.select(other.register_id).join(RiskLink, RiskLink.to_risk_id == other.id)
    back = sa.select(other.register_id).join(RiskLink, RiskLink.from_risk_id == other.id)
    query = sa.union(onward.where(RiskLink.from_risk_id.in_(ids)), back.where(RiskLink.to_risk_id.in_(ids)))
    return set(connection.execute(query).scalars())


def refresh_for_risks(risk_ids: Collection[int], register_ids: Iterable[int] = (), connection=None) -> None:
    """Refresh the registers of these risks, and of the risks linked to them."""
    connection = connection if connection is not None else db.session.connection()
    registers = set(register_ids)
    if risk_ids:
        registers |= set(connection.execute(sa.select(Risk.register_id).where(Risk.id.in_(list(risk_ids)))).scalars())
    refresh(registers | _linked_registers(connection, risk_ids), connection)


def _touched(session: Session) -> tuple[set[int], set[int]]:
    """(registers, risks) that this flush wrote: a risk's register before and after, and both ends of a link."""
    registers: set[int] = set()
    risk_ids: set[int] = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, Risk):
            registers.add(instance.register_id)
            history = inspect(instance).attrs.register_id.history
            registers.update(value for value in history.deleted or () if value is not None)
            if instance.id is not None and instance not in session.deleted:
                risk_ids.add(instance.id)
        elif isinstance(instance, RiskLink):
            risk_ids.update((instance.from_risk_id, instance.to_risk_id))
    return registers, risk_ids


@event.listens_for(Session, "after_flush")
def _note_touched(session: Session, _context) -> None:
    registers, risk_ids = _touched(session)
    if registers or risk_ids:
        pending = session.info.setdefault(PENDING, (set(), set()))
        pending[0].update(registers)
        pending[1].update(risk_ids)


@event.listens_for(Session, "after_flush_postexec")
def _refresh_touched(session: Session, _context) -> None:
    pending = session.info.pop(PENDING, None)
    if pending:
        registers, risk_ids = pending
        refresh_for_risks(risk_ids, registers, session.connection())


@risk_service.after_save
def risks_saved(saved: Sequence[Risk], _actor: User | None) -> None:
    """Risks written without the ORM (an import's bulk insert) reach the figures through the after-save work."""
    refresh_for_risks({risk.id for risk in saved}, {risk.register_id for risk in saved})
