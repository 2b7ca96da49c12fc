"""`GET /api/v1/registers/LN` and the register list count restricted risks only for callers who may read them
(issue 17: the figures said 24 open risks to a reader who may see 23)."""

from tests import factories


def _open_risks(api, path: str) -> int:
    response = api.get(path)
    assert response.status_code == 200
    return response.get_json()["data"]["figures"]["open_risks"]


def test_a_register_counts_only_what_the_caller_may_read(api_as, org, frozen_clock):
    factories.RiskFactory(register=org.ln.register)
    factories.RiskFactory(register=org.ln.register, restricted=True)
    assert _open_risks(api_as(org.head_ls), "/api/v1/registers/LN") == 1
    assert _open_risks(api_as(org.head_ln), "/api/v1/registers/LN") == 2
    assert _open_risks(api_as(org.hq_risk), "/api/v1/registers/LN") == 2


def test_the_register_list_too(api_as, org, frozen_clock):
    factories.RiskFactory(register=org.ln.register, restricted=True)
    listed = api_as(org.head_ls).get("/api/v1/registers").get_json()["data"]
    ln = next(item for item in listed if item["code"] == "LN")
    assert ln["figures"]["open_risks"] == 0
