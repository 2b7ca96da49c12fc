"""Similar risks in other registers are shown before a risk is saved, with "link to this risk instead" first."""

from bs4 import BeautifulSoup

from riskreg.extensions import db
from riskreg.models import Risk
from riskreg.services import similarity
from tests.factories import RiskFactory


def _soup(response):
    return BeautifulSoup(response.data, "html.parser")


def _risk_form(owner, **overrides):
    data = {
        "title": "Not enough lawyers to cover the caseload",
        "cause": "Vacancies left unfilled",
        "event": "the area has too few prosecutors to review files as they arrive",
        "consequence": "cases are reviewed late",
        "category": "people", "objective": "people", "owner_id": str(owner.id), "influence": "medium",
        "inherent_l": "4", "inherent_i": "4", "residual_l": "3", "residual_i": "4", "target_l": "2", "target_i": "3",
    }  # fmt: skip
    data.update(overrides)
    return data


def _corporate_workforce_risk(org, **kwargs):
    risk = RiskFactory(
        register=org.hq.register, title="Legal workforce capacity",
        event="the organisation lacks sufficient qualified lawyers to manage casework demand", **kwargs,
    )  # fmt: skip
    similarity.refresh_embedding(risk)
    return risk


def _risks_titled(title):
    return db.session.scalars(db.select(Risk).where(Risk.title == title)).all()


def test_similar_risks_in_other_registers_are_shown_before_saving(client, org, sign_in):
    corporate = _corporate_workforce_risk(org)
    sign_in(org.risk_ln)
    response = client.post("/registers/LN/risks/new", data=_risk_form(org.risk_ln))
    assert response.status_code == 200
    page = _soup(response)
    panel = page.select_one("#similar-risks")
    assert "Check for similar risks before you save" in panel.get_text(" ", strip=True)
    row = panel.select_one("tbody tr")
    assert corporate.ref in row.get_text(" ", strip=True) and corporate.register.title in row.get_text(" ", strip=True)
    first_choice = row.select("a")[0]
    assert first_choice.get_text(" ", strip=True).startswith("Link to this risk instead")
    assert first_choice["href"] == f"/risks/{corporate.ref}"
    assert "not available yet" in panel.get_text(" ", strip=True)
    # Nothing is saved yet, and the answers are kept for "Save anyway".
    assert _risks_titled("Not enough lawyers to cover the caseload") == []
    assert page.select_one("#title")["value"] == "Not enough lawyers to cover the caseload"
    assert page.select_one("form button[name=save_anyway]") is not None


def test_save_anyway_saves_the_risk(client, org, sign_in):
    _corporate_workforce_risk(org)
    sign_in(org.risk_ln)
    response = client.post("/registers/LN/risks/new", data=_risk_form(org.risk_ln, save_anyway="Save anyway"))
    assert response.status_code == 302
    [risk] = _risks_titled("Not enough lawyers to cover the caseload")
    assert response.headers["Location"].endswith(f"/risks/{risk.ref}")


def test_the_check_is_skipped_when_nothing_similar_exists(client, org, sign_in):
    similarity.refresh_embedding(RiskFactory(register=org.hq.register, title="Flood defences fail",
                                             event="flood defences fail during a storm surge"))  # fmt: skip
    sign_in(org.risk_ln)
    response = client.post("/registers/LN/risks/new", data=_risk_form(org.risk_ln))
    assert response.status_code == 302
    assert len(_risks_titled("Not enough lawyers to cover the caseload")) == 1


def test_risks_in_the_same_register_are_not_offered(client, org, sign_in):
    RiskFactory(register=org.ln.register, title="Legal workforce capacity",
                event="the area lacks enough qualified lawyers to manage casework demand")  # fmt: skip
    similarity.reindex()
    sign_in(org.risk_ln)
    assert client.post("/registers/LN/risks/new", data=_risk_form(org.risk_ln)).status_code == 302


def test_a_restricted_risk_is_not_shown_to_someone_who_cannot_read_it(client, org, sign_in):
    _corporate_workforce_risk(org, restricted=True)
    sign_in(org.risk_ls)  # London South cannot see a restricted corporate risk
    response = client.post("/registers/LS/risks/new", data=_risk_form(org.risk_ls))
    assert response.status_code == 302


def test_editing_the_text_shows_similar_risks_and_editing_only_scores_does_not(client, org, sign_in):
    corporate = _corporate_workforce_risk(org)
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln, title="Old title", event="old event")
    similarity.refresh_embedding(risk)
    sign_in(org.risk_ln)
    changed = client.post(f"/risks/{risk.ref}/edit", data=_risk_form(org.risk_ln, version=str(risk.version)))
    assert changed.status_code == 200
    assert corporate.ref in _soup(changed).select_one("#similar-risks").get_text(" ", strip=True)
    assert risk.title == "Old title"

    saved = client.post(
        f"/risks/{risk.ref}/edit", data=_risk_form(org.risk_ln, version=str(risk.version), save_anyway="Save anyway")
    )
    assert saved.status_code == 302 and risk.title == "Not enough lawyers to cover the caseload"
    scores_only = client.post(
        f"/risks/{risk.ref}/edit", data=_risk_form(org.risk_ln, version=str(risk.version), residual_l="2")
    )
    assert scores_only.status_code == 302 and risk.residual_l == 2
