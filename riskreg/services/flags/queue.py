"""Reading flags: HQ's ranked queue, one flag with its conversation, the flags on a risk or on someone's risks,
and the register health table. Each in a fixed number of queries, however many flags there are."""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from riskreg.enums import FlagKind, FlagStatus, Role
from riskreg.extensions import db
from riskreg.models import Flag, FlagComment, Register, RegisterHealth, Risk, Unit, User
from riskreg.rules import flags as flag_rules
from riskreg.services import NotFoundError
from riskreg.services import registers as registers_service
from riskreg.services.registers import Page, page_within

LIVE = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)
# The status filter's choices: "live" (open or acknowledged, the default), each status, or everything.
STATUS_CHOICES = ("live", *(status.value for status in FlagStatus), "all")
OWNER_ROLES = (Role.RISK_MANAGER, Role.UNIT_HEAD)


def _with_risks(query):
    return query.options(
        joinedload(Flag.risk).joinedload(Risk.register).joinedload(Register.unit),
        joinedload(Flag.other_risk).joinedload(Risk.register).joinedload(Register.unit),
    )


def get_flag(flag_id: int) -> Flag:
    flag = db.session.scalar(
        _with_risks(sa.select(Flag).where(Flag.id == flag_id)).options(
            joinedload(Flag.risk).joinedload(Risk.owner),
            joinedload(Flag.other_risk).joinedload(Risk.owner),
            joinedload(Flag.raised_by),
            joinedload(Flag.acknowledged_by),
            joinedload(Flag.resolved_by),
        )
    )
    if flag is None:
        raise NotFoundError()
    return flag


def comments_on(flag: Flag) -> list[FlagComment]:
    """The conversation about a flag, oldest first (it reads as a thread)."""
    return list(
        db.session.scalars(
            sa.select(FlagComment)
            .where(FlagComment.flag_id == flag.id)
            .options(joinedload(FlagComment.author))
            .order_by(FlagComment.created_at, FlagComment.id)
        )
    )


def comment_counts(flag_ids: Collection[int]) -> dict[int, int]:
    if not flag_ids:
        return {}
    rows = db.session.execute(
        sa.select(FlagComment.flag_id, sa.func.count())
        .where(FlagComment.flag_id.in_(list(flag_ids)))
        .group_by(FlagComment.flag_id)
    )
    return dict(rows.tuples().all())


# HQ's queue ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    kind: FlagKind | None = None
    register_code: str | None = None  # either risk's register, for a duplicate
    status: str = "live"


def severity_order():
    return sa.case(*[(Flag.kind == kind, rank) for kind, rank in flag_rules.SEVERITY.items()], else_=0)


def above_appetite_order() -> sa.ColumnElement:
    """1 when the flag's risk is scored above its appetite (its unit's, for its category), else 0: the consequence
    HQ ranks by."""
    above = sa.select(Risk.id).where(registers_service.above_appetite_expr(uncategorised=0))
    return sa.case((Flag.risk_id.in_(above), 1), else_=0)


def _filtered(filters: QueueFilters) -> sa.Select:
    query = sa.select(Flag)
    if filters.status == "live":
        query = query.where(Flag.status.in_(LIVE))
    elif filters.status != "all":
        query = query.where(Flag.status == FlagStatus(filters.status))
    if filters.kind is not None:
        query = query.where(Flag.kind == filters.kind)
    if filters.register_code:
        in_register = (
            sa.select(Risk.id)
            .join(Register, Register.id == Risk.register_id)
            .join(Unit, Unit.id == Register.unit_id)
            .where(Unit.code == filters.register_code.upper())
        )
        query = query.where(sa.or_(Flag.risk_id.in_(in_register), Flag.other_risk_id.in_(in_register)))
    return query


