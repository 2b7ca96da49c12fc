"""Reliance after signing, contradictions, link challenges and calibration, through the services."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from riskreg.clock import today
from riskreg.enums import (
    AssuranceLine,
    Conclusion,
    ContradictionKind,
    ControlTestMethod,
    EvidenceStrength,
    ReviewOutcome,
    TestNature,
)
from riskreg.extensions import db
from riskreg.models import AuditEvent, Contradiction
from riskreg.services import NotAllowed, ServiceError, risks
from riskreg.services.assurance import calibration, control_tests
from riskreg.services.certificates import queries, reliance, workflow
from tests.certificates.support import PASSWORD, PERIOD, TESTED_ON, declare_all, draft, signing_ca, test_ca  # noqa: F401
from tests.factories import ControlTestFactory

L1, L2, L3, EXTERNAL = AssuranceLine


def _signed(org):
    certificate = declare_all(draft(org), org.risk_ln, {}, org)
    workflow.submit(certificate, org.risk_ln)
    workflow.sign(certificate, org.head_ln, PASSWORD)
    db.session.flush()
    return queries.get_certificate(certificate.id)


def _test(conclusion=Conclusion.INEFFECTIVE, line=L1, exceptions=6) -> dict:
    return {
        "tested_on": today(),
        "line": line,
        "method": ControlTestMethod.SAMPLE_TEST,
        "nature": TestNature.OPERATING,
        "population": None,
        "sample_size": 25,
        "exceptions": exceptions,
        "exceptions_tolerated": 1,
        "conclusion": conclusion,
        "notes": "",
    }


def _contradictions() -> list[Contradiction]:
    return list(db.session.scalars(sa.select(Contradiction).order_by(Contradiction.id)))


@pytest.mark.usefixtures("signing_ca")
def test_pages_say_which_signed_assertion_relies_on_a_control(org):
    certificate = _signed(org)
    first = certificate.assertions[0]
    (found,) = reliance.reliances([first.countermeasures[0].id])
    assert found.text == f"London North {PERIOD.label}, assertion 1.1 (assured)"
    assert reliance.reliances_on_risk(first.countermeasures[0].risk) == [found]


@pytest.mark.usefixtures("signing_ca")
def test_an_ineffective_test_after_signing_contradicts_the_assertion_for_the_signer_and_internal_audit(org):
    certificate = _signed(org)
    pdf, snapshot = certificate.content_sha256, certificate.snapshot_sha256
    control = certificate.assertions[0].countermeasures[0]
    control_tests.record_control_test(control, _test(Conclusion.EFFECTIVE, exceptions=0), org.risk_ln)
    assert _contradictions() == []

    test = control_tests.record_control_test(control, _test(), org.risk_ln)
    (contradiction,) = _contradictions()
    assert (contradiction.kind, contradiction.source_id) == (ContradictionKind.INEFFECTIVE_TEST, test.id)
    assert contradiction.assertion_id == certificate.assertions[0].id
    assert "tested ineffective by management (1st line)" in contradiction.summary
    assert reliance.alerts_for(org.head_ln) == [contradiction] == reliance.alerts_for(org.auditor)
    assert reliance.alerts_for(org.risk_ls) == [] and reliance.alerts_for(org.head_ls) == []
    assert reliance.contradiction_counts([certificate.id]) == {certificate.id: 1}
    (year,) = reliance.assurance_record(org.ln)
    assert (year.assured, year.contradicted) == (len(certificate.assertions), 1)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "certificate.assurance_contradicted"))
    assert event.entity_id == certificate.id
    # The signed certificate itself never changes.
    db.session.refresh(certificate)
    assert (certificate.content_sha256, certificate.snapshot_sha256) == (pdf, snapshot)


@pytest.mark.usefixtures("signing_ca")
def test_a_review_taking_a_relied_on_risk_above_appetite_or_recording_an_incident_contradicts(org):
    certificate = _signed(org)
    risk = certificate.assertions[1].countermeasures[0].risk
    values = {
        "reviewed_on": today(),
        "residual_l": 5,
        "residual_i": 4,
        "outcome": ReviewOutcome.ESCALATE,
        "commentary": "Two custody time limit failures this month",
    }
    risks.record_review(risk, values, risk.version, org.risk_ln)
    kinds = sorted(c.kind.value for c in _contradictions())
    assert kinds == [ContradictionKind.ABOVE_APPETITE.value, ContradictionKind.INCIDENT.value]
    assert {c.assertion_id for c in _contradictions()} == {certificate.assertions[1].id}


def test_a_challenged_link_stops_counting_until_the_unit_answers(org):
    certificate = declare_all(draft(org), org.risk_ln, {}, org)
    assertion = certificate.assertions[1]
    line = next(line for line in queries.view(certificate, today()).assertions if line.id == assertion.id)
    assert line.strength is EvidenceStrength.STRONG
    with pytest.raises(NotAllowed):
        reliance.challenge_link(assertion, assertion.countermeasures[0].id, "Not related", org.risk_ln)
    with pytest.raises(ServiceError, match="Enter why"):
        reliance.challenge_link(assertion, assertion.countermeasures[0].id, "  ", org.hq_risk)
    reason = "A training course does not show cases were disclosed"
    challenge = reliance.challenge_link(assertion, assertion.countermeasures[0].id, reason, org.hq_risk)
    line = next(line for line in queries.view(certificate, today()).assertions if line.id == assertion.id)
    assert line.strength is EvidenceStrength.NONE
    assert line.challenges == {assertion.countermeasures[0].id: challenge.reason}
    (listed,) = reliance.challenges_of(certificate)
    assert (listed.assertion_id, listed.reason, listed.is_open) == (assertion.id, challenge.reason, True)

    with pytest.raises(NotAllowed):
        reliance.answer_challenge(challenge, "It is", org.risk_ls)
    reliance.answer_challenge(challenge, "The course ends with a sampled file review", org.risk_ln)
    line = next(line for line in queries.view(certificate, today()).assertions if line.id == assertion.id)
    assert line.strength is EvidenceStrength.STRONG and not challenge.is_open


def test_an_assertion_for_the_whole_year_tested_in_one_quarter_only_is_graded_down(org):
    certificate = declare_all(draft(org), org.risk_ln, {}, org)
    whole_year = certificate.assertions[0]  # "... operated effectively throughout the year"
    control = whole_year.countermeasures[0]
    for test in control_tests.tests_of(control)[1:]:
        db.session.delete(test)  # keep only the latest test
    db.session.flush()
    line = next(line for line in queries.view(certificate, today()).assertions if line.id == whole_year.id)
    assert line.strength is EvidenceStrength.LIMITED
    assert "tests fall in 1 quarter of it, and at least 2 are needed" in line.reason


def test_calibration_compares_first_line_effective_with_the_next_independent_test(org):
    control = declare_all(draft(org), org.risk_ln, {0: "moderate", 1: "moderate"}, org).assertions[0]
    countermeasure = control.countermeasures[0]
    day = TESTED_ON + timedelta(days=10)  # after both of the control's 1st-line tests
    ControlTestFactory(
        countermeasure=countermeasure, tested_on=day, tester=org.auditor, line=L3, conclusion=Conclusion.INEFFECTIVE
    )
    figures = calibration.by_unit(until=day)[org.ln.id]
    # Two 1st-line "effective" tests on this control, both checked by the later audit that found it ineffective;
    # the other moderate control's two were never checked.
    assert (figures.self_assessed, figures.checked, figures.not_confirmed) == (4, 2, 2)
    assert figures.text == "2 of 2 not confirmed (100%)"


def test_challenge_and_answer_through_the_pages(client, org, sign_in):
    certificate = declare_all(draft(org), org.risk_ln, {}, org)
    assertion = certificate.assertions[1]
    control = assertion.countermeasures[0]
    url = f"/certificates/{certificate.id}/assertions/{assertion.id}"
    sign_in(org.auditor)
    assert "Challenge a link" in client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    refused = client.post(f"{url}/challenge", data={"countermeasure": str(control.id), "reason": ""})
    assert refused.status_code == 400 and "Enter why the control does not support the assertion" in refused.text
    reason = "Training attendance does not show disclosure was made"
    saved = client.post(f"{url}/challenge", data={"countermeasure": str(control.id), "reason": reason})
    assert saved.status_code == 302
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert "Link challenged" in page and reason in page and "Waiting for the unit" in page
    assert client.get(f"{url}/answer").status_code == 403

    client.post("/sign-out")
    sign_in(org.risk_ln)
    assert client.get(f"{url}/challenge").status_code == 403
    assert reason in client.get(f"{url}/answer").get_data(as_text=True)
    answered = client.post(f"{url}/answer", data={"answer": "Each course ends with a sampled file review"})
    assert answered.status_code == 302
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert "Each course ends with a sampled file review" in page and "Waiting for the unit" not in page
