"""The recommendations tracker's pages: list, filters, sorting, pagination, the form, status changes with
confirmation, evidence through the evidence store, the optimistic lock and who may do what."""

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from riskreg.clock import today
from riskreg.enums import RecommendationSource, RecommendationStatus
from riskreg.extensions import db
from riskreg.models import AuditEvent, Evidence, EvidenceBlob, Recommendation, SourceReport
from tests.factories import RiskFactory
from tests.recommendations.support import make_recommendation, make_report

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


def _soup(response):
    return BeautifulSoup(response.data, "html.parser")


def _text(response, selector="main") -> str:
    found = _soup(response).select_one(selector)
    return found.get_text(" ", strip=True) if found else ""


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _day(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _listed(response) -> list[str]:
    return [row.select("td")[0].get_text(" ", strip=True) for row in _soup(response).select("#list ~ table tbody tr")]


@pytest.fixture
def tracker(org, frozen_clock):
    """Four recommendations: two inspection ones for HQ and LN (one overdue), an internal audit one for LS
    (implemented) and one not accepted."""
    inspection = make_report()
    audit_report = make_report(RecommendationSource.INTERNAL_AUDIT, "Custody time limits IA 2025/07", date(2025, 7, 1))
    return {
        "hq": make_recommendation(org.hq, report=inspection, paragraph="4.4", due_on=date(2026, 9, 30)),
        "ln": make_recommendation(
            org.ln,
            report=inspection,
            paragraph="4.27",
            owner=org.viewer_ln,
            due_on=date(2026, 3, 31),
            status=RecommendationStatus.IN_PROGRESS,
        ),
        "ls": make_recommendation(
            org.ls,
            report=audit_report,
            paragraph="3.2",
            status=RecommendationStatus.IMPLEMENTED,
            due_on=date(2026, 1, 31),
        ),
        "declined": make_recommendation(
            org.ls,
            report=audit_report,
            paragraph="3.5",
            status=RecommendationStatus.NOT_ACCEPTED,
            due_on=date(2026, 1, 31),
        ),
    }


def test_an_empty_tracker_says_so_and_offers_to_record_one(client, org, as_user):
    as_user(org.hq_risk)
    response = client.get("/recommendations")
    assert response.status_code == 200
    assert "No recommendations have been recorded yet" in _text(response)
    assert any(link.get_text(strip=True) == "Record a recommendation" for link in _soup(response).select("main a"))


def test_the_list_filters_by_source_unit_status_and_overdue(client, org, as_user, tracker):
    as_user(org.viewer_ln)
    assert len(_listed(client.get("/recommendations"))) == 4
    assert len(_listed(client.get("/recommendations?source=internal_audit"))) == 2
    assert len(_listed(client.get("/recommendations?unit=ln"))) == 1
    assert len(_listed(client.get("/recommendations?status=implemented"))) == 1
    overdue = client.get("/recommendations?overdue=yes")
    assert _listed(overdue) == [
        "Thematic Report on CPS Assurance and Performance, paragraph 4.27 Inspectorate (HMCPSI), 1 November 2013"
    ]
    assert "Overdue" in _text(overdue, "#list ~ table")
    nothing = client.get("/recommendations?unit=HQ&status=implemented")
    assert "No recommendations match these filters" in _text(nothing)
    # Nonsense in the query string is ignored, never a 500.
    assert client.get("/recommendations?source=x&status=y&page=99999999999999999999&sort=z").status_code == 200


def test_the_list_sorts_and_pages(app, monkeypatch, client, org, as_user, tracker):
    monkeypatch.setitem(app.config, "RISKREG_PAGE_SIZE", 3)
    as_user(org.viewer_ln)
    first = client.get("/recommendations?sort=due")
    assert [text.split(" Inspectorate")[0].split(" Internal")[0][-4:] for text in _listed(first)] == [
        " 3.2",
        " 3.5",
        "4.27",
    ]
    assert _soup(first).select_one(".govuk-pagination__next a")["href"].endswith("page=2")
    second = client.get("/recommendations?sort=due&page=2")
    assert len(_listed(second)) == 1 and "4.4" in _listed(second)[0]
    by_unit = [row for row in _listed(client.get("/recommendations?sort=unit"))]
    assert "4.4" in by_unit[0]  # Headquarters, then London North, then London South


def test_the_implementation_rates_are_charted_with_their_data_table(client, org, as_user, tracker):
    as_user(org.viewer_ln)
    page = _soup(client.get("/recommendations"))
    assert len(page.select("svg[role=img]")) == 2
    rows = {
        row.th.get_text(strip=True): [cell.get_text(strip=True) for cell in row.select("td")]
        for row in page.select("#rates ~ .govuk-grid-row table tbody tr")
        if row.th is not None
    }
    # Inspectorate: 0 implemented of 2 accepted. Internal audit: 1 of 1, one not accepted beside it.
    assert rows["Inspectorate (HMCPSI)"] == ["0", "2", "0%", "0"]
    assert rows["Internal audit"] == ["1", "1", "100%", "1"]
    assert rows["London South"] == ["1", "1", "100%", "1"]


def _form(org, **overrides) -> dict:
    data = {
        "version": "1",
        "source": "nao",
        "title": "Managing risk in government",
        "body": "National Audit Office",
        "published_on": _day(date(2024, 5, 1)),
        "paragraph": "3.14",
        "text": "Departments should set out their risk appetite.",
        "unit": "LN",
        "owner": str(org.head_ln.id),
        "due_on": _day(date(2026, 12, 31)),
        "risks": "",
    }
    return data | overrides


def test_hq_risk_records_a_recommendation_linked_to_a_risk_and_it_is_audited(client, org, as_user, frozen_clock):
    risk = RiskFactory(register=org.ln.register)
    as_user(org.hq_risk)
    response = client.post("/recommendations/new", data=_form(org, risks=f" {risk.ref.lower()} "))
    assert response.status_code == 302
    recommendation = db.session.scalars(sa.select(Recommendation)).one()
    assert (recommendation.paragraph, recommendation.unit, recommendation.owner) == ("3.14", org.ln, org.head_ln)
    assert recommendation.risks == [risk] and recommendation.report.source is RecommendationSource.NAO
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "recommendation.created")).one()
    assert event.entity_id == recommendation.id and event.actor_id == org.hq_risk.id
    # The same report again is found, not added twice.
    assert client.post("/recommendations/new", data=_form(org, paragraph="3.15")).status_code == 302
    assert _count(SourceReport) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"paragraph": ""}, "Enter the paragraph number of the recommendation"),
        ({"text": " "}, "Enter the recommendation"),
        ({"unit": ""}, "Select the unit responsible"),
        ({"due_on": ["31", "2", "2026"]}, "Not a valid date value"),  # the tree's date fields' wording
        ({"source": "court"}, "Not a valid choice"),
        ({"risks": "ZZ-404"}, "There is no risk ZZ-404"),
        ({"published_on": _day(date(2099, 1, 1))}, "The date of the report must be today or in the past"),
        ({"paragraph": "1" * 21}, "Paragraph must be 20 characters or fewer"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(
    client, org, as_user, frozen_clock, overrides, message
):
    as_user(org.auditor)
    response = client.post("/recommendations/new", data=_form(org, **overrides))
    assert response.status_code == 400
    assert message in _text(response, ".govuk-error-summary")
    assert (_count(Recommendation), _count(SourceReport)) == (0, 0)


def test_a_restricted_risk_is_not_found_for_whoever_may_not_read_it(client, org, as_user, frozen_clock):
    secret = RiskFactory(register=org.ln.register, restricted=True)
    as_user(org.hq_risk)  # HQ risk reads restricted risks
    assert client.post("/recommendations/new", data=_form(org, risks=secret.ref)).status_code == 302


def test_a_stale_edit_is_refused_with_someone_else_changed_it(client, org, as_user, tracker):
    recommendation = tracker["hq"]
    as_user(org.hq_risk)
    data = _form(org, unit="HQ", paragraph="4.4", version=str(recommendation.version))
    assert client.post(f"/recommendations/{recommendation.id}/edit", data=data | {"text": "First"}).status_code == 302
    response = client.post(f"/recommendations/{recommendation.id}/edit", data=data | {"text": "Second"})
    assert response.status_code == 409
    assert "Someone else changed this recommendation" in _text(response, ".govuk-error-summary")
    db.session.refresh(recommendation)
    assert recommendation.text == "First" and recommendation.version == 2


def test_the_owner_changes_the_status_after_confirming(client, org, as_user, tracker):
    recommendation = tracker["ln"]
    as_user(org.viewer_ln)  # a viewer, but its owner
    url = f"/recommendations/{recommendation.id}/status"
    data = {"version": "1", "status": "accepted", "status_note": "Paused for the restructure"}
    asked = client.post(url, data=data)
    assert asked.status_code == 200 and "Change the status from in progress to accepted?" in _text(asked, "h1")
    db.session.refresh(recommendation)
    assert recommendation.status is RecommendationStatus.IN_PROGRESS  # nothing changed before confirming
    assert client.post(url, data=data | {"confirmed": "yes"}).status_code == 302
    db.session.refresh(recommendation)
    assert (recommendation.status, recommendation.status_note) == (RecommendationStatus.ACCEPTED, data["status_note"])
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "recommendation.status_changed"))
    # The confirmation carries the version: a second confirmation of the same page is stale.
    again = client.post(url, data=data | {"confirmed": "yes", "status": "in_progress"})
    assert again.status_code == 409 and "Someone else changed" in _text(again, ".govuk-error-summary")


