"""Table groups: risks with their countermeasures, and two years of reviews.

Each risk lives on the timeline: created (with its countermeasures), reviewed on
the cadence of its residual band with some slippage, sometimes left to go stale,
sometimes closed. Rows and audit events match what riskreg.services.risks writes
for the same actions, so the pages and the audit check see ordinary data.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from bench.context import Context
from bench.organisation import UnitSpec
from riskreg.demo import content
from riskreg.enums import ControlFrequency, CountermeasureStatus, ReviewOutcome, UnitKind
from riskreg.extensions import db
from riskreg.rules import scoring
from riskreg.rules.audit_chain import diff
from riskreg.services.risks import COUNTERMEASURE_FIELDS, RISK_FIELDS

RISK_COLUMNS = (
    "id",
    "register_id",
    "ref",
    "title",
    "cause",
    "event",
    "consequence",
    "category",
    "objective",
    "owner_id",
    "influence",
    "inherent_l",
    "inherent_i",
    "residual_l",
    "residual_i",
    "target_l",
    "target_i",
    "status",
    "closed_reason",
    "restricted",
    "review_frequency_days",
    "next_review_on",
    "last_reviewed_on",
    "created_at",
    "updated_at",
    "version",
)
FREQUENCIES = [frequency.value for frequency in ControlFrequency]
# The service's audited fields, so a field added there is generated here too.
COUNTERMEASURE_COLUMNS = ("id", "risk_id", *COUNTERMEASURE_FIELDS, "created_at")
REVIEW_COLUMNS = (
    "id",
    "risk_id",
    "reviewed_on",
    "reviewer_id",
    "residual_l",
    "residual_i",
    "commentary",
    "outcome",
    "created_at",
)
# What a review, a closure and the passing of time change on a risk row.
FINAL_COLUMNS = (
    "residual_l",
    "residual_i",
    "status",
    "closed_reason",
    "review_frequency_days",
    "next_review_on",
    "last_reviewed_on",
    "updated_at",
    "version",
)

THEMES = {
    UnitKind.HEADQUARTERS: content.CORPORATE_RISKS,
    UnitKind.AREA: content.LOCAL_RISKS,
    UnitKind.DIVISION: content.DIVISION_RISKS + content.LOCAL_RISKS,
    UnitKind.UNIT: content.DIVISION_RISKS + content.LOCAL_RISKS,
}
# A register restates a theme for different parts of its work once the themes run out.
ASPECTS = [
    "Crown Court",
    "magistrates' courts",
    "youth cases",
    "rape and serious sexual offences",
    "fraud",
    "domestic abuse",
    "hate crime",
    "out of hours",
    "appeals",
    "proceeds of crime",
]
GENERIC_COUNTERMEASURES = [("Quarterly assurance reporting to the board", "directive")]
CLOSE_REASONS = ["The cause has been removed", "Merged into a corporate risk", "Tolerated: now within appetite"]
OUTCOMES = [ReviewOutcome.CONTINUE] * 6 + [ReviewOutcome.FURTHER_ACTION] * 2 + [ReviewOutcome.ESCALATE]

SHARE_CREATED_LATER = 0.15  # added during the two years rather than when the register was set up
SHARE_STALE = 0.2  # reviews stopped some months ago: overdue now
SHARE_CLOSED = 0.04
SHARE_RESTRICTED = 0.03
SHARE_WITHOUT_COUNTERMEASURES = 0.1
SHARE_SIGNED_IN_FIRST = 0.5  # a review that was the first thing someone did after signing in


@dataclass(slots=True)
class RiskLife:
    """A risk's changing state as the timeline moves; the rest of its row was written when it was created."""

    id: int
    ref: str
    organisation: int
    register_id: int
    owner_id: int
    manager_id: int
    inherent_l: int
    residual_l: int
    residual_i: int
    review_frequency_days: int
    next_review_on: date
    stop_on: date
    close_on: date | None
    updated_at: datetime
    snapshot: dict | None  # the risk.created event's contents, until it has been written
    countermeasures: list | None  # (id, countermeasure.added contents), likewise
    last_reviewed_on: date | None = None
    version: int = 1
    status: str = "open"
    closed_reason: str | None = None

    def final_row(self) -> tuple:
        return (
            self.residual_l,
            self.residual_i,
            self.status,
            self.closed_reason,
            self.review_frequency_days,
            self.next_review_on,
            self.last_reviewed_on,
            self.updated_at,
            self.version,
        )


def risks(ctx: Context) -> None:
    """Every register's risks and their countermeasures; each risk's life is put on the timeline."""
    for unit in ctx.units:
        themes = THEMES[unit.kind]
        order = ctx.rng.sample(range(len(themes)), len(themes))
        for number in range(1, ctx.scale.risks_per_register + 1):
            theme = themes[order[(number - 1) % len(themes)]]
            repeat = (number - 1) // len(themes)
            life = _risk(ctx, unit, number, theme, repeat)
            ctx.lives.append(life)
            ctx.timeline.schedule(life.updated_at, _created, (ctx, life))


