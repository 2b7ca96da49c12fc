"""The quarterly performance review pack: what it shows for a unit and quarter, actions carried until their exit
criterion is met, partner explanations evidenced or not, and the PDF."""

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from riskreg.extensions import db
from riskreg.rules.measures import Quarter
from riskreg.services import ServiceError
from riskreg.services.measures import catalogue, qpr
from tests.conftest import FROZEN_TODAY
from tests.factories import ReviewFactory, RiskFactory
from tests.measures.support import make_measure

TODAY = FROZEN_TODAY
Q1 = Quarter(2026, 1)  # April to June 2026


def _action(org, quarter, **overrides):
    values = {
        "title": "Replace manual CTL diaries",
        "owner": org.head_ln,
        "due_on": date(2026, 9, 30),
        "exit_criterion": "No CTL failures for three months in a row",
        **overrides,
    }
    return qpr.agree_action(org.ln, quarter, values, org.risk_ln, TODAY)


def test_the_pack_shows_breaches_explanations_and_carried_actions(org, frozen_clock):
    risk = RiskFactory(register=org.ln.register)
    measure = make_measure(org.ln, [risk], org.risk_ln)
    catalogue.record_value(measure, catalogue.ValueInput(date(2026, 5, 1), Decimal(3)), org.risk_ln, TODAY)
    blamed = ReviewFactory(
        risk=risk, reviewed_on=date(2026, 5, 20), commentary="Failures rose because the police served files late."
    )
    ReviewFactory(risk=risk, reviewed_on=date(2026, 5, 21), commentary="Courts adjourned trials at short notice.")
    ReviewFactory(risk=risk, reviewed_on=date(2026, 5, 22), commentary="Met the police to agree a protocol.")
    qpr.cite_evidence(blamed, measure, "", "", org.risk_ln)
    earlier = _action(org, Quarter(2025, 4), title="Agreed last quarter")
    pack = qpr.build_pack(org.ln, Q1, TODAY)
    assert [trend.measure for trend in pack.breaches] == [measure]
    assert [(e.review.reviewed_on.day, e.evidenced) for e in pack.explanations] == [(20, True), (21, False)]
    assert pack.unevidenced == 1
    assert pack.actions == [earlier]  # carried from the quarter before
    assert any(flag.kind.value == "measure_breach" for flag in pack.flags)


def test_an_action_is_carried_until_closed_with_its_exit_criterion_met(org, frozen_clock):
    action = _action(org, Quarter(2025, 4))
    with pytest.raises(ServiceError, match="exit criterion was met"):
        qpr.close_action(action, " ", TODAY, action.version, org.risk_ln, TODAY)
    qpr.close_action(action, "Three clear months", date(2026, 5, 1), action.version, org.risk_ln, TODAY)
    assert qpr.actions_for(org.ln, Q1) == [action]  # closed in the quarter: still shown there
    assert qpr.actions_for(org.ln, Q1.next()) == []  # and not carried any further
    with pytest.raises(ServiceError, match="exit criterion"):
        _action(org, Q1, exit_criterion="")


