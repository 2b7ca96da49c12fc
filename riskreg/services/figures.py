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

import functools
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, aliased

from riskreg.enums import LinkKind, RiskStatus
from riskreg.extensions import db
from riskreg.models import ContributorFigure, Register, RegisterFigure, Risk, RiskLink, User
from riskreg.rules import links as link_rules
from riskreg.rules import scoring
from riskreg.services import risks as risk_service
from riskreg.services.audit import trail as audit
from riskreg.services.registers import (
    RegisterFigures,
    above_appetite_expr,
    residual_score_expr,
    rules,
    tolerances_key,
)

PENDING = "riskreg.figures.pending"  # Session.info key: registers whose figures the flush made stale
DEFERRED = "riskreg.figures.deferred"  # Session.info key: set while ``deferred`` holds the refresh back
IDS_PER_QUERY = 10_000  # risk ids in one IN list (_linked_registers names each twice)
REGISTERS_PER_REFRESH = 200
_LINK_COLUMNS = ("id", "ref", "category", "status", "residual_l", "residual_i", "restricted", "register_id")


@dataclass(frozen=True)
class _Scored(link_rules.ScoredValues):
    id: int
    ref: str
    category: object
    status: RiskStatus
    residual_l: int
    residual_i: int
    restricted: bool
    register_id: int


# Reading --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Split:
    """A register's figures over its unrestricted risks, and the extra its restricted risks add."""

    unrestricted: RegisterFigures
    restricted: RegisterFigures

    def seen(self, with_restricted: bool) -> RegisterFigures:
        if not with_restricted:
            return self.unrestricted
        plain, extra = self.unrestricted, self.restricted  # field by field: asked once a row of the registers index
        return RegisterFigures(
            plain.open_risks + extra.open_risks,
            plain.above_appetite + extra.above_appetite,
            plain.reviews_overdue + extra.reviews_overdue,
            plain.link_alerts + extra.link_alerts,
        )


_STORED = ("open_risks", "above_appetite", "link_alerts")
# The day reviews are overdue from, a parameter rather than a literal so that a query made with figure_columns can
# be built once and run on any day (``on_day``): building the registers index's query cost more than running it.
TODAY = sa.bindparam("figures_today", type_=sa.Date)


def on_day(today: date) -> dict[str, date]:
    """The parameters a query made with ``figure_columns`` runs with."""
    return {TODAY.key: today}


def figure_columns(register_id) -> tuple[list, list]:
    """(columns, outer joins) that add a register's stored figures and its reviews overdue (on the day given by
    ``on_day``) to a query over ``register_id``'s table: one query with the rest of a page (``split`` reads them
    back). A register whose rows are missing (an upgraded database, a register without risks yet) has NULLs, which
    ``split`` reports."""
    plain, extra = aliased(RegisterFigure), aliased(RegisterFigure)
    overdue = (
        sa.select(
            Risk.register_id.label("register_id"),
            sa.func.count().filter(Risk.restricted.is_(False)).label("plain"),
            sa.func.count().filter(Risk.restricted.is_(True)).label("extra"),
        )
        .where(Risk.status == RiskStatus.OPEN, Risk.next_review_on < TODAY)
        .group_by(Risk.register_id)
        .subquery()
    )
    columns = [
        *(getattr(plain, name) for name in _STORED),
        *(getattr(extra, name) for name in _STORED),
        overdue.c.plain,
        overdue.c.extra,
    ]
    joins = [
        (plain, sa.and_(plain.register_id == register_id, plain.restricted.is_(False))),
        (extra, sa.and_(extra.register_id == register_id, extra.restricted.is_(True))),
        (overdue, overdue.c.register_id == register_id),
    ]
    return columns, joins


def split(values: Sequence) -> Split | None:
    """The figures from ``figure_columns``' values (in order), or None when the register has no stored rows."""
    (open_a, above_a, alerts_a, open_b, above_b, alerts_b, overdue_a, overdue_b) = values
    if open_a is None or open_b is None:
        return None
    return Split(
        RegisterFigures(open_a, above_a, overdue_a or 0, alerts_a),
        RegisterFigures(open_b, above_b, overdue_b or 0, alerts_b),
    )


