"""An assertion cites a measure as evidence (issue 19): graded over the certificate's year, disclosed when outside
tolerance, shown on the draft page, frozen in the signed snapshot and printed in the PDF."""

import json
import re
from decimal import Decimal
from io import BytesIO

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from pypdf import PdfReader

from riskreg.clock import today
from riskreg.enums import Declaration, EvidenceStrength, MeasureFrequency, MeasureVerdict
from riskreg.extensions import db
from riskreg.models import AuditEvent
from riskreg.rules.measure_evidence import periods_due
from riskreg.services import ServiceError
from riskreg.services.certificates import queries, workflow
from riskreg.services.measures import catalogue
from tests.certificates.support import PASSWORD, PERIOD, declare_all, draft, signing_ca, test_ca  # noqa: F401
from tests.conftest import count_queries
from tests.measures.support import make_measure

pytestmark = pytest.mark.usefixtures("signing_ca", "clock_in_period")  # PERIOD and the pages on one clock
MONTHS = periods_due(PERIOD, PERIOD.end, MeasureFrequency.MONTHLY)
BREACH = MONTHS[7]  # November of the certificate's year: four failures, the red limit is two


def measure_with(org, values: dict, unit=None, name="Custody time limit failures"):
    """A measure of the unit (higher is worse: green up to 0, red above 2) with these values by period start."""
    unit = unit or org.ln
    manager = org.risk_ln if unit is org.ln else org.risk_ls
    measure = make_measure(unit, [], manager, name=name, red_limit=Decimal(2))
    items = [catalogue.ValueInput(start, Decimal(value)) for start, value in values.items()]
    catalogue.record_values(measure, items, manager, today())
    db.session.commit()
    return measure


def year_of(value=0, **changed) -> dict:
    return {start: changed.get(start.isoformat(), value) for start in MONTHS}


@pytest.fixture
def certificate(org):
    """A draft whose assertions all rest on strongly evidenced controls."""
    return declare_all(draft(org), org.risk_ln, {}, org)


def _line(certificate, assertion):
    view = queries.view(queries.get_certificate(certificate.id), today())
    return next(line for line in view.assertions if line.id == assertion.id), view


def test_a_measure_within_tolerance_all_year_leaves_strong_evidence_strong(org, certificate):
    measure = measure_with(org, year_of(0))
    assertion = certificate.assertions[0]
    workflow.cite_measures(assertion, {measure.id}, org.risk_ln)
    line, view = _line(certificate, assertion)
    assert line.strength is EvidenceStrength.STRONG
    assert [(m.name, m.verdict) for m in line.measures] == [("Custody time limit failures", MeasureVerdict.SUPPORTS)]
    assert "within tolerance (green up to 0 failures, red above 2 failures) in all 12 months" in line.reason
    group = next(g for g in view.disclosures["groups"] if g["kind"] == "measures_outside_tolerance")
    assert group["items"] == []


def test_a_breach_in_the_year_grades_the_assertion_weak_and_is_disclosed(org, certificate):
    measure = measure_with(org, year_of(0) | {BREACH: 4})
    assertion = certificate.assertions[0]
    workflow.cite_measures(assertion, {measure.id}, org.risk_ln)
    line, view = _line(certificate, assertion)
    assert line.strength is EvidenceStrength.WEAK and line.problem  # declared assured: it cannot be signed so
    assert line.reason.endswith("Graded down to weak by the measures")
    month = f"{BREACH:%B %Y}"
    assert f"4 failures in {month}" in line.reason
    assert line.measures[0].verdict is MeasureVerdict.CONTRADICTS
    group = next(g for g in view.disclosures["groups"] if g["kind"] == "measures_outside_tolerance")
    assert group["items"] == [{"ref": "", "text": f"Custody time limit failures: 4 failures in {month}"}]
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "certificate.measures_cited")).one()
    assert event.changes["measure_ids"] == [[], [measure.id]]


def test_missing_months_make_the_evidence_limited_at_most(org, certificate):
    values = year_of(0)
    del values[MONTHS[3]]
    measure = measure_with(org, values)
    assertion = certificate.assertions[0]
    workflow.cite_measures(assertion, {measure.id}, org.risk_ln)
    line, _view = _line(certificate, assertion)
    assert line.strength is EvidenceStrength.LIMITED
    assert line.measures[0].verdict is MeasureVerdict.INCOMPLETE
    assert line.measures[0].periods[3].value is None


def test_only_the_unit_s_own_measures_can_be_cited_and_only_by_its_preparers(org, certificate):
    elsewhere = measure_with(org, year_of(0), unit=org.ls)
    with pytest.raises(ServiceError, match="Choose measures of London North"):
        workflow.cite_measures(certificate.assertions[0], {elsewhere.id}, org.risk_ln)
    with pytest.raises(ServiceError):
        workflow.cite_measures(certificate.assertions[0], {elsewhere.id}, org.viewer_ln)


