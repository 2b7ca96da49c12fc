"""Which risks a measure outside tolerance asks to be reviewed: the facts the flag scan (services/flags/scan.py)
adds to each risk's. The rule that raises the flag is riskreg.rules.flags (``unanswered_breaches``)."""

from collections import defaultdict

import sqlalchemy as sa

from riskreg.extensions import db
from riskreg.models import Measure, MeasureValue, measure_risk
from riskreg.rules import measures as measure_rules
from riskreg.rules.flags import MeasureBreach


def latest_values():
    """A subquery of each measure's latest value (by period), one row per measure."""
    position = sa.func.row_number().over(
        partition_by=MeasureValue.measure_id, order_by=MeasureValue.period_start.desc()
    )
    ranked = sa.select(
        MeasureValue.measure_id,
        MeasureValue.period_start,
        MeasureValue.value,
        MeasureValue.recorded_at,
        position.label("n"),
    ).subquery()
    return sa.select(ranked).where(ranked.c.n == 1).subquery()


def breaches(scope) -> dict[int, list[MeasureBreach]]:
    """For the risks in ``scope`` (ids, or a select of ids), each informing measure whose latest value is outside
    tolerance, in one query."""
    latest = latest_values()
    query = (
        sa.select(measure_risk.c.risk_id, Measure, latest.c.period_start, latest.c.value, latest.c.recorded_at)
        .join(Measure, Measure.id == measure_risk.c.measure_id)
        .join(latest, latest.c.measure_id == Measure.id)
        .where(measure_risk.c.risk_id.in_(scope))
        .order_by(measure_risk.c.risk_id, Measure.name, Measure.id)
    )
    found: dict[int, list[MeasureBreach]] = defaultdict(list)
    for risk_id, measure, period_start, value, recorded_at in db.session.execute(query):
        tolerance = measure.tolerance
        if measure_rules.is_breach(value, tolerance):
            note = measure_rules.breach_note(
                measure.name, value, measure.unit_of_measure, measure.period_label(period_start), tolerance
            )
            found[risk_id].append(MeasureBreach(note, recorded_at.date()))
    return found
