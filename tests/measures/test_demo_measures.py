"""Issue 19's must-show: London North's custody time limit failures breach tolerance in a quarter, flag LN-003,
and show in its QPR pack with the action agreed and its exit criterion."""

from datetime import date

import sqlalchemy as sa

from riskreg.clock import today
from riskreg.enums import FlagKind, FlagStatus, Rating
from riskreg.extensions import db
from riskreg.models import Flag, Measure, Unit
from riskreg.rules.certificates import certifying_period
from riskreg.rules.measures import review_quarter
from riskreg.services.measures import qpr


def test_london_norths_custody_time_limit_breach_flags_ln_003_and_fills_its_pack(demo):
    london_north = db.session.scalar(sa.select(Unit).where(Unit.code == "LN"))
    measure = db.session.scalar(
        sa.select(Measure).where(Measure.unit_id == london_north.id, Measure.name == "Custody time limit failures")
    )
    assert [risk.ref for risk in measure.risks] == ["LN-003"]
    assert len(measure.values) == 24 and measure.values[-1].rating is Rating.RED
    # The latest month breaches; before it, only October of the year London North's certificate covers (the
    # certificate's custody assertion cites the measure: tests/certificates/test_cli_and_demo.py).
    earlier = [value.period_start for value in measure.values[:-1] if value.rating is Rating.RED]
    assert earlier == [date(certifying_period(today()).start.year, 10, 1)]
    (flag,) = db.session.scalars(
        sa.select(Flag).where(Flag.kind == FlagKind.MEASURE_BREACH, Flag.status == FlagStatus.OPEN)
    ).all()
    assert flag.risk.ref == "LN-003" and "outside tolerance" in flag.note

    pack = qpr.build_pack(london_north, review_quarter(today()), today())
    assert [trend.measure.name for trend in pack.breaches] == ["Custody time limit failures"]
    carried = [action for action in pack.actions if action.agreed_in < pack.quarter.start]
    assert [action.risk.ref for action in carried] == ["LN-003"]
    assert carried[0].is_open and "three months in a row" in carried[0].exit_criterion
    assert carried[0].owner.email == "head.ln@example.org" and carried[0].due_on > pack.quarter.end
    # The tracker's overdue recommendation for London North (the inspection's 4.27) is in its pack too.
    assert [item.paragraph for item in pack.recommendations] == ["4.27"]
    # The other demo measures stay within tolerance or near it: one breach is the story, not noise.
    others = db.session.scalars(sa.select(Measure).where(Measure.id != measure.id)).all()
    assert len(others) == 3 and all(other.values[-1].rating is not Rating.RED for other in others)


def test_london_norths_pack_shows_its_risks_moving_over_five_quarters(demo):
    from riskreg.rules.measures import quarter_of
    from riskreg.services import heat_trend, registers

    london_north = db.session.scalar(sa.select(Unit).where(Unit.code == "LN"))
    trend = qpr.build_pack(london_north, review_quarter(today()), today()).heat_map
    assert len(trend.snapshots) == 5
    # The demo's reviews, dated before the seeding day, move risks between cells: better and worse both.
    directions = {move.direction for move in trend.moves}
    assert len(trend.moves) >= 5 and {"up", "down"} <= directions
    # Up to today (the trend page's series), the last map is the register page's own.
    ends = heat_trend.quarter_ends(quarter_of(today()), today())
    now = heat_trend.trend(london_north.register, ends, include_restricted=True).snapshots[-1]
    latest = {(c.likelihood, c.impact): len(c.refs) for row in now.rows for c in row if c.refs}
    assert latest == registers.heat_map(london_north.register, include_restricted=True)
