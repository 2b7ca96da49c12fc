"""A measure's trend for pages and PDFs: the chart (riskreg.rules.charts) and the same numbers as a table."""

from dataclasses import dataclass
from datetime import date

from riskreg.enums import Rating
from riskreg.models import Measure, MeasureValue
from riskreg.rules import charts
from riskreg.rules import measures as measure_rules

# Two years of monthly values, or of quarterly ones.
PERIODS = {"monthly": 24, "quarterly": 8}


@dataclass(frozen=True)
class Row:
    period: str
    value: str  # with its unit of measure, or "No value"
    rating: Rating | None
    note: str


@dataclass(frozen=True)
class Trend:
    measure: Measure
    svg: str
    rows: list[Row]
    latest: MeasureValue | None

    @property
    def latest_rating(self) -> Rating | None:
        return self.latest.rating if self.latest is not None else None


def trend(measure: Measure, until: date | None = None) -> Trend:
    """The measure's last two years of periods up to ``until`` (default: its latest value), gaps included."""
    values = [value for value in measure.values if until is None or value.period_start <= until]
    by_period = {value.period_start: value for value in values}
    latest = values[-1] if values else None
    end = measure_rules.period_start(until, measure.frequency) if until else (latest.period_start if latest else None)
    starts = measure_rules.periods_back(end, measure.frequency, PERIODS[measure.frequency.value]) if end else []
    tolerance = measure.tolerance
    points, rows = [], []
    for start in starts:
        value = by_period.get(start)
        rating = measure_rules.rate(value.value, tolerance) if value else None
        points.append(
            charts.Point(
                measure_rules.short_period_label(start, measure.frequency), value.value if value else None, rating
            )
        )
        shown = measure_rules.quantity_text(value.value, measure.unit_of_measure) if value else "No value"
        rows.append(Row(measure.period_label(start), shown, rating, value.note if value else ""))
    band = charts.Band(tolerance.green_limit, tolerance.red_limit, tolerance.higher_is_worse)
    svg = charts.trend_svg(points, band, title=measure.name) if points else ""
    return Trend(measure, svg, rows, latest)
