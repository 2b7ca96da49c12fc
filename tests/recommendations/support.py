"""Recommendations for tests, written directly (the service's checks have their own tests)."""

from datetime import date

from riskreg.enums import RecommendationSource, RecommendationStatus
from riskreg.extensions import db
from riskreg.models import Recommendation, SourceReport

REPORT = ("Thematic Report on CPS Assurance and Performance", "HM Crown Prosecution Service Inspectorate")


def make_report(source=RecommendationSource.INSPECTORATE, title=REPORT[0], published_on=date(2013, 11, 1)):
    report = SourceReport(source=source, title=title, body=REPORT[1], published_on=published_on)
    db.session.add(report)
    db.session.flush()
    return report


def make_recommendation(
    unit,
    *,
    report=None,
    owner=None,
    paragraph="4.11",
    status=RecommendationStatus.ACCEPTED,
    due_on=date(2026, 3, 31),
    risks=(),
    countermeasures=(),
    text="The CPS should review the area risk management system to ensure it is fit for purpose.",
):
    recommendation = Recommendation(
        report=report or make_report(),
        paragraph=paragraph,
        text=text,
        unit=unit,
        owner=owner,
        due_on=due_on,
        status=status,
        status_note="",
        risks=list(risks),
        countermeasures=list(countermeasures),
    )
    db.session.add(recommendation)
    db.session.flush()
    return recommendation
