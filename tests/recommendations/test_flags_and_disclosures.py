"""Overdue recommendations feed HQ's flags (on the risks they concern) and the certificate's disclosures."""

from datetime import date

import sqlalchemy as sa

from riskreg.enums import EvidenceKind, FlagKind, FlagStatus, RecommendationStatus
from riskreg.extensions import db
from riskreg.models import Flag
from riskreg.services import recommendations
from riskreg.services.assurance.evidence import EvidenceInput
from riskreg.services.certificates import disclosures
from riskreg.services.flags import queue
from riskreg.services.flags import scan as flags
from tests.factories import CountermeasureFactory, RiskFactory
from tests.recommendations.support import make_recommendation

OVERDUE = FlagKind.RECOMMENDATION_OVERDUE


def _overdue_flags() -> list[Flag]:
    return list(db.session.scalars(sa.select(Flag).where(Flag.kind == OVERDUE).order_by(Flag.id)))


def test_an_overdue_recommendation_flags_the_risks_it_concerns_directly_or_through_a_control(org, frozen_clock):
    direct, through, untouched = (RiskFactory(register=org.ln.register) for _ in range(3))
    control = CountermeasureFactory(risk=through)
    make_recommendation(org.ln, paragraph="4.27", risks=[direct], countermeasures=[control], due_on=date(2026, 3, 31))
    make_recommendation(org.ln, paragraph="4.40", risks=[untouched], due_on=date(2026, 12, 31))  # not yet due
    flags.scan_all()
    found = _overdue_flags()
    assert {flag.risk for flag in found} == {direct, through}
    assert "paragraph 4.27 (due 31 March 2026, accepted)" in found[0].note
    assert flags.scan_all().raised_count == 0  # a second scan raises nothing new


def test_implementing_it_clears_the_flag_at_once(org, frozen_clock):
    risk = RiskFactory(register=org.ln.register)
    recommendation = make_recommendation(org.ln, owner=org.viewer_ln, risks=[risk], due_on=date(2026, 3, 31))
    flags.scan_all()
    (flag,) = _overdue_flags()
    evidence = EvidenceInput(
        EvidenceKind.REFERENCE, "Review of the risk system", date(2026, 6, 1), source="Board paper"
    )
    recommendations.change_status(
        recommendation, RecommendationStatus.IMPLEMENTED, "Done", recommendation.version, org.viewer_ln, evidence
    )
    db.session.refresh(flag)
    assert flag.status is FlagStatus.RESOLVED and flag.condition_key is None


def test_the_flag_ranks_with_review_overdue_in_hqs_queue(org, frozen_clock):
    risk = RiskFactory(register=org.ln.register, next_review_on=date(2026, 7, 1))
    make_recommendation(org.ln, risks=[risk], due_on=date(2026, 3, 31))
    flags.scan_all()
    page = queue.queue(queue.QueueFilters(kind=OVERDUE), 1, 20)
    assert [flag.risk for flag in page.items] == [risk]


def test_the_certificate_discloses_the_units_overdue_recommendations_as_at_the_period_end(org, frozen_clock):
    RiskFactory(register=org.ln.register)
    make_recommendation(org.ln, paragraph="4.27", owner=org.head_ln, due_on=date(2026, 2, 28))
    make_recommendation(org.ln, paragraph="4.28", due_on=date(2026, 4, 30))  # falls due after the period end
    make_recommendation(org.ln, paragraph="4.29", due_on=date(2026, 1, 31), status=RecommendationStatus.IMPLEMENTED)
    make_recommendation(org.ls, paragraph="4.30", due_on=date(2026, 1, 31))  # another unit's
    computed = disclosures.compute(org.ln, date(2026, 3, 31))  # the period end: everything is judged then
    group = next(group for group in computed["groups"] if group["kind"] == "overdue_recommendations")
    assert [item["ref"] for item in group["items"]] == [""]
    assert "paragraph 4.27" in group["items"][0]["text"]
    assert "(due 28 February 2026, accepted, owner Helen Head)" in group["items"][0]["text"]
    live = disclosures.compute(org.ln, date(2026, 6, 5))  # judged on a later day (a period not yet over: today)
    group = next(group for group in live["groups"] if group["kind"] == "overdue_recommendations")
    assert len(group["items"]) == 2


def test_overdue_for_unit_is_the_units_own_open_ones_past_due(org, frozen_clock):
    late = make_recommendation(org.ln, due_on=date(2026, 1, 31))
    make_recommendation(org.ln, due_on=date(2026, 1, 31), status=RecommendationStatus.NOT_ACCEPTED)
    make_recommendation(org.hq, due_on=date(2026, 1, 31))
    assert recommendations.overdue_for_unit(org.ln, date(2026, 6, 5)) == [late]
    assert recommendations.overdue_for_unit(org.ln, date(2026, 1, 31)) == []
