"""Countermeasures and reviews through the API: the same lifecycle rules and audit trail as the pages."""

from datetime import timedelta

from riskreg.clock import today
from riskreg.enums import CountermeasureStatus, RiskStatus
from riskreg.extensions import db
from riskreg.models import AuditEvent, Countermeasure, Review
from tests.api.conftest import error_of
from tests.factories import CountermeasureFactory, RiskFactory


def _countermeasure_body(owner, **overrides) -> dict:
    return {"title": "Daily CTL diary check", "kind": "detective", "owner_id": owner.id, **overrides}


def _review_body(**overrides) -> dict:
    return {
        "residual_l": 4,
        "residual_i": 4,
        "commentary": "Two failures this quarter",
        "outcome": "further_action",
        **overrides,
    }


def test_add_a_countermeasure_and_read_it_back(api_as, org):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    api = api_as(org.risk_ln)
    due = (today() + timedelta(days=30)).isoformat()
    response = api.post(f"/risks/{risk.ref}/countermeasures", json=_countermeasure_body(org.risk_ln, due_on=due))
    assert response.status_code == 201
    created = response.get_json()["data"]
    assert created["status"] == "planned" and created["due_on"] == due and created["description"] == ""
    again = api.get(response.headers["Location"])
    assert again.status_code == 200 and again.get_json()["data"] == created
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "countermeasure.added"))
    assert event.risk_id == risk.id and event.actor_id == org.risk_ln.id


def test_a_new_countermeasure_cannot_start_retired(api_as, org):
    risk = RiskFactory(register=org.ln.register)
    body = _countermeasure_body(org.risk_ln, status="retired")
    response = api_as(org.risk_ln).post(f"/risks/{risk.ref}/countermeasures", json=body)
    assert response.status_code == 422
    assert list(error_of(response)["fields"]) == ["status"]


def test_a_closed_risk_takes_no_new_countermeasures(api_as, org):
    risk = RiskFactory(register=org.ln.register, status=RiskStatus.CLOSED)
    response = api_as(org.risk_ln).post(f"/risks/{risk.ref}/countermeasures", json=_countermeasure_body(org.risk_ln))
    assert response.status_code == 422
    assert error_of(response)["message"] == "A closed risk cannot be given new countermeasures"


def test_another_unit_cannot_add_countermeasures(api_as, org):
    risk = RiskFactory(register=org.ln.register)
    response = api_as(org.risk_ls).post(f"/risks/{risk.ref}/countermeasures", json=_countermeasure_body(org.risk_ls))
    assert response.status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Countermeasure)) == 0


def test_countermeasure_goes_in_place_but_never_back(api_as, org):
    risk = RiskFactory(register=org.ln.register)
    countermeasure = CountermeasureFactory(risk=risk, status=CountermeasureStatus.PLANNED, owner=org.risk_ln)
    api = api_as(org.risk_ln)
    url = f"/risks/{risk.ref}/countermeasures/{countermeasure.id}"
    response = api.patch(url, json={"status": "in_place"}, headers={"If-Match": api.get(url).headers["ETag"]})
    assert response.status_code == 200
    # The service fills in the date it went in place.
    assert response.get_json()["data"]["implemented_on"] == today().isoformat()
    response = api.patch(url, json={"status": "planned"}, headers={"If-Match": response.headers["ETag"]})
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"status": ["A countermeasure that is in place cannot become planned"]}


def test_countermeasure_change_needs_if_match_and_refuses_a_stale_one(api_as, org):
    risk = RiskFactory(register=org.ln.register)
    countermeasure = CountermeasureFactory(risk=risk, title="As it was", owner=org.risk_ln)
    api = api_as(org.risk_ln)
    url = f"/risks/{risk.ref}/countermeasures/{countermeasure.id}"
    first = api.get(url).headers["ETag"]
    assert api.patch(url, json={"title": "No precondition"}).status_code == 428
    saved = api.patch(url, json={"title": "First writer"}, headers={"If-Match": first})
    assert saved.status_code == 200 and saved.headers["ETag"] != first
    stale = api.patch(url, json={"title": "Second writer, from the old version"}, headers={"If-Match": first})
    assert stale.status_code == 409
    assert error_of(stale)["message"].startswith("This countermeasure was changed by someone else")
    assert db.session.get(Countermeasure, countermeasure.id).title == "First writer"
    assert saved.get_json()["data"]["version"] == countermeasure.version