def test_a_signed_certificate_s_measures_stay_and_a_correction_keeps_them(org, certificate):
    measure = measure_with(org, year_of(0))
    workflow.cite_measures(certificate.assertions[0], {measure.id}, org.risk_ln)
    workflow.submit(certificate, org.risk_ln)
    workflow.sign(certificate, org.head_ln, PASSWORD)
    with pytest.raises(ServiceError, match="signed and cannot be changed"):
        workflow.cite_measures(certificate.assertions[0], set(), org.risk_ln)
    correction = workflow.start_correction(certificate, org.risk_ln)
    assert [m.id for m in correction.assertions[0].measures] == [measure.id]


def test_the_signed_snapshot_and_the_pdf_carry_the_measure_with_its_values_and_status(
    org, certificate, client, sign_in
):
    measure = measure_with(org, year_of(0) | {BREACH: 4})
    assertion = certificate.assertions[0]
    workflow.cite_measures(assertion, {measure.id}, org.risk_ln)
    workflow.declare(
        assertion, Declaration.ASSURED_WITH_EXCEPTIONS, "Custody time limits failed in one month", org.risk_ln
    )
    workflow.submit(certificate, org.risk_ln)
    workflow.sign(certificate, org.head_ln, PASSWORD)
    db.session.commit()
    signed = queries.get_certificate(certificate.id)
    data = json.loads(signed.snapshot)
    [cited] = data["measures"]
    assert (cited["id"], cited["verdict"], cited["tolerance"]) == (
        measure.id,
        "contradicts",
        "green up to 0 failures, red above 2 failures",
    )
    assert len(cited["periods"]) == 12
    assert {"label": f"{BREACH:%B %Y}", "value": "4 failures", "rating": "red"} in cited["periods"]
    first = data["sections"][0]["assertions"][0]
    assert first["measure_ids"] == [measure.id] and first["strength"] == "weak"
    assert signed.disclosures["groups"][-1]["items"][0]["text"].startswith("Custody time limit failures: 4 failures")

    reader = PdfReader(BytesIO(signed.pdf))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "Measures cited:" in text and "Custody time limit failures" in text
    assert "Contradicts: outside tolerance" in text and f"{BREACH:%B %Y} 4 failures (red)" in text

    # The signed page shows the measure as signed, from the snapshot: a later correction of the value changes nothing.
    catalogue.record_values(measure, [catalogue.ValueInput(BREACH, Decimal(0))], org.risk_ln, today())
    db.session.commit()
    sign_in(org.viewer_ln)
    page = BeautifulSoup(client.get(f"/certificates/{certificate.id}").data, "html.parser")
    card = page.select_one(f"#assertion-{assertion.id}")
    assert "Contradicts: outside tolerance" in card.get_text(" ", strip=True)
    assert f"{BREACH:%B %Y}: 4 failures (red)" in card.get_text(" ", strip=True)


def test_a_risk_manager_cites_a_measure_on_the_draft_page(org, certificate, client, sign_in):
    measure = measure_with(org, year_of(0) | {BREACH: 4})
    assertion = certificate.assertions[0]
    sign_in(org.risk_ln)
    show = BeautifulSoup(client.get(f"/certificates/{certificate.id}").data, "html.parser")
    url = f"/certificates/{certificate.id}/assertions/{assertion.id}/measures"
    assert (
        show.select_one(f'#assertion-{assertion.id} a[href="{url}"]')
        .get_text(" ", strip=True)
        .startswith("Cite measures")
    )
    form = client.get(url)
    assert form.status_code == 200
    hint = BeautifulSoup(form.data, "html.parser").select_one(f"#measures-{measure.id}-hint").get_text(" ", strip=True)
    assert hint.startswith("Contradicts: outside tolerance: Custody time limit failures was outside tolerance")
    version = str(queries.get_certificate(certificate.id).lock_version)
    refused = client.post(url, data={"measures": ["999999"], "version": version})
    assert refused.status_code == 400 and "Select measures from the list" in refused.data.decode()
    done = client.post(url, data={"measures": [str(measure.id)], "version": version})
    assert done.status_code == 302
    page = BeautifulSoup(client.get(f"/certificates/{certificate.id}").data, "html.parser")
    card = page.select_one(f"#assertion-{assertion.id}").get_text(" ", strip=True)
    assert "Measures cited Custody time limit failures Contradicts: outside tolerance" in card
    assert "Weak evidence" in card and "Cannot be signed as declared" in card
    assert "Measures cited as evidence that were outside tolerance" in page.get_text(" ", strip=True)


def test_the_certificate_page_runs_the_same_queries_however_many_measures_are_cited(org, client, sign_in):
    small = declare_all(draft(org), org.risk_ln, {}, org)
    large = declare_all(draft(org, org.ls, org.risk_ls), org.risk_ls, {}, org)
    workflow.cite_measures(small.assertions[0], {measure_with(org, year_of(0)).id}, org.risk_ln)
    many = {measure_with(org, year_of(1), unit=org.ls, name=f"Measure {n}").id for n in range(3)}
    for assertion in large.assertions:
        workflow.cite_measures(assertion, many, org.risk_ls)
    db.session.commit()
    sign_in(org.viewer_ln)

    def queries_of(url):
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    assert queries_of(f"/certificates/{small.id}") == queries_of(f"/certificates/{large.id}")
