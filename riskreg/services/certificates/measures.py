"""Measures a certificate assertion cites as evidence (issue 19): which may be cited, their verdicts over the
certificate's year (riskreg.rules.measure_evidence), and how they appear on the certificate, in its signed
snapshot and in its disclosures. Citing them is riskreg.services.certificates.workflow.cite_measures.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from riskreg.enums import MeasureVerdict, Rating
from riskreg.extensions import db
from riskreg.models import Certificate, Measure
from riskreg.rules import certificates as certificate_rules
from riskreg.rules import measure_evidence
from riskreg.rules.evidence import Period
from riskreg.rules.measure_evidence import MeasureAssessment
from riskreg.rules.measures import quantity_text

DISCLOSURE_KIND = "measures_outside_tolerance"


@dataclass(frozen=True)
class PeriodLine:
    label: str
    value: str | None  # as shown ("4 failures"); None: not measured
    rating: Rating | None


@dataclass(frozen=True)
class MeasureLine:
    """A cited measure as the certificate shows it: live on a draft, from the snapshot once signed."""

    id: int
    name: str
    tolerance: str  # in words: "green up to 0 failures, red above 2 failures"
    verdict: MeasureVerdict
    reason: str
    periods: tuple[PeriodLine, ...]

    @property
    def breaches(self) -> list[PeriodLine]:
        return [period for period in self.periods if period.rating is Rating.RED]


def citable(certificate: Certificate) -> list[Measure]:
    """The measures an assertion of this certificate may cite: its unit's own, with their values (two queries)."""
    return list(
        db.session.scalars(
            sa.select(Measure)
            .where(Measure.unit_id == certificate.unit_id)
            .options(selectinload(Measure.values))
            .order_by(Measure.name)
        )
    )


def choices(certificate: Certificate, today: date) -> list[MeasureLine]:
    """The measures an assertion may cite, each with its verdict on the certificate's year as the draft judges it."""
    period = certificate_rules.period_of(certificate.period)
    measures = citable(certificate)
    verdicts = assess(measures, period, certificate_rules.judged_on(period, today))
    return [line(measure, verdicts[measure.id]) for measure in measures]


def fact(measure: Measure) -> measure_evidence.MeasureFact:
    return measure_evidence.MeasureFact(
        measure.name,
        measure.frequency,
        measure.tolerance,
        {value.period_start: value.value for value in measure.values},
        measure.unit_of_measure,
    )


def assess(measures: Iterable[Measure], period: Period, as_of: date) -> dict[int, MeasureAssessment]:
    """Each measure's verdict on ``period`` judged on ``as_of`` (their values already loaded)."""
    return {measure.id: measure_evidence.assess_measure(fact(measure), period, as_of) for measure in measures}


def line(measure: Measure, assessment: MeasureAssessment) -> MeasureLine:
    unit = measure.unit_of_measure
    return MeasureLine(
        measure.id,
        measure.name,
        measure.tolerance.describe(unit),
        assessment.verdict,
        assessment.reason,
        tuple(
            PeriodLine(
                item.label,
                None if item.value is None else quantity_text(item.value, unit),
                item.rating,
            )
            for item in assessment.periods
        ),
    )


def to_snapshot(lines: Iterable[MeasureLine]) -> list[dict[str, Any]]:
    """Each cited measure once, with every period's value and rating as judged at signing."""
    unique = {item.id: item for item in lines}
    return [
        {
            "id": item.id,
            "name": item.name,
            "tolerance": item.tolerance,
            "verdict": item.verdict.value,
            "reason": item.reason,
            "periods": [
                {"label": p.label, "value": p.value, "rating": p.rating.value if p.rating else None}
                for p in item.periods
            ],
        }
        for item in sorted(unique.values(), key=lambda item: item.id)
    ]


def from_snapshot(items: Iterable[dict[str, Any]]) -> dict[int, MeasureLine]:
    """The cited measures as a signed snapshot records them (none before measures could be cited)."""
    return {
        item["id"]: MeasureLine(
            item["id"],
            item["name"],
            item["tolerance"],
            MeasureVerdict(item["verdict"]),
            item["reason"],
            tuple(
                PeriodLine(p["label"], p["value"], Rating(p["rating"]) if p["rating"] else None)
                for p in item["periods"]
            ),
        )
        for item in items
    }


def disclosure(lines: Iterable[MeasureLine]) -> dict[str, Any]:
    """The disclosure group naming every cited measure outside tolerance in the year, and when."""
    unique = {item.id: item for item in lines}
    items = [
        {"ref": "", "text": f"{item.name}: " + ", ".join(f"{p.value} in {p.label}" for p in item.breaches)}
        for item in sorted(unique.values(), key=lambda item: item.name)
        if item.breaches
    ]
    return {
        "kind": DISCLOSURE_KIND,
        "title": "Measures cited as evidence that were outside tolerance",
        "none": "Every measure cited as evidence was within tolerance where measured",
        "items": items,
    }