def fill_missing(register_ids: Collection[int], today: date) -> dict[int, Split]:
    """Compute and store the figures of registers that have no rows yet (right after ``db upgrade``, or a
    register whose first risk has not been written), so that whoever reads first fills them and later reads find
    them. Returns them either way: when another request stored them first, or the write cannot be made now (a
    SQLite reader whose snapshot is out of date), this request shows what it computed and stores nothing."""
    wanted = sorted(set(register_ids))
    if not wanted:
        return {}
    connection = db.session.connection()
    rows = _computed(connection, wanted)
    try:
        with db.session.begin_nested():
            if connection.dialect.name == "postgresql":
                _take_turns(connection)
            table = RegisterFigure.__table__
            present = set(connection.scalars(sa.select(table.c.register_id).where(table.c.register_id.in_(wanted))))
            missing = [row for row in rows if row["register_id"] not in present]
            if missing:
                connection.execute(sa.insert(table), missing)
    except sa.exc.DBAPIError:
        pass  # stored by someone else meanwhile, or not writable now: the next read stores them
    overdue = _overdue(connection, wanted, today)
    found: dict[int, dict[bool, RegisterFigures]] = defaultdict(dict)
    for row in rows:
        key = (row["register_id"], row["restricted"])
        found[row["register_id"]][row["restricted"]] = RegisterFigures(
            row["open_risks"], row["above_appetite"], overdue.get(key, 0), row["link_alerts"]
        )
    return {register_id: Split(both[False], both[True]) for register_id, both in found.items()}


def _overdue(connection, register_ids: Collection[int], today: date) -> dict[tuple[int, bool], int]:
    query = (
        sa.select(Risk.register_id, Risk.restricted, sa.func.count())
        .where(Risk.status == RiskStatus.OPEN, Risk.next_review_on < today, Risk.register_id.in_(list(register_ids)))
        .group_by(Risk.register_id, Risk.restricted)
    )
    return {(register_id, bool(restricted)): count for register_id, restricted, count in connection.execute(query)}


def stored(today: date, restricted_visible: Collection[int]) -> dict[int, RegisterFigures]:
    """Every register's figures as the reader may see them: one query however many risks there are.
    ``restricted_visible``: the registers whose restricted risks the reader may read (the view asks the policy);
    their restricted rows are added to their unrestricted ones."""
    columns, joins = figure_columns(Register.id)
    query = sa.select(Register.id, *columns)
    for target, on in joins:
        query = query.outerjoin(target, on)
    found: dict[int, Split] = {}
    missing = []
    for register_id, *values in db.session.execute(query, on_day(today)):
        figures = split(values)
        if figures is None:
            missing.append(register_id)
        else:
            found[register_id] = figures
    found.update(fill_missing(missing, today))
    visible = set(restricted_visible)
    return {register_id: figures.seen(register_id in visible) for register_id, figures in found.items()}


# Computing ------------------------------------------------------------------------------


def _risk_counts(connection, register_ids: Collection[int]) -> dict[tuple[int, bool], list[int]]:
    wanted = sorted(register_ids)
    current = rules()
    overridden = {register_id for ids in scoring.tolerance_exceptions(current).values() for register_id in ids}
    query = _risk_counts_query(tolerances_key(current), tuple(i for i in wanted if i in overridden))
    return {
        (register, bool(restricted)): [count, int(above or 0)]
        for register, restricted, count, above in connection.execute(query, {"registers": wanted})
    }


@functools.lru_cache(maxsize=32)
def _risk_counts_query(tolerances: tuple, overridden: tuple[int, ...]) -> sa.Select:
    """``_risk_counts``' query, built once for the tolerances in force (``tolerances_key``) and the registers read
    that have an appetite of their own (their CASE lists only those): every flush that writes a risk counts its
    register, and building the CASE cost more than running it. ``registers``: the ids, a parameter."""
    return (
        sa.select(
            Risk.register_id,
            Risk.restricted,
            sa.func.count(),
            sa.func.sum(sa.case((above_appetite_expr(within=overridden), 1), else_=0)),
        )
        .where(Risk.status == RiskStatus.OPEN, Risk.register_id.in_(sa.bindparam("registers", expanding=True)))
        .group_by(Risk.register_id, Risk.restricted)
    )


def _link_alerts(connection, register_ids: Collection[int]) -> dict[tuple[int, bool], int]:
    """Link alerts per register, as the registers index has always counted them (each contributor's alerts in its
    register; in the register of the risk informed, one per risk and reason), split into those between
    unrestricted risks (False) and the extra ones that involve a restricted risk (True)."""
    wanted = set(register_ids)
    everything: dict[int, int] = defaultdict(int)
    unrestricted: dict[int, int] = defaultdict(int)
    informed: dict[int, set] = defaultdict(set)
    informed_unrestricted: dict[int, set] = defaultdict(set)
    width = len(_LINK_COLUMNS) + 1
    for row in connection.execute(_link_alerts_query(), {"registers": sorted(wanted)}):
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