def _ratings(ctx: Context) -> dict[str, int]:
    rng = ctx.rng
    inherent_l, inherent_i = rng.randint(2, 5), rng.randint(2, 5)
    residual_l = max(1, inherent_l - rng.randint(0, 2))
    residual_i = max(1, inherent_i - rng.randint(0, 1))
    return {
        "inherent_l": inherent_l,
        "inherent_i": inherent_i,
        "residual_l": residual_l,
        "residual_i": residual_i,
        "target_l": max(1, residual_l - rng.randint(0, 2)),
        "target_i": max(1, residual_i - rng.randint(0, 1)),
    }


def _created_on(ctx: Context) -> date:
    rng = ctx.rng
    if rng.random() < SHARE_CREATED_LATER:
        return ctx.start + timedelta(days=rng.randint(60, (ctx.today - ctx.start).days - 30))
    return ctx.start + timedelta(days=rng.randint(-30, 60))


def _risk(ctx: Context, unit: UnitSpec, number: int, theme: tuple, repeat: int) -> RiskLife:
    rng = ctx.rng
    title, cause, event, consequence, category, objective, influence = theme
    if repeat:
        title = f"{title}: {ASPECTS[(repeat - 1) % len(ASPECTS)]}"
    staff = ctx.staff[unit.id]
    created_on = _created_on(ctx)
    created_at = ctx.moment(created_on)
    values = {
        "title": title,
        "cause": cause,
        "event": event,
        "consequence": consequence,
        "category": category,
        "objective": objective,
        "owner_id": rng.choice(staff.owners),
        "influence": influence,
        **_ratings(ctx),
        "restricted": rng.random() < SHARE_RESTRICTED,
    }
    interval = scoring.review_interval(values["residual_l"] * values["residual_i"])
    life = RiskLife(
        id=ctx.timeline.next_id("risk"),
        ref=f"{unit.code}-{number:03d}",
        organisation=unit.organisation,
        register_id=unit.register_id,
        owner_id=values["owner_id"],
        manager_id=staff.manager,
        inherent_l=values["inherent_l"],
        residual_l=values["residual_l"],
        residual_i=values["residual_i"],
        review_frequency_days=interval.days,
        next_review_on=created_on + interval,
        stop_on=_stop_on(ctx),
        close_on=_close_on(ctx, created_on),
        updated_at=created_at,
        snapshot={name: values[name] for name in RISK_FIELDS},
        countermeasures=[],
    )
    row = {
        **values,
        "id": life.id,
        "register_id": unit.register_id,
        "ref": life.ref,
        "status": "open",
        "closed_reason": None,
        "review_frequency_days": interval.days,
        "next_review_on": life.next_review_on,
        "last_reviewed_on": None,
        "created_at": created_at,
        "updated_at": created_at,
        "version": 1,
    }
    ctx.sink.add("risk", tuple(row[name] for name in RISK_COLUMNS))
    _countermeasures(ctx, life, category, created_on, created_at)
    return life


def _stop_on(ctx: Context) -> date:
    if ctx.rng.random() < SHARE_STALE:
        return ctx.today - timedelta(days=ctx.rng.randint(45, 300))
    # Up to yesterday: nothing the generator writes is later than the moment it runs.
    return ctx.today - timedelta(days=1)


def _close_on(ctx: Context, created_on: date) -> date | None:
    if ctx.rng.random() >= SHARE_CLOSED:
        return None
    latest = (ctx.today - created_on).days - 1
    return created_on + timedelta(days=ctx.rng.randint(min(60, latest), latest)) if latest > 0 else None


def _countermeasures(ctx: Context, life: RiskLife, category: str, created_on: date, created_at: datetime) -> None:
    rng = ctx.rng
    if rng.random() < SHARE_WITHOUT_COUNTERMEASURES:
        return
    options = content.COUNTERMEASURES.get(category, GENERIC_COUNTERMEASURES)
    for title, kind in rng.sample(options, k=min(len(options), rng.randint(1, 3))):
        planned = rng.random() < 0.25
        values = {
            "title": title,
            "description": "",
            "kind": kind,
            "owner_id": life.owner_id,
            "status": CountermeasureStatus.PLANNED.value if planned else CountermeasureStatus.IN_PLACE.value,
            "due_on": ctx.today + timedelta(days=rng.randint(-120, 150)) if planned else None,
            "implemented_on": None if planned else created_on,
            "frequency": rng.choice(FREQUENCIES),
            "progress": "",
        }
        countermeasure_id = ctx.timeline.next_id("countermeasure")
        row = tuple(values[name] for name in COUNTERMEASURE_FIELDS)
        ctx.sink.add("countermeasure", (countermeasure_id, life.id, *row, created_at))
        life.countermeasures.append((countermeasure_id, {name: values[name] for name in COUNTERMEASURE_FIELDS}))


