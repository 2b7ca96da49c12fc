"""Registers and their risk lists: pagination, filters, the restricted-risk rule, and constant query counts."""

from datetime import timedelta

from riskreg.clock import today
from riskreg.enums import RiskStatus, UnitKind
from tests.api.conftest import error_of
from tests.conftest import count_queries
from tests.factories import RiskFactory, UnitFactory


def test_registers_are_paginated_by_code_with_links(api_as, org):
    api = api_as(org.viewer_ln)
    first = api.get("/registers?per_page=2").get_json()
    assert [item["code"] for item in first["data"]] == ["HQ", "LN"]
    assert first["meta"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}
    assert first["links"]["prev"] is None
    second = api.get(first["links"]["next"]).get_json()
    assert [item["code"] for item in second["data"]] == ["LS"]
    assert second["links"]["next"] is None
    assert api.get(second["links"]["prev"]).get_json()["data"] == first["data"]
    assert api.get("/registers?page=9").get_json()["data"] == []


def test_register_shows_its_unit_and_figures(api_as, org):
    RiskFactory(register=org.ln.register, residual_l=5, residual_i=5)
    RiskFactory(register=org.ln.register, next_review_on=today() - timedelta(days=1))
    register = api_as(org.risk_ls).get("/registers/ln").get_json()["data"]
    assert register["code"] == "LN" and register["parent"] == "HQ" and register["unit"]["kind"] == "area"
    assert register["figures"] == {"open_risks": 2, "above_appetite": 1, "reviews_overdue": 1}
    assert register["risks_url"] == "/api/v1/registers/LN/risks"


def test_unknown_register_is_404_json(api_as, org):
    response = api_as(org.viewer_ln).get("/registers/NOPE")
    assert response.status_code == 404
    assert error_of(response)["message"] == "Not found"


def test_bad_pagination_is_refused_not_clamped(api_as, org):
    api = api_as(org.viewer_ln)
    for query in ("per_page=0", "per_page=101", "page=0", "page=two", "page=1.5"):
        response = api.get(f"/registers?{query}")
        assert response.status_code == 400, query
        assert set(error_of(response)["fields"]) == {query.split("=")[0]}


def test_owners_are_the_people_the_forms_offer(api_as, org):
    owners = api_as(org.viewer_ln).get("/registers/LN/owners").get_json()["data"]
    names = {owner["name"] for owner in owners}
    assert {"Helen Head", "Rhys Risk", "Vic Viewer"} <= names
    assert "Other Risk" not in names  # London South


def _refs(response) -> list[str]:
    return [risk["ref"] for risk in response.get_json()["data"]]


def test_risk_list_filters_like_the_register_page(api_as, org):
    high = RiskFactory(register=org.ln.register, residual_l=4, residual_i=4, category="legal", owner=org.risk_ln)
    low = RiskFactory(register=org.ln.register, residual_l=1, residual_i=2, next_review_on=today() - timedelta(days=3))
    closed = RiskFactory(register=org.ln.register, status=RiskStatus.CLOSED)
    api = api_as(org.viewer_ln)
    assert _refs(api.get("/registers/LN/risks")) == [high.ref, low.ref]
    assert _refs(api.get("/registers/LN/risks?status=all")) == [high.ref, low.ref, closed.ref]
    assert _refs(api.get("/registers/LN/risks?status=closed")) == [closed.ref]
    assert _refs(api.get("/registers/LN/risks?category=legal")) == [high.ref]
    assert _refs(api.get("/registers/LN/risks?band=very_high")) == [high.ref]
    assert _refs(api.get(f"/registers/LN/risks?owner={org.risk_ln.id}")) == [high.ref]
    assert _refs(api.get("/registers/LN/risks?overdue=true")) == [low.ref]
    assert _refs(api.get("/registers/LN/risks?likelihood=1&impact=2")) == [low.ref]
    assert _refs(api.get("/registers/LN/risks?sort=score")) == [high.ref, low.ref]


def test_risk_list_item_carries_scores_and_appetite(api_as, org):
    RiskFactory(register=org.ln.register, residual_l=4, residual_i=4, category="legal", owner=org.risk_ln)
    risk = api_as(org.viewer_ln).get("/registers/LN/risks").get_json()["data"][0]
    assert risk["residual_score"] == 16 and risk["residual_band"] == "very_high"
    assert risk["appetite"] == {"level": "averse", "tolerance": 4} and risk["above_appetite"] is True
    assert risk["owner"] == {"id": org.risk_ln.id, "name": "Rhys Risk"}
    assert risk["url"] == f"/api/v1/risks/{risk['ref']}" and risk["html_url"] == f"/risks/{risk['ref']}"


def test_invalid_filters_get_400_with_the_parameter_named(api_as, org):
    response = api_as(org.viewer_ln).get("/registers/LN/risks?category=legal&likelihood=6&overdue=yes")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"likelihood", "overdue"}


def test_filter_links_keep_the_filters(api_as, org):
    for _ in range(3):
        RiskFactory(register=org.ln.register, category="legal")
    page = api_as(org.viewer_ln).get("/registers/LN/risks?category=legal&per_page=2").get_json()
    assert "category=legal" in page["links"]["next"] and "page=2" in page["links"]["next"]


def test_restricted_risks_are_listed_only_for_those_who_may_see_them(api_as, org):
    secret = RiskFactory(register=org.ln.register, restricted=True)
    assert secret.ref in _refs(api_as(org.viewer_ln).get("/registers/LN/risks"))
    assert secret.ref in _refs(api_as(org.hq_risk).get("/registers/LN/risks"))
    assert secret.ref not in _refs(api_as(org.risk_ls).get("/registers/LN/risks"))


def _queries(api, url: str) -> int:
    with count_queries() as statements:
        assert api.get(url).status_code == 200
    return len(statements)


def test_risk_list_runs_the_same_queries_for_3_or_30_risks(api_as, org):
    api = api_as(org.viewer_ln)
    for n in range(3):
        RiskFactory(register=org.ln.register, owner=[org.risk_ln, org.head_ln, None][n])
    api.get("/me")  # records the token's first use, a write the later requests skip
    small = _queries(api, "/registers/LN/risks?per_page=100")
    for n in range(27):
        RiskFactory(register=org.ln.register, owner=[org.risk_ln, org.head_ln, org.viewer_ln][n % 3])
    assert _queries(api, "/registers/LN/risks?per_page=100") == small


def test_register_list_runs_the_same_queries_for_3_or_13_registers(api_as, org):
    api = api_as(org.viewer_ln)
    api.get("/me")
    small = _queries(api, "/registers?per_page=100")
    for n in range(10):
        UnitFactory(code=f"X{n}", kind=UnitKind.UNIT, parent=org.ln)
    assert _queries(api, "/registers?per_page=100") == small
