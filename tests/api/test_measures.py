"""Measure values through the API: recorded, rated, and the risks they flag named in the answer."""

from riskreg.extensions import db
from tests.api.conftest import error_of
from tests.factories import RiskFactory
from tests.measures.support import make_measure


def test_the_api_records_a_value_and_says_which_risks_it_flagged(api_as, org, frozen_clock):
    risk = RiskFactory(register=org.ln.register)
    measure = make_measure(org.ln, [risk], org.risk_ln)
    db.session.commit()
    api = api_as(org.risk_ln)
    response = api.post(f"/measures/{measure.id}/values", json={"period": "2026-05", "value": 2.5, "note": "late"})
    assert response.status_code == 201
    body = response.get_json()["data"]
    assert body["flagged"] == [risk.ref] and body["value"]["rating"] == "red" and body["value"]["value"] == 2.5
    listed = api.get("/registers/LN/measures").get_json()["data"]
    assert listed[0]["latest"]["period"] == "May 2026" and listed[0]["risks"] == [risk.ref]
    refused = api.post(f"/measures/{measure.id}/values", json={"period": "Smarch", "value": 1})
    assert refused.status_code == 422 and "period" in error_of(refused)["fields"]
    assert (
        api_as(org.viewer_ln).post(f"/measures/{measure.id}/values", json={"period": "2026-05", "value": 1}).status_code
        == 403
    )


def test_the_api_does_not_reveal_a_restricted_risk_a_measure_informs(api_as, org):
    hidden = RiskFactory(register=org.ln.register, restricted=True)
    make_measure(org.ln, [hidden], org.risk_ln)
    db.session.commit()
    assert api_as(org.head_ls).get("/registers/LN/measures").get_json()["data"][0]["risks"] == []
    assert api_as(org.risk_ln).get("/registers/LN/measures").get_json()["data"][0]["risks"] == [hidden.ref]