@functools.cache
def _link_alerts_query() -> sa.Select:
    """``_link_alerts``' query, built once (``registers``: the ids, a parameter): building it (two aliases of the
    risk table) cost SQLAlchemy twice what running it did, on every flush that writes a risk."""
    child, parent = aliased(Risk), aliased(Risk)
    registers = sa.bindparam("registers", expanding=True)
    return (
        sa.select(
            child.register_id,
            *(getattr(child, name) for name in _LINK_COLUMNS),
            parent.register_id,
            *(getattr(parent, name) for name in _LINK_COLUMNS),
        )
        .join(RiskLink, RiskLink.from_risk_id == child.id)
        .join(parent, RiskLink.to_risk_id == parent.id)
        .where(RiskLink.kind == LinkKind.CONTRIBUTES_TO, child.status == RiskStatus.OPEN)
        .where(sa.or_(child.register_id.in_(registers), parent.register_id.in_(registers)))
    )


def _computed(connection, wanted: Sequence[int]) -> list[dict]:
    """The ``register_figure`` rows of these registers, counted from their risks and links now."""
    counts = _risk_counts(connection, wanted)
    alerts = _link_alerts(connection, wanted)
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
    return rows


def _take_turns(connection) -> None:
    """On PostgreSQL, wait for any other transaction that writes figures (or the audit trail) to end.

    Transactions that recount figures take turns, each holding the lock until it ends: two people saving risks of
    one register at once both deleted its rows and both inserted them (the second insert failed on the key), and
    each counted without the other's risk. Waiting here, the second counts after the first has committed. It is
    the audit trail's lock: nearly every write takes that one too, and two locks taken in different orders by
    different writes (a link removed audits first, a risk saved recounts first) would deadlock them. (SQLite
    writers already take turns: riskreg/database.py.)"""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(audit.WRITE_LOCK_KEY)))


def refresh(register_ids: Iterable[int], connection=None) -> None:
    """Recompute these registers' stored figures from the database, in the current transaction."""
    wanted = sorted({register_id for register_id in register_ids if register_id is not None})
    if not wanted:
        return
    connection = connection if connection is not None else db.session.connection()
    _take_turns(connection)
    rows = _computed(connection, wanted)
    table = RegisterFigure.__table__
    connection.execute(sa.delete(table).where(table.c.register_id.in_(wanted)))
    connection.execute(sa.insert(table), rows)
    forget, store = _contributor_statements(tolerances_key(rules()))
    connection.execute(forget, {"registers": wanted})
    connection.execute(store, {"registers": wanted})


# What the open risks contributing to each risk add up to (``contributor_figure``: the committee page) -----------


def contributor_figures_select() -> sa.Select:
    """Per risk informed, its open contributors' count, highest residual score and whether any is above its own
    appetite; a risk whose contributors are all closed has a row of (0, None, false). Rows for the risks in
    ``parents`` (a subquery or an expanding parameter) are asked for with ``.where(RiskLink.to_risk_id.in_(...))``."""
    child = aliased(Risk)
    return (
        sa.select(
            RiskLink.to_risk_id,
            sa.func.count(child.id),
            sa.func.max(residual_score_expr(child)),
            sa.func.max(sa.case((sa.and_(child.id.is_not(None), above_appetite_expr(risk=child)), 1), else_=0)) == 1,
        )
        .select_from(RiskLink)
        .outerjoin(child, sa.and_(child.id == RiskLink.from_risk_id, child.status == RiskStatus.OPEN))
        .where(RiskLink.kind == LinkKind.CONTRIBUTES_TO)
        .group_by(RiskLink.to_risk_id)
    )