def test_implemented_needs_evidence_and_not_accepted_needs_a_reason(client, org, as_user, tracker):
    recommendation = tracker["ln"]
    as_user(org.viewer_ln)
    url = f"/recommendations/{recommendation.id}/status"
    refused = client.post(url, data={"version": "1", "status": "implemented"})  # refused before confirming
    assert refused.status_code == 400
    assert "Add evidence that the recommendation was implemented" in _text(refused, ".govuk-error-summary")
    upload = {"kind": "file", "title": "Case progression measures", "dated_on": _day(today() - timedelta(days=1))}
    response = client.post(
        f"/recommendations/{recommendation.id}/evidence/new",
        data=upload | {"file": (io.BytesIO(PDF), "measures.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert client.post(url, data={"version": "1", "status": "implemented", "confirmed": "yes"}).status_code == 302
    db.session.refresh(recommendation)
    assert recommendation.status is RecommendationStatus.IMPLEMENTED and recommendation.implemented_on == today()
    declined = tracker["hq"]
    as_user(org.hq_risk)
    no_reason = client.post(
        f"/recommendations/{declined.id}/status", data={"version": "1", "status": "not_accepted", "confirmed": "yes"}
    )
    assert no_reason.status_code == 400 and "Enter why the recommendation is not accepted" in _text(no_reason)


def test_evidence_goes_through_the_evidence_store_and_its_checks(app, monkeypatch, client, org, as_user, tracker):
    recommendation = tracker["ln"]
    as_user(org.viewer_ln)
    url = f"/recommendations/{recommendation.id}/evidence/new"
    form = {"kind": "file", "title": "Papers", "dated_on": _day(today())}
    refused = client.post(
        url, data=form | {"file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "x.pdf")}, content_type="multipart/form-data"
    )
    assert refused.status_code == 400 and (_count(Evidence), _count(EvidenceBlob)) == (0, 0)
    client.post(url, data=form | {"file": (io.BytesIO(PDF), "papers.pdf")}, content_type="multipart/form-data")
    item = db.session.scalars(sa.select(Evidence)).one()
    download = client.get(f"/recommendations/{recommendation.id}/evidence/{item.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    # Another recommendation's id with this evidence: not found.
    assert client.get(f"/recommendations/{tracker['hq'].id}/evidence/{item.id}").status_code == 404
    # The bytes changed behind riskreg's back: refused, as any evidence download.
    db.session.execute(sa.update(EvidenceBlob).values(data=b"%PDF-1.7 tampered"))
    assert client.get(f"/recommendations/{recommendation.id}/evidence/{item.id}").status_code == 500


def test_who_may_do_what(client, org, as_user, tracker):
    recommendation = tracker["ln"]
    as_user(org.risk_ls)  # neither its owner nor HQ risk or internal audit: reads only
    assert client.get(f"/recommendations/{recommendation.id}").status_code == 200
    assert client.get(f"/recommendations/{recommendation.id}/status").status_code == 403
    assert client.get(f"/recommendations/{recommendation.id}/edit").status_code == 403
    assert client.get("/recommendations/new").status_code == 403
    as_user(org.viewer_ln)  # its owner: status and evidence, not the wording
    assert client.get(f"/recommendations/{recommendation.id}/status").status_code == 200
    assert client.get(f"/recommendations/{recommendation.id}/evidence/new").status_code == 200
    assert client.get(f"/recommendations/{recommendation.id}/edit").status_code == 403
    as_user(org.auditor)
    assert client.get(f"/recommendations/{recommendation.id}/edit").status_code == 200
    assert client.get("/recommendations/99999").status_code == 404


def test_the_list_and_a_recommendation_run_the_same_sql_however_many_there_are(client, org, as_user, tracker):
    from tests.conftest import count_queries

    def queries(path: str) -> int:
        client.get(path)
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    as_user(org.hq_risk)
    few, one = queries("/recommendations"), queries(f"/recommendations/{tracker['ln'].id}")
    risks = [RiskFactory(register=org.ln.register) for _ in range(3)]
    for number in range(6):
        make_recommendation(org.ls, paragraph=f"5.{number}", owner=org.head_ls, risks=risks)
    tracker["ln"].risks = risks
    db.session.commit()
    assert queries("/recommendations") == few
    assert queries(f"/recommendations/{tracker['ln'].id}") == one
