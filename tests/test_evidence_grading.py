"""Recording tests the grading can trust: method, nature, sample and tolerance through the services and forms."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from riskreg.clock import today
from riskreg.enums import AssuranceLine, Conclusion, ControlFrequency, ControlTestMethod, EvidenceStrength, TestNature
from riskreg.extensions import db
from riskreg.models import ControlTest
from riskreg.services import ServiceError
from riskreg.services.assurance import control_tests
from tests.factories import CountermeasureFactory, RiskFactory

L1, L2, L3, EXTERNAL = AssuranceLine


@pytest.fixture
def daily_control(org):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    return CountermeasureFactory(
        risk=risk, implemented_on=today() - timedelta(days=700), frequency=ControlFrequency.DAILY
    )


def _values(**overrides) -> dict:
    values = {
        "tested_on": today() - timedelta(days=5),
        "line": L1,
        "method": ControlTestMethod.SAMPLE_TEST,
        "nature": TestNature.OPERATING,
        "population": 240,
        "sample_size": 25,
        "exceptions": 0,
        "exceptions_tolerated": 0,
        "conclusion": Conclusion.EFFECTIVE,
        "notes": "",
    }
    return values | overrides


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ControlTest))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sample_size": 19}, "a sample of 19 is below the minimum of 20 for this control (daily)"),
        ({"exceptions": 2, "exceptions_tolerated": 1}, "2 exceptions found, more than the 1 tolerated"),
        ({"method": ControlTestMethod.WALKTHROUGH, "sample_size": None}, "A walkthrough tests design only"),
        ({"sample_size": 300}, "The sample size cannot be more than the population"),
    ],
)
def test_an_effective_conclusion_its_own_test_contradicts_is_refused(org, daily_control, change, message):
    with pytest.raises(ServiceError, match=re.escape(message)):
        control_tests.record_control_test(daily_control, _values(**change), org.risk_ln)
    assert _count() == 0


@pytest.mark.parametrize(
    "change",
    [
        {"sample_size": 19, "conclusion": Conclusion.PARTIALLY_EFFECTIVE},
        {"exceptions": 2, "exceptions_tolerated": 1, "conclusion": Conclusion.INEFFECTIVE},
        {"exceptions": 1, "exceptions_tolerated": 1},
        {"method": ControlTestMethod.WALKTHROUGH, "nature": TestNature.DESIGN, "sample_size": None},
    ],
)
def test_honest_conclusions_are_recorded(org, daily_control, change):
    control_tests.record_control_test(daily_control, _values(**change), org.risk_ln)
    assert _count() == 1


def test_a_recorded_walkthrough_grades_limited_on_the_countermeasure(org, daily_control):
    values = _values(method=ControlTestMethod.WALKTHROUGH, nature=TestNature.DESIGN, sample_size=None, line=L3)
    control_tests.record_control_test(daily_control, values, org.auditor)
    ((_, assessment),) = control_tests.risk_assurance(daily_control.risk, today())
    assert assessment.strength is EvidenceStrength.LIMITED
    assert "tested design only" in assessment.reason


def test_the_hq_risk_team_records_second_line_tests(org, daily_control):
    test = control_tests.record_control_test(daily_control, _values(line=L2), org.hq_risk)
    assert test.line is L2 and test.tester is org.hq_risk
    with pytest.raises(ServiceError):
        control_tests.record_control_test(daily_control, _values(line=L3), org.hq_risk)


def test_the_form_shows_the_refusal_at_the_conclusion(client, org, sign_in, daily_control):
    sign_in(org.risk_ln)
    url = f"/risks/{daily_control.risk.ref}/countermeasures/{daily_control.id}/tests/new"
    page = client.get(url).get_data(as_text=True)
    assert "needs a sample of at least 20" in page
    day = today() - timedelta(days=3)
    data = {
        "tested_on": [str(day.day), str(day.month), str(day.year)],
        "line": "1",
        "method": "sample_test",
        "nature": "operating",
        "sample_size": "5",
        "exceptions": "0",
        "exceptions_tolerated": "0",
        "conclusion": "effective",
        "notes": "",
        "evidence_url": "",
        "evidence_title": "",
    }
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "a sample of 5 is below the minimum of 20" in response.get_data(as_text=True)
    assert _count() == 0
