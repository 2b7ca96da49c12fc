"""Recommendations in the API (issue 19) and deciding a flag with its version (issue 18: 409 stale, 428 missing)."""

from datetime import date

import sqlalchemy as sa

from riskreg.enums import FlagKind, FlagStatus, RecommendationStatus
from riskreg.extensions import db
from riskreg.models import Flag, Recommendation
from tests.api.conftest import error_of
from tests.factories import CountermeasureFactory, RiskFactory
from tests.recommendations.support import make_recommendation

NEW = {
    "source": "internal_audit",
    "report_title": "Custody time limits (IA 2025/07)",
    "report_body": "Internal audit",
    "report_published_on": "2025-07-01",
    "paragraph": "3.1",
    "text": "Record the daily custody time limit check.",
    "unit": "LN",
    "due_on": "2026-09-30",
}


def test_create_read_list_and_update_with_the_version(api_as, org, frozen_clock):
    risk = RiskFactory(register=org.ln.register)
    control = CountermeasureFactory(risk=risk)
    api = api_as(org.auditor)
    body = NEW | {"owner_id": org.risk_ln.id, "risks": [risk.ref], "countermeasure_ids": [control.id]}
    created = api.post("/recommendations", json=body)
    assert created.status_code == 201, created.get_json()
    data = created.get_json()["data"]
    assert (data["risks"], data["countermeasure_ids"], data["status"]) == ([risk.ref], [control.id], "accepted")
    url = f"/recommendations/{data['id']}"
    etag = api.get(url).headers["ETag"]
    assert etag == '"1"'
    assert api.get("/recommendations?unit=LN&status=accepted").get_json()["meta"]["total"] == 1
    assert api.get("/recommendations?source=nao").get_json()["meta"]["total"] == 0
    assert api.patch(url, json={"text": "No If-Match"}).status_code == 428
    changed = api.patch(url, json={"due_on": "2026-10-31"}, headers={"If-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] == '"2"'
    stale = api.patch(url, json={"text": "From the old version"}, headers={"If-Match": etag})
    assert stale.status_code == 409
    assert db.session.get(Recommendation, data["id"]).text == NEW["text"]


def test_bad_bodies_are_422_and_change_nothing(api_as, org, frozen_clock):
    api = api_as(org.hq_risk)
    assert error_of(api.post("/recommendations", json=NEW | {"unit": "ZZ"}))["fields"]["unit"]
    assert error_of(api.post("/recommendations", json=NEW | {"risks": ["ZZ-001"]}))["fields"]["risks"]
    assert error_of(api.post("/recommendations", json=NEW | {"paragraph": ""}))["fields"]["paragraph"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation)) == 0


def test_the_owner_moves_the_status_and_readers_cannot(api_as, org, frozen_clock):
    recommendation = make_recommendation(org.ln, owner=org.viewer_ln, due_on=date(2026, 3, 31))
    db.session.commit()
    url = f"/recommendations/{recommendation.id}/status"
    assert api_as(org.risk_ls).post(url, json={"status": "in_progress"}, headers={"If-Match": '"1"'}).status_code == 403
    api = api_as(org.viewer_ln)
    assert api.get(f"/recommendations/{recommendation.id}").get_json()["data"]["overdue"] is True
    moved = api.post(url, json={"status": "in_progress"}, headers={"If-Match": '"1"'})
    assert moved.status_code == 200 and moved.get_json()["data"]["status"] == "in_progress"
    refused = api.post(url, json={"status": "implemented"}, headers={"If-Match": '"2"'})
    assert refused.status_code == 422  # implemented needs evidence of implementation
    assert api.post(url, json={"status": "accepted"}, headers={"If-Match": '"1"'}).status_code == 409
    assert recommendation.status is RecommendationStatus.IN_PROGRESS


def test_deciding_a_flag_needs_its_version_and_a_stale_one_is_refused(api_as, org, client, sign_in):
    risk = RiskFactory(register=org.ln.register)
    flag = Flag(kind=FlagKind.REVIEW_OVERDUE, risk=risk, note="The review was due")
    db.session.add(flag)
    db.session.commit()
    api = api_as(org.hq_risk)
    url = f"/flags/{flag.id}/decision"
    assert api.post(url, json={"decision": "acknowledge"}).status_code == 428
    first = api.post(url, json={"decision": "acknowledge"}, headers={"If-Match": '"1"'})
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'
    # A second client still holding version 1 is told someone else decided: nothing changes.
    late = api.post(url, json={"decision": "dismiss", "reason": "Not a problem"}, headers={"If-Match": '"1"'})
    assert late.status_code == 409 and "Someone else decided on this flag" in error_of(late)["message"]
    assert flag.status is FlagStatus.ACKNOWLEDGED
    done = api.post(url, json={"decision": "resolve", "reason": "Reviewed"}, headers={"If-Match": '"2"'})
    assert done.status_code == 200 and done.get_json()["data"]["status"] == "resolved"
    assert api_as(org.risk_ln).post(url, json={"decision": "resolve"}, headers={"If-Match": '"3"'}).status_code == 403
