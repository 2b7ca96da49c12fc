"""Similar risks in other registers are shown before a risk is saved, with "link to this risk instead" first."""

from bs4 import BeautifulSoup

from riskreg.enums import LinkKind
from riskreg.extensions import db
from riskreg.models import AuditEvent, Risk, RiskLink
from riskreg.services.flags import similarity
from tests.factories import RiskFactory


def _soup(response):
    return BeautifulSoup(response.data, "html.parser")


def _risk_form(owner, **overrides):
    data = {
        "title": "Not enough lawyers to cover the caseload",
        "cause": "Vacancies left unfilled",
        "event": "the area has too few prosecutors to review files as they arrive",
        "consequence": "cases are reviewed late",
        "category": "people",
        "objective": "people",
        "owner_id": str(owner.id),
        "influence": "medium",
        "inherent_l": "4",
        "inherent_i": "4",
        "residual_l": "3",
        "residual_i": "4",
        "target_l": "2",
        "target_i": "3",
    }
    data.update(overrides)
    return data


def _corporate_workforce_risk(org, **kwargs):
    risk = RiskFactory(
        register=org.hq.register,
        title="Legal workforce capacity",
        event="the organisation lacks sufficient qualified lawyers to manage casework demand",
        **kwargs,
    )
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
    first_choice = row.select("button")[0]
    assert first_choice.get_text(" ", strip=True).startswith("Link to this risk instead")
    assert (first_choice["name"], first_choice["value"]) == ("link_to", f"{corporate.ref}:contributes_to")
    # Enter in a field submits with the form's first button: it only checks again, it never links.
    default = page.select_one("main form button")
    assert default.get_text(strip=True) == "Check for similar risks again" and not default.get("name")
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
    similarity.refresh_embedding(
        RiskFactory(
            register=org.hq.register, title="Flood defences fail", event="flood defences fail during a storm surge"
        )
    )
    sign_in(org.risk_ln)
    response = client.post("/registers/LN/risks/new", data=_risk_form(org.risk_ln))
    assert response.status_code == 302
    assert len(_risks_titled("Not enough lawyers to cover the caseload")) == 1


def test_risks_in_the_same_register_are_not_offered(client, org, sign_in):
    RiskFactory(
        register=org.ln.register,
        title="Legal workforce capacity",
        event="the area lacks enough qualified lawyers to manage casework demand",
    )
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


def test_link_to_this_risk_instead_saves_the_risk_linked_to_the_chosen_one(client, org, sign_in):
    corporate = _corporate_workforce_risk(org)
    sign_in(org.risk_ln)
    data = _risk_form(org.risk_ln, link_to=f"{corporate.ref}:contributes_to")
    response = client.post("/registers/LN/risks/new", data=data)
    assert response.status_code == 302
    [risk] = _risks_titled("Not enough lawyers to cover the caseload")
    assert response.headers["Location"].endswith(f"/risks/{risk.ref}#links")
    link = db.session.scalar(db.select(RiskLink))
    assert (link.from_risk, link.to_risk, link.kind) == (risk, corporate, LinkKind.CONTRIBUTES_TO)
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.risk_id == risk.id))
    actions = {event.action for event in events}
    assert {"risk.created", "link.added"} <= actions


def test_a_link_the_rules_refuse_saves_nothing_and_offers_related(client, org, sign_in):
    event = "the organisation lacks sufficient qualified lawyers to manage casework demand"
    beside = RiskFactory(register=org.ls.register, title="Legal workforce capacity", event=event)
    similarity.refresh_embedding(beside)
    sign_in(org.risk_ln)
    data = _risk_form(org.risk_ln, link_to=f"{beside.ref}:contributes_to")
    refused = client.post("/registers/LN/risks/new", data=data)
    assert refused.status_code == 400
    page = _soup(refused)
    assert "London South is not above London North" in page.select_one(".govuk-error-summary").get_text()
    assert _risks_titled("Not enough lawyers to cover the caseload") == []
    offer = page.select_one("#similar-risks button[name=link_to]")
    assert offer["value"] == f"{beside.ref}:related" and "Link as related instead" in offer.get_text()

    related = client.post("/registers/LN/risks/new", data=_risk_form(org.risk_ln, link_to=f"{beside.ref}:related"))
    assert related.status_code == 302
    link = db.session.scalar(db.select(RiskLink))
    assert (link.to_risk, link.kind) == (beside, LinkKind.RELATED)


def test_linking_an_edited_risk_instead(client, org, sign_in):
    corporate = _corporate_workforce_risk(org)
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln, title="Old title", event="old event")
    sign_in(org.risk_ln)
    data = _risk_form(org.risk_ln, version=str(risk.version), link_to=f"{corporate.ref}:contributes_to")
    assert client.post(f"/risks/{risk.ref}/edit", data=data).status_code == 302
    assert risk.title == "Not enough lawyers to cover the caseload"
    assert db.session.scalar(db.select(RiskLink)).to_risk == corporate
    hidden = RiskFactory(register=org.hq.register, restricted=True)
    data = _risk_form(org.risk_ln, version=str(risk.version), link_to=f"{hidden.ref}:related")
    assert client.post(f"/risks/{risk.ref}/edit", data=data).status_code == 404