def _created(timeline, at: datetime, state: tuple) -> None:
    ctx, life = state
    timeline.audit(at, life.manager_id, "risk.created", "risk", life.id, life.snapshot, risk_id=life.id)
    for countermeasure_id, values in life.countermeasures:
        timeline.audit(
            at, life.manager_id, "countermeasure.added", "countermeasure", countermeasure_id, values, risk_id=life.id
        )
    life.snapshot = life.countermeasures = None
    _touch(ctx, life, at)
    _schedule_next(ctx, life)


def _schedule_next(ctx: Context, life: RiskLife) -> None:
    reviewed_on = life.next_review_on + timedelta(days=ctx.rng.randint(-5, 10))
    if life.close_on is not None and reviewed_on >= life.close_on:
        ctx.timeline.schedule(ctx.moment(life.close_on), _closed, (ctx, life))
    elif reviewed_on <= life.stop_on:
        ctx.timeline.schedule(ctx.moment(reviewed_on), _reviewed, (ctx, life))


def _reviewed(timeline, at: datetime, state: tuple) -> None:
    """As riskreg.services.risks.record_review: the review row, the risk moved on, one audit event."""
    ctx, life = state
    rng = ctx.rng
    reviewer = life.owner_id if rng.random() < 0.8 else life.manager_id
    if rng.random() < SHARE_SIGNED_IN_FIRST:
        timeline.audit(at, reviewer, "user.signed_in", "user", reviewer, {})
    before = _review_fields(life)
    life.residual_l = min(life.inherent_l, max(1, life.residual_l + rng.choice((-1, 0, 0, 0, 1))))
    if rng.random() < 0.1:
        life.residual_i = min(5, max(1, life.residual_i + rng.choice((-1, 1))))
    reviewed_on = at.date()
    interval = scoring.review_interval(life.residual_l * life.residual_i)
    life.last_reviewed_on, life.next_review_on = reviewed_on, reviewed_on + interval
    life.review_frequency_days = interval.days
    life.version += 1
    outcome = rng.choice(OUTCOMES).value
    review_id = timeline.next_id("review")
    timeline.sink.add(
        "review",
        (
            review_id,
            life.id,
            reviewed_on,
            reviewer,
            life.residual_l,
            life.residual_i,
            rng.choice(content.REVIEW_COMMENTS),
            outcome,
            at,
        ),
    )
    changes = diff(before, _review_fields(life))
    changes["outcome"] = [None, outcome]
    timeline.audit(at, reviewer, "review.recorded", "review", review_id, changes, risk_id=life.id)
    _touch(ctx, life, at)
    _schedule_next(ctx, life)


def _review_fields(life: RiskLife) -> dict:
    return {
        "residual_l": life.residual_l,
        "residual_i": life.residual_i,
        "next_review_on": life.next_review_on,
        "last_reviewed_on": life.last_reviewed_on,
    }


def _closed(timeline, at: datetime, state: tuple) -> None:
    ctx, life = state
    reason = ctx.rng.choice(CLOSE_REASONS)
    life.status, life.closed_reason = "closed", reason
    life.version += 1
    timeline.audit(
        at,
        life.manager_id,
        "risk.closed",
        "risk",
        life.id,
        {"status": ["open", "closed"], "reason": reason},
        risk_id=life.id,
    )
    _touch(ctx, life, at)


def _touch(ctx: Context, life: RiskLife, at: datetime) -> None:
    life.updated_at = at
    ctx.register_touched[life.register_id] = at


def final_state(ctx: Context) -> None:
    """Write what two years of reviews and closures left on each risk and register."""
    connection = ctx.sink.connection
    ctx.sink.flush()
    rows = [(life.id, *life.final_row()) for life in ctx.lives]
    if connection.dialect.name == "postgresql":
        _update_from_copy(connection, rows)
    else:
        risk = db.metadata.tables["risk"]
        statement = sa.update(risk).where(risk.c.id == sa.bindparam("risk_id"))
        for start in range(0, len(rows), 20_000):
            connection.execute(
                statement,
                [
                    {"risk_id": row[0], **dict(zip(FINAL_COLUMNS, row[1:], strict=True))}
                    for row in rows[start : start + 20_000]
                ],
            )
    register = db.metadata.tables["register"]
    touched = [{"register_id": key, "updated_at": at} for key, at in ctx.register_touched.items()]
    if touched:
        connection.execute(sa.update(register).where(register.c.id == sa.bindparam("register_id")), touched)


def _update_from_copy(connection: sa.Connection, rows: list[tuple]) -> None:
    connection.execute(
        sa.text(
            "CREATE TEMPORARY TABLE bench_risk_final (id integer PRIMARY KEY, residual_l integer, residual_i integer, "
            "status varchar(32), closed_reason text, review_frequency_days integer, next_review_on date, "
            "last_reviewed_on date, updated_at timestamp, version integer) ON COMMIT DROP"
        )
    )
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY bench_risk_final (id, {', '.join(FINAL_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.close()
    assignments = ", ".join(f"{name} = f.{name}" for name in FINAL_COLUMNS)
    connection.execute(sa.text(f"UPDATE risk SET {assignments} FROM bench_risk_final AS f WHERE risk.id = f.id"))  # noqa: S608