def queue(filters: QueueFilters, page: int, page_size: int) -> Page:
    """Flags ranked by consequence: on risks above appetite first, then the stalest risks, each risk's flags
    together (a pair flag sits with its lower risk), the most serious kind first, the oldest first."""
    query = _filtered(filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = page_within(page, total, page_size)
    items = db.session.scalars(
        _with_risks(query)
        .order_by(
            above_appetite_order().desc(),
            Flag.staleness.desc(),
            Flag.risk_id,
            severity_order().desc(),
            Flag.raised_at,
            Flag.id,
        )
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return Page(list(items), total, page, page_size)


def live_counts_by_kind() -> dict[FlagKind, int]:
    rows = db.session.execute(
        sa.select(Flag.kind, sa.func.count()).where(Flag.status.in_(LIVE)).group_by(Flag.kind)
    ).tuples()
    return dict(rows.all())


# Flags for the register owners ----------------------------------------------------------------------------


def flags_on_risk(risk: Risk) -> list[Flag]:
    """Every flag on the risk (as either risk of a duplicate), the ones waiting for a decision first."""
    live_first = sa.case((Flag.status.in_(LIVE), 0), else_=1)
    return list(
        db.session.scalars(
            _with_risks(sa.select(Flag).where(sa.or_(Flag.risk_id == risk.id, Flag.other_risk_id == risk.id)))
            .order_by(live_first, severity_order().desc(), Flag.id.desc())
            .limit(50)
        )
    )


def _owned_by(user: User):
    """Risks the user owns, or in the registers of units where they are a risk manager or unit head."""
    units = [assignment.unit_id for assignment in user.roles if assignment.role in OWNER_ROLES]
    return sa.select(Risk.id).where(sa.or_(Risk.owner_id == user.id, Risk.register.has(Register.unit_id.in_(units))))


def owner_counts_by_kind(user: User) -> dict[FlagKind, int]:
    """How many open and acknowledged flags of each kind are on the user's risks: the home page's summary."""
    owned = _owned_by(user)
    query = (
        sa.select(Flag.kind, sa.func.count())
        .where(Flag.status.in_(LIVE), sa.or_(Flag.risk_id.in_(owned), Flag.other_risk_id.in_(owned)))
        .group_by(Flag.kind)
    )
    counts = dict(db.session.execute(query).tuples().all())
    return {kind: counts[kind] for kind in sorted(counts, key=lambda kind: -flag_rules.SEVERITY.get(kind, 0))}


def flags_for_owner(user: User, limit: int = 20) -> tuple[list[Flag], int]:
    """Open and acknowledged flags on the user's risks (their own, or their registers'), most serious first,
    and how many there are in all."""
    owned = _owned_by(user)
    query = sa.select(Flag).where(Flag.status.in_(LIVE), sa.or_(Flag.risk_id.in_(owned), Flag.other_risk_id.in_(owned)))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    flags = db.session.scalars(
        _with_risks(query).order_by(severity_order().desc(), Flag.staleness.desc(), Flag.id).limit(limit)
    ).all()
    return list(flags), total


# Register health ------------------------------------------------------------------------------------------


@dataclass
class HealthRow:
    register: Register
    latest: RegisterHealth
    history: list[RegisterHealth]  # oldest first, the latest last

    @property
    def trend(self) -> str:
        return flag_rules.health_trend([row.score for row in self.history])

    @property
    def previous(self) -> RegisterHealth | None:
        return self.history[-2] if len(self.history) > 1 else None


def health_table(snapshots: int = 6) -> list[HealthRow]:
    """Each register's latest stored health with the few before it, least healthy first. Two queries."""
    position = sa.func.row_number().over(
        partition_by=RegisterHealth.register_id, order_by=RegisterHealth.taken_on.desc()
    )
    ranked = sa.select(RegisterHealth.id, position.label("n")).subquery()
    rows = db.session.scalars(
        sa.select(RegisterHealth)
        .join(ranked, ranked.c.id == RegisterHealth.id)
        .where(ranked.c.n <= snapshots)
        .order_by(RegisterHealth.register_id, RegisterHealth.taken_on)
    )
    history: dict[int, list[RegisterHealth]] = defaultdict(list)
    for row in rows:
        history[row.register_id].append(row)
    registers = (
        db.session.scalars(
            sa.select(Register).where(Register.id.in_(list(history))).options(joinedload(Register.unit))
        ).all()
        if history
        else []
    )
    table = [HealthRow(register, history[register.id][-1], history[register.id]) for register in registers]
    return sorted(table, key=lambda row: (row.latest.score, row.register.unit.code))