def test_the_page_and_the_pdf(client, sign_in, org, frozen_clock):
    risk = RiskFactory(register=org.ln.register)
    measure = make_measure(org.ln, [risk], org.risk_ln)
    catalogue.record_value(measure, catalogue.ValueInput(date(2026, 5, 1), Decimal(3)), org.risk_ln, TODAY)
    _action(org, Q1)
    db.session.commit()
    sign_in(org.head_ln)
    assert client.get("/registers/LN/qpr").headers["Location"].endswith("/registers/LN/qpr/2026-27-q1")
    page = client.get("/registers/LN/qpr/2026-27-q1").get_data(as_text=True)
    assert "Replace manual CTL diaries" in page and "No CTL failures for three months in a row" in page
    assert "Custody time limit failures" in page and "<svg" in page
    assert client.get("/registers/LN/qpr/2026-27-q3").status_code == 404  # not started yet
    response = client.get("/registers/LN/qpr/2026-27-q1/pack.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Replace manual CTL diaries" in text and "Custody time limit failures" in text


def test_who_may_read_the_pack_and_record_actions(client, sign_in, org, frozen_clock):
    sign_in(org.head_ls)
    assert client.get("/registers/LN/qpr/2026-27-q1").status_code == 403
    client.post("/sign-out")
    sign_in(org.viewer_ln)
    assert client.get("/registers/LN/qpr/2026-27-q1").status_code == 200
    assert client.get("/registers/LN/qpr/2026-27-q1/actions/new").status_code == 403


def test_recording_an_action_through_the_form(client, sign_in, org, frozen_clock):
    sign_in(org.risk_ln)
    data = {
        "title": "Weekly CTL meeting",
        "owner_id": str(org.head_ln.id),
        "due_on": ["30", "9", "2026"],
        "exit_criterion": "",
        "risk_id": "",
    }
    refused = client.post("/registers/LN/qpr/2026-27-q1/actions/new", data=data)
    assert refused.status_code == 400 and "Enter the exit criterion" in refused.get_data(as_text=True)
    ok = client.post("/registers/LN/qpr/2026-27-q1/actions/new", data={**data, "exit_criterion": "Three clear months"})
    assert ok.status_code == 302
    assert [a.title for a in qpr.actions_for(org.ln, Q1)] == ["Weekly CTL meeting"]


def test_citing_evidence_for_a_partner_explanation(client, sign_in, org, frozen_clock):
    risk = RiskFactory(register=org.ln.register)
    measure = make_measure(org.ln, [risk], org.risk_ln, name="Police file quality")
    review = ReviewFactory(risk=risk, reviewed_on=date(2026, 5, 20), commentary="Delays due to late police files.")
    db.session.commit()
    sign_in(org.risk_ln)
    page = client.get("/registers/LN/qpr/2026-27-q1").get_data(as_text=True)
    assert "No evidence" in page and f"/risks/{risk.ref}/reviews/{review.id}/evidence" in page
    url = f"/risks/{risk.ref}/reviews/{review.id}/evidence"
    empty = client.post(url, data={"measure_id": "", "document_title": "", "document_reference": ""})
    assert empty.status_code == 400 and "Choose a measure or name a document" in empty.get_data(as_text=True)
    assert client.post(url, data={"measure_id": str(measure.id)}).status_code == 302
    assert (
        client.post(url, data={"document_title": "Joint dip sample", "document_reference": "DS-12"}).status_code == 302
    )
    (explanation,) = qpr.build_pack(org.ln, Q1, TODAY).explanations
    assert explanation.evidenced and len(explanation.citations) == 2
    assert "Evidenced" in client.get("/registers/LN/qpr/2026-27-q1").get_data(as_text=True)
    assert client.get(f"/risks/{risk.ref}/reviews/999999/evidence").status_code == 404


def test_the_pack_shows_the_register_heat_map_over_five_quarters_on_the_page_and_in_the_pdf(
    client, sign_in, org, frozen_clock
):
    risk = RiskFactory(register=org.ln.register, residual_l=1, residual_i=2)
    ReviewFactory(risk=risk, reviewed_on=date(2025, 5, 2), residual_l=5, residual_i=5)
    ReviewFactory(risk=risk, reviewed_on=date(2026, 4, 20), residual_l=1, residual_i=2)
    pack = qpr.build_pack(org.ln, Q1, TODAY)
    assert [s.label for s in pack.heat_map.snapshots] == [
        "2025-26 Q1",
        "2025-26 Q2",
        "2025-26 Q3",
        "2025-26 Q4",
        "2026-27 Q1",
    ]
    assert [(move.ref, move.direction) for move in pack.heat_map.moves] == [(risk.ref, "down")]
    earlier = qpr.build_pack(org.ln, Quarter(2025, 4), TODAY).heat_map  # an earlier pack ends at its own quarter
    assert earlier.snapshots[-1].as_of == date(2026, 3, 31)
    assert [(move.ref, move.direction, move.now.score) for move in earlier.moves] == [(risk.ref, "added", 25)]
    db.session.commit()
    sign_in(org.head_ln)
    page = client.get("/registers/LN/qpr/2026-27-q1").get_data(as_text=True)
    assert "Where the register's risks moved" in page
    assert page.count('class="app-heatmap"') == 5
    response = client.get("/registers/LN/qpr/2026-27-q1/pack.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Where the register's risks moved" in text
    assert "Open risks by residual band at each quarter end" in text and risk.ref in text
    assert "2025-26 Q1" in text  # drawn in the small map's caption and in the table


def test_the_pack_reads_the_heat_maps_in_the_same_queries_however_long_the_history(org, frozen_clock):
    from tests.conftest import count_queries

    def queries(unit, count: int) -> int:
        for _ in range(count):
            risk = RiskFactory(register=unit.register)
            ReviewFactory(risk=risk, reviewed_on=date(2025, 8, 1), residual_l=4, residual_i=4)
            ReviewFactory(risk=risk, reviewed_on=date(2026, 5, 1), residual_l=2, residual_i=4)
        with count_queries() as statements:
            qpr.build_pack(unit, Q1, TODAY)
        return len(statements)

    assert queries(org.ln, 1) == queries(org.ls, 30)
