"""The API's risk list takes q= and answers through the search service (issue 17)."""

from tests.api.conftest import api_as  # noqa: F401 - the fixture, for this package
from tests.factories import RiskFactory


def _refs(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["ref"] for item in response.get_json()["data"]]


def test_q_finds_by_words_or_reference_and_keeps_restricted_risks_from_others(api_as, org):  # noqa: F811
    letters = RiskFactory(register=org.ln.register, title="Victim letters sent late")
    other = RiskFactory(register=org.ln.register, title="Court backlog", cause="letters pile up")
    secret = RiskFactory(register=org.ln.register, title="Victim letters leaked", restricted=True)
    head_ln = api_as(org.head_ln)
    assert _refs(head_ln.get("/registers/LN/risks?q=victim letters")) == [letters.ref, secret.ref]
    assert _refs(head_ln.get(f"/registers/LN/risks?q={other.ref.lower()}")) == [other.ref]
    assert _refs(head_ln.get("/registers/LN/risks?q=letters&sort=title")) == [other.ref, secret.ref, letters.ref]
    assert _refs(api_as(org.risk_ls).get("/registers/LN/risks?q=victim letters")) == [letters.ref]


def test_a_q_too_long_is_refused(api_as, org):  # noqa: F811
    response = api_as(org.head_ln).get("/registers/LN/risks?q=" + "x" * 201)
    assert response.status_code == 400
