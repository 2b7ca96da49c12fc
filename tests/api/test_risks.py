"""Reading and writing risks through the API: the pages' services, policy and optimistic lock."""

from datetime import timedelta

import pytest

from riskreg.clock import today
from riskreg.extensions import db
from riskreg.models import AuditEvent, Risk
from tests.api.conftest import error_of
from tests.factories import CountermeasureFactory, ReviewFactory, RiskFactory


def _risk_body(owner, **overrides) -> dict:
    body = {
        "title": "Custody time limits missed",
        "cause": "Manual diary systems",
        "event": "a custody time limit expires",
        "consequence": "a defendant is released",
        "category": "legal",
        "objective": "quality",
        "owner_id": owner.id,
        "influence": "high",
        "inherent_l": 4,
        "inherent_i": 5,
        "residual_l": 3,
        "residual_i": 5,
        "target_l": 2,
        "target_i": 4,
    }
    body.update(overrides)
    return body


def _risk_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Risk))


def test_risk_with_countermeasures_reviews_and_etag(api_as, org):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    CountermeasureFactory(risk=risk, title="Daily CTL check", owner=org.risk_ln)
    ReviewFactory(risk=risk, reviewer=org.risk_ln, residual_l=4, residual_i=4, commentary="Two failures")
    response = api_as(org.viewer_ln).get(f"/risks/{risk.ref.lower()}")
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{risk.version}"'
    data = response.get_json()["data"]
    assert data["version"] == risk.version and data["register"] == "LN"
    assert [c["title"] for c in data["countermeasures"]] == ["Daily CTL check"]
    assert data["reviews"][0]["commentary"] == "Two failures" and data["reviews"][0]["residual_score"] == 16


def test_restricted_risk_is_404_for_those_who_may_not_see_it(api_as, org):
    risk = RiskFactory(register=org.ln.register, restricted=True)
    assert api_as(org.risk_ls).get(f"/risks/{risk.ref}").status_code == 404
    assert api_as(org.risk_ls).patch(f"/risks/{risk.ref}", json={}, headers={"If-Match": '"1"'}).status_code == 404
    assert api_as(org.committee).get(f"/risks/{risk.ref}").status_code == 200


def test_create_risk_uses_the_risk_service(api_as, org):
    response = api_as(org.risk_ln).post("/registers/LN/risks", json=_risk_body(org.risk_ln, title="  Padded  "))
    assert response.status_code == 201
    data = response.get_json()["data"]
    assert data["ref"] == "LN-001" and data["title"] == "Padded" and data["residual_score"] == 15
    assert response.headers["Location"] == "/api/v1/risks/LN-001"
    assert response.headers["ETag"] == '"1"'
    # The service's cadence: high band, reviewed every 60 days; the audit trail names the token's user.
    assert data["next_review_on"] == (today() + timedelta(days=60)).isoformat()
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "risk.created"))
    assert event.actor_id == org.risk_ln.id and event.changes["title"] == "Padded"


@pytest.mark.parametrize("user", ["risk_ls", "viewer_ln", "hq_risk", "nobody"])
def test_another_units_write_is_refused_with_403(api_as, org, user):
    before = _risk_count()
    response = api_as(getattr(org, user)).post("/registers/LN/risks", json=_risk_body(org.risk_ln))
    assert response.status_code == 403
    assert error_of(response)["message"] == "You do not have permission to do this"
    assert _risk_count() == before


def test_another_units_update_is_refused_with_403(api_as, org):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    response = api_as(org.risk_ls).patch(f"/risks/{risk.ref}", json={"title": "Mine now"}, headers={"If-Match": '"1"'})
    assert response.status_code == 403
    db.session.refresh(risk)
    assert risk.title != "Mine now"