@functools.lru_cache(maxsize=8)
def _contributor_statements(tolerances: tuple) -> tuple[sa.Delete, sa.Insert]:
    """Forget and store again the contributor figures that a change in ``registers`` may move: those of the risks in
    them (a risk whose last contributor was unlinked keeps no row) and of the risks theirs contribute to. Built once
    for the tolerances in force (``tolerances_key``): the CASE of ``above_appetite_expr`` is written into them."""
    registers = sa.bindparam("registers", expanding=True)
    child = aliased(Risk)
    touched = sa.union(
        sa.select(Risk.id).where(Risk.register_id.in_(registers)),
        sa.select(RiskLink.to_risk_id)
        .join(child, child.id == RiskLink.from_risk_id)
        .where(RiskLink.kind == LinkKind.CONTRIBUTES_TO, child.register_id.in_(registers)),
    )
    table = ContributorFigure.__table__
    forget = sa.delete(table).where(table.c.risk_id.in_(touched))
    counted = contributor_figures_select().where(RiskLink.to_risk_id.in_(touched))
    store = sa.insert(table).from_select(["risk_id", "open_contributors", "highest", "any_above_appetite"], counted)
    return forget, store


def rebuild_all(batch: int = REGISTERS_PER_REFRESH) -> int:
    """Every register's figures, recomputed (after a bulk load, an upgrade or a change to the appetite rules)."""
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
    return set(connection.execute(_linked_registers_query(), {"risks": list(risk_ids)}).scalars())


@functools.cache
def _linked_registers_query() -> sa.Select:
    """Built once, as ``_link_alerts_query`` (``risks``: the ids)."""
    other = aliased(Risk)
    risks = sa.bindparam("risks", expanding=True)
    onward = sa.select(other.register_id).join(RiskLink, RiskLink.to_risk_id == other.id)
    back = sa.select(other.register_id).join(RiskLink, RiskLink.from_risk_id == other.id)
    return sa.union(onward.where(RiskLink.from_risk_id.in_(risks)), back.where(RiskLink.to_risk_id.in_(risks)))


def refresh_for_risks(risk_ids: Collection[int], register_ids: Iterable[int] = (), connection=None) -> None:
    """Refresh the registers of these risks, and of the risks linked to them."""
    connection = connection if connection is not None else db.session.connection()
    registers = set(register_ids)
    ids = sorted(risk_ids)
    for start in range(0, len(ids), IDS_PER_QUERY):  # a query takes at most 65,535 parameters (PostgreSQL)
        chunk = ids[start : start + IDS_PER_QUERY]
        registers |= set(connection.execute(sa.select(Risk.register_id).where(Risk.id.in_(chunk))).scalars())
        registers |= _linked_registers(connection, chunk)
    wanted = sorted(registers)
    for start in range(0, len(wanted), REGISTERS_PER_REFRESH):
        refresh(wanted[start : start + REGISTERS_PER_REFRESH], connection)


def _touched(session: Session) -> tuple[set[int], set[int]]:
    """(registers, risks) that this flush wrote: a risk's register before and after, both ends of a link, and a new
    register."""
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
        elif isinstance(instance, Register) and instance in session.new:
            registers.add(instance.id)  # its rows from the start: a register without them is one never counted
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
    if session.info.get(DEFERRED):
        return
    pending = session.info.pop(PENDING, None)
    if pending:
        registers, risk_ids = pending
        refresh_for_risks(risk_ids, registers, session.connection())


@contextmanager
def deferred(session: Session | None = None) -> Iterator[None]:
    """Refresh the figures once, when the block ends, for everything its flushes touched.

    For writers that flush many times over the same registers (the demo's seeding, a test's set-up): each flush
    would otherwise recompute the registers it touched, about 9 ms each. Nothing inside the block may read the
    figures it is changing. Nested blocks refresh when the outermost ends; an error discards the pending work
    with the transaction it belongs to."""
    session = session or db.session()
    if session.info.get(DEFERRED):
        yield
        return
    session.info[DEFERRED] = True
    try:
        yield
        session.flush()
    except BaseException:
        session.info.pop(PENDING, None)
        raise
    finally:
        session.info.pop(DEFERRED, None)
    pending = session.info.pop(PENDING, None)
    if pending:
        registers, risk_ids = pending
        connection = session.connection()
        # A register written and then rolled back inside the block (a savepoint) has no figures to keep.
        existing = set(connection.execute(sa.select(Register.id).where(Register.id.in_(sorted(registers)))).scalars())
        refresh_for_risks(risk_ids, existing, connection)


@risk_service.after_save(risk_service.Stage.FIGURES)
def risks_saved(saved: Sequence[Risk], _actor: User | None) -> None:
    """Risks written without the ORM (an import's bulk insert) reach the figures through the after-save work."""
    refresh_for_risks({risk.id for risk in saved}, {risk.register_id for risk in saved})