def test_countermeasure_of_another_risk_is_not_found(api_as, org):
    risk = RiskFactory(register=org.ln.register)
    other = CountermeasureFactory(risk=RiskFactory(register=org.ln.register))
    assert api_as(org.risk_ln).get(f"/risks/{risk.ref}/countermeasures/{other.id}").status_code == 404
    assert api_as(org.risk_ln).patch(f"/risks/{risk.ref}/countermeasures/{other.id}", json={}).status_code == 404


def test_record_a_review(api_as, org):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln, residual_l=3, residual_i=3)
    api = api_as(org.risk_ln)
    etag = api.get(f"/risks/{risk.ref}").headers["ETag"]
    response = api.post(f"/risks/{risk.ref}/reviews", json=_review_body(), headers={"If-Match": etag})
    assert response.status_code == 201
    review = response.get_json()["data"]
    assert review["reviewed_on"] == today().isoformat() and review["reviewer"]["id"] == org.risk_ln.id
    # The risk moved on: new scores, the very-high cadence, and a new ETag that the response carries.
    after = api.get(f"/risks/{risk.ref}")
    assert after.headers["ETag"] == response.headers["ETag"] != etag
    data = after.get_json()["data"]
    assert data["residual_score"] == 16 and data["next_review_on"] == (today() + timedelta(days=30)).isoformat()
    assert data["reviews"][0]["id"] == review["id"]


def test_review_needs_if_match_and_refuses_a_stale_one(api_as, org):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    api = api_as(org.risk_ln)
    assert api.post(f"/risks/{risk.ref}/reviews", json=_review_body()).status_code == 428
    stale = f'"{risk.version + 1}"'
    assert api.post(f"/risks/{risk.ref}/reviews", json=_review_body(), headers={"If-Match": stale}).status_code == 409
    assert db.session.scalar(db.select(db.func.count()).select_from(Review)) == 0


def test_review_date_in_the_future_is_the_services_refusal(api_as, org):
    risk = RiskFactory(register=org.ln.register)
    body = _review_body(reviewed_on=(today() + timedelta(days=1)).isoformat())
    response = api_as(org.risk_ln).post(f"/risks/{risk.ref}/reviews", json=body, headers={"If-Match": '"1"'})
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"reviewed_on": ["The review date must be today or in the past"]}


def test_review_date_must_be_a_real_date(api_as, org):
    risk = RiskFactory(register=org.ln.register)
    body = _review_body(reviewed_on="2025-02-30")
    response = api_as(org.risk_ln).post(f"/risks/{risk.ref}/reviews", json=body, headers={"If-Match": '"1"'})
    assert response.status_code == 422
    message = "Date of review must be a real date in the form YYYY-MM-DD"
    assert error_of(response)["fields"] == {"reviewed_on": [message]}


def test_a_countermeasure_records_how_often_it_operates(api_as, org):
    risk = RiskFactory(register=org.ln.register)
    body = _countermeasure_body(org.risk_ln, frequency="daily")
    response = api_as(org.risk_ln).post(f"/risks/{risk.ref}/countermeasures", json=body)
    assert response.status_code == 201 and response.get_json()["data"]["frequency"] == "daily"
    refused = api_as(org.risk_ln).post(
        f"/risks/{risk.ref}/countermeasures", json=_countermeasure_body(org.risk_ln, frequency="hourly")
    )
    assert refused.status_code in (400, 422)
