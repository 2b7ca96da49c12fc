"""Measures as evidence for a certificate assertion (issue 19), and how they combine with the control-test grade.

A measure (key risk indicator) an assertion cites is judged over the certificate's
year as at the day the certificate judges everything on (the period end, or today
while the year runs; riskreg.rules.certificates.judged_on): every month or quarter
of the year that had ended by then is expected to have a value, rated against the
measure's tolerance. Not the latest value today: a breach after the period end
belongs to next year's certificate, and a good month now does not hide a bad one
in the year.

- contradicts: outside tolerance (red) in any period of the year; the breach is
  disclosed on the certificate;
- unmeasured: no value for any period of the year (or no period had ended yet);
- incomplete: within tolerance where measured, but some periods have no value;
- supports: a value for every period, each within tolerance (amber is within
  tolerance, and is named).

An assertion's measures count as their worst verdict, combined with the grade its
countermeasures earned (riskreg.rules.evidence.assess_assertion); measures only
ever lower that grade, except where no countermeasure is linked at all:

| Worst verdict | Effect on the assertion's grade                                          |
|---------------|--------------------------------------------------------------------------|
| supports      | stands; with no countermeasure linked, limited instead of none           |
| incomplete    | at most limited                                                          |
| unmeasured    | at most weak                                                             |
| contradicts   | at most weak, and the breach is disclosed                                |

An indicator within tolerance shows the outcome was achieved, not that a control
achieved it, so it never makes the evidence better than the controls' tests; and
limited is below what an unqualified "assured" needs, so a measure alone never
supports one.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from riskreg.enums import EvidenceStrength, MeasureFrequency, MeasureVerdict, Rating
from riskreg.rules.evidence import Assessment, Period, long_date
from riskreg.rules.measures import Tolerance, period_end, period_label, period_start, periods_back, quantity_text, rate

# The most an assertion's grade can be, by the worst verdict of the measures it cites (None: no cap).
CAPS: Mapping[MeasureVerdict, EvidenceStrength | None] = {
    MeasureVerdict.SUPPORTS: None,
    MeasureVerdict.INCOMPLETE: EvidenceStrength.LIMITED,
    MeasureVerdict.UNMEASURED: EvidenceStrength.WEAK,
    MeasureVerdict.CONTRADICTS: EvidenceStrength.WEAK,
}
# What supporting measures give an assertion with no countermeasure linked.
MEASURES_ALONE = EvidenceStrength.LIMITED


@dataclass(frozen=True)
class MeasureFact:
    """What the rule needs to know about one measure: its tolerance and its values by period (first day)."""

    name: str
    frequency: MeasureFrequency
    tolerance: Tolerance
    values: Mapping[date, Decimal]
    unit_of_measure: str = ""


@dataclass(frozen=True)
class MeasuredPeriod:
    start: date
    label: str
    value: Decimal | None  # None: no value recorded for the period
    rating: Rating | None


@dataclass(frozen=True)
class MeasureAssessment:
    verdict: MeasureVerdict
    reason: str
    periods: tuple[MeasuredPeriod, ...]  # every period of the year that had ended on the day judged, oldest first

    @property
    def breaches(self) -> list[MeasuredPeriod]:
        return [period for period in self.periods if period.rating is Rating.RED]


def periods_due(period: Period, as_of: date, frequency: MeasureFrequency) -> list[date]:
    """The first days of the measure's months or quarters inside ``period`` that had ended on ``as_of``."""
    last = period_start(min(period.end, as_of), frequency)
    count = 12 if frequency is MeasureFrequency.MONTHLY else 4
    starts = [start for start in periods_back(last, frequency, count) if start >= period.start]
    return [start for start in starts if period_end(start, frequency) <= min(period.end, as_of)]


def _labels(periods: Sequence[MeasuredPeriod]) -> str:
    return ", ".join(period.label for period in periods)


def assess_measure(fact: MeasureFact, period: Period, as_of: date) -> MeasureAssessment:
    """One measure's verdict on ``period`` as at ``as_of`` (see the module docstring)."""
    periods = tuple(
        MeasuredPeriod(
            start,
            period_label(start, fact.frequency),
            fact.values.get(start),
            rate(fact.values[start], fact.tolerance) if start in fact.values else None,
        )
        for start in periods_due(period, as_of, fact.frequency)
    )
    tolerance = fact.tolerance.describe(fact.unit_of_measure)
    red = [item for item in periods if item.rating is Rating.RED]
    missing = [item for item in periods if item.value is None]
    if red:
        values = ", ".join(
            f"{quantity_text(item.value or Decimal(0), fact.unit_of_measure)} in {item.label}" for item in red
        )
        return MeasureAssessment(
            MeasureVerdict.CONTRADICTS, f"{fact.name} was outside tolerance ({tolerance}): {values}", periods
        )
    if not periods:
        reason = f"{fact.name}: no {_unit_word(fact.frequency)} of {period.label} had ended by {long_date(as_of)}"
        return MeasureAssessment(MeasureVerdict.UNMEASURED, reason, periods)
    if len(missing) == len(periods):
        word = _unit_word(fact.frequency)
        reason = f"{fact.name} has no value for any of the {len(periods)} {word}s of {period.label}"
        return MeasureAssessment(MeasureVerdict.UNMEASURED, reason, periods)
    if missing:
        reason = (
            f"{fact.name} has no value for {_labels(missing)} ({len(missing)} of {len(periods)} "
            f"{_unit_word(fact.frequency)}s); within tolerance where measured"
        )
        return MeasureAssessment(MeasureVerdict.INCOMPLETE, reason, periods)
    amber = [item for item in periods if item.rating is Rating.AMBER]
    reason = f"{fact.name} was within tolerance ({tolerance}) in all {len(periods)} {_unit_word(fact.frequency)}s"
    reason += f" of {period.label} to {long_date(as_of)}" if as_of < period.end else f" of {period.label}"
    if amber:
        reason += f", near the limit (amber) in {_labels(amber)}"
    return MeasureAssessment(MeasureVerdict.SUPPORTS, reason, periods)


def _unit_word(frequency: MeasureFrequency) -> str:
    return "month" if frequency is MeasureFrequency.MONTHLY else "quarter"


def worst(assessments: Iterable[MeasureAssessment]) -> MeasureAssessment | None:
    found = None
    for assessment in assessments:
        if found is None or assessment.verdict.rank < found.verdict.rank:
            found = assessment
    return found


def combine(graded: Assessment, measures: Sequence[MeasureAssessment], countermeasures: int) -> Assessment:
    """An assertion's grade from its countermeasures (``graded``, from ``countermeasures`` linked) and the
    measures it cites (see the table in the module docstring). No measures: ``graded`` unchanged."""
    if not measures:
        return graded
    worst_one = worst(measures)
    assert worst_one is not None
    cap = CAPS[worst_one.verdict]
    said = "; ".join(item.reason for item in measures)
    if cap is None:
        if countermeasures == 0:
            return Assessment(
                MEASURES_ALONE,
                f"{graded.reason}. Measures: {said}; an indicator within tolerance shows the outcome, not that a "
                "control achieved it: limited",
            )
        return Assessment(graded.strength, f"{graded.reason}. Measures: {said}", graded.basis)
    if graded.strength.rank <= cap.rank:
        return Assessment(graded.strength, f"{graded.reason}. Measures: {said}", graded.basis)
    return Assessment(
        cap, f"{graded.reason}. Measures: {said}. Graded down to {cap.label.lower()} by the measures", graded.basis
    )