def test_validation_gives_422_with_a_message_per_field(api_as, org):
    body = _risk_body(org.risk_ln, title="   ", residual_l=6, category="weather", colour="red")
    del body["cause"]
    response = api_as(org.risk_ln).post("/registers/LN/risks", json=body)
    assert response.status_code == 422
    fields = error_of(response)["fields"]
    assert fields == {
        "title": ["Enter the title"],
        "cause": ["Enter the cause"],
        "residual_l": ["Residual likelihood must be from 1 to 5"],
        "category": [fields["category"][0]],
        "colour": ["colour is not a field that can be set here"],
    }
    assert fields["category"][0].startswith("Category must be one of: strategy, governance")
    assert _risk_count() == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": "x" * 201}, "title", "Title must be 200 characters or fewer"),
        ({"title": "nul\x00byte"}, "title", "Title must not contain NUL characters"),
        ({"inherent_i": "5"}, "inherent_i", "Inherent impact must be a whole number"),
        ({"restricted": "yes"}, "restricted", "Restricted must be true or false"),
        ({"owner_id": None}, "owner_id", "Owner must be a whole number"),
    ],
)
def test_each_kind_of_invalid_value_is_named(api_as, org, change, field, message):
    response = api_as(org.risk_ln).post("/registers/LN/risks", json=_risk_body(org.risk_ln, **change))
    assert response.status_code == 422
    assert error_of(response)["fields"] == {field: [message]}


def test_owner_must_be_someone_the_form_would_offer(api_as, org):
    response = api_as(org.risk_ln).post("/registers/LN/risks", json=_risk_body(org.risk_ls))
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"owner_id": ["Select an owner listed at GET /registers/LN/owners"]}


@pytest.mark.parametrize(
    ("data", "headers", "status"),
    [
        ("not json", {"Content-Type": "application/json"}, 400),
        ('{"title": ', {"Content-Type": "application/json"}, 400),
        ("[1, 2]", {"Content-Type": "application/json"}, 422),
        ("title=x", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
        ('"\\ud800"', {"Content-Type": "application/json"}, 400),
        ("[" * 100_000 + "]" * 100_000, {"Content-Type": "application/json"}, 400),
    ],
)
def test_bodies_that_are_not_a_json_object(api_as, org, data, headers, status):
    response = api_as(org.risk_ln).post("/registers/LN/risks", data=data, headers=headers)
    assert response.status_code == status
    assert error_of(response)["message"]


def test_oversized_body_gets_413_json(api_as, org, app):
    body = _risk_body(org.risk_ln, cause="x" * (app.config["RISKREG_API_MAX_BODY_BYTES"] + 1))
    response = api_as(org.risk_ln).post("/registers/LN/risks", json=body)
    assert response.status_code == 413
    assert error_of(response)["message"] == "The request body is too large"


def test_update_with_the_current_etag(api_as, org):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln, residual_l=3, residual_i=3)
    api = api_as(org.risk_ln)
    etag = api.get(f"/risks/{risk.ref}").headers["ETag"]
    response = api.patch(f"/risks/{risk.ref}", json={"residual_l": 5, "residual_i": 5}, headers={"If-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{risk.version}"' != etag
    assert response.get_json()["data"]["residual_score"] == 25
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "risk.updated"))
    assert event.changes["residual_l"] == [3, 5] and event.actor_id == org.risk_ln.id


def test_stale_update_gets_409_and_changes_nothing(api_as, org):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    alice, bob = api_as(org.risk_ln), api_as(org.head_ln)
    etag = alice.get(f"/risks/{risk.ref}").headers["ETag"]
    assert bob.get(f"/risks/{risk.ref}").headers["ETag"] == etag
    assert alice.patch(f"/risks/{risk.ref}", json={"title": "Alice's"}, headers={"If-Match": etag}).status_code == 200
    response = bob.patch(f"/risks/{risk.ref}", json={"title": "Bob's"}, headers={"If-Match": etag})
    assert response.status_code == 409
    assert "changed by someone else" in error_of(response)["message"]
    db.session.refresh(risk)
    assert risk.title == "Alice's"


@pytest.mark.parametrize(("if_match", "status"), [(None, 428), ("*", 428), ('W/"1"', 409), ("1", 409), ('"2"', 409)])
def test_if_match_must_name_the_current_version(api_as, org, if_match, status):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    headers = {"If-Match": if_match} if if_match is not None else {}
    response = api_as(org.risk_ln).patch(f"/risks/{risk.ref}", json={"title": "Changed"}, headers=headers)
    assert response.status_code == status
    db.session.refresh(risk)
    assert risk.title != "Changed"


def test_if_match_may_list_several_tags(api_as, org):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    headers = {"If-Match": f'"7", "{risk.version}"'}
    assert api_as(org.risk_ln).patch(f"/risks/{risk.ref}", json={}, headers=headers).status_code == 200
