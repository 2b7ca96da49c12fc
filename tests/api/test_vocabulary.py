"""Categories and objectives in the API (issues 16, 17): listed, checked against the organisation's own lists,
and an added one accepted end to end (the page's form, the API, an import)."""

import sqlalchemy as sa

from riskreg.extensions import db
from riskreg.models import Risk
from riskreg.services.administration import vocabulary as admin
from riskreg.services.transfer import importing
from tests.api.conftest import error_of
from tests.factories import RiskFactory
from tests.web.test_risks import _risk_form


def _risk_body(owner, **overrides) -> dict:
    body = {key: value for key, value in _risk_form(owner).items() if key != "owner_id"}
    body.update({key: int(body[key]) for key in ("inherent_l", "inherent_i", "residual_l", "residual_i")})
    body.update(owner_id=owner.id, target_l=2, target_i=4, **overrides)
    return body


def test_a_new_category_works_end_to_end_in_the_form_the_api_and_an_import(client, api_as, org, sign_in):
    admin.add("categories", "Partnerships", None, org.admin)
    db.session.commit()
    sign_in(org.risk_ln)
    response = client.post("/registers/LN/risks/new", data=_risk_form(org.risk_ln, category="partnerships"))
    assert response.status_code == 302
    created = api_as(org.risk_ln).post("/registers/LN/risks", json=_risk_body(org.risk_ln, category="partnerships"))
    assert created.status_code == 201 and created.get_json()["data"]["category"] == "partnerships"
    data = b"Title,Category,Residual likelihood,Residual impact\nJoint working fails,PARTNERSHIPS,3,4\n"
    result, _outcome = importing.import_file(org.ln.register, data, "ln.csv", org.risk_ln, importing.ImportOptions())
    categories = db.session.scalars(sa.select(Risk.category).order_by(Risk.id)).all()
    assert categories == ["partnerships", "partnerships", "partnerships"]


def test_the_api_lists_them_and_refuses_codes_it_does_not_have(api_as, org):
    admin.retire(admin.get_entry("objectives", "digitisation"), org.admin)
    db.session.commit()
    api = api_as(org.viewer_ln)
    listed = api.get("/categories").get_json()["data"]
    assert listed[11] == {"code": "project", "label": "Project or programme", "description": None, "retired": False}
    assert api.get("/objectives").get_json()["data"][-1]["retired"] is True
    writer = api_as(org.risk_ln)
    unknown = writer.post("/registers/LN/risks", json=_risk_body(org.risk_ln, category="weather"))
    assert unknown.status_code == 422
    assert error_of(unknown)["fields"]["category"][0].startswith("Category must be one of: strategy, governance")
    retired = writer.post("/registers/LN/risks", json=_risk_body(org.risk_ln, objective="digitisation"))
    assert retired.status_code == 422 and "efficiency" in error_of(retired)["fields"]["objective"][0]
    # A filter by a code the organisation does not have matches nothing (the document cannot list the codes).
    RiskFactory(register=org.ln.register)
    assert api.get("/registers/LN/risks?category=weather").get_json()["data"] == []
