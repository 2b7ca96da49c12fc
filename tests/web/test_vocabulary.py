"""Risk categories and strategic objectives are the organisation's data, edited by administrators (issues 16, 17):
seeded with riskreg's earlier values, offered by forms, checked by the services and the API, read by imports,
shown by their names on pages and in exports."""

import csv
import io

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from riskreg.extensions import db
from riskreg.models import AuditEvent, Risk, RiskCategory
from riskreg.services import ServiceError, vocabulary
from riskreg.services.administration import vocabulary as admin
from riskreg.services.transfer import exporting
from tests.conftest import count_queries
from tests.factories import RiskFactory
from tests.web.test_risks import _risk_form


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def _options(response, name: str) -> list[str]:
    select = BeautifulSoup(response.data, "html.parser").select_one(f"select[name={name}]")
    return [option["value"] for option in select.select("option") if option["value"]]


def test_the_migration_seeds_the_earlier_values_and_labels(app):
    categories, objectives = vocabulary.categories(), vocabulary.objectives()
    assert categories.codes[:3] == ("strategy", "governance", "operations") and len(categories.codes) == 13
    assert categories.label("project") == "Project or programme" and categories.label(None) == "Not yet set"
    assert [(t.code, t.label) for t in objectives.entries] == [
        ("people", "People"),
        ("quality", "Quality"),
        ("efficiency", "Efficiency"),
        ("digitisation", "Digitisation"),
    ]


def test_add_rename_reorder_retire_reinstate_each_audited(org):
    added = admin.add("categories", "  Partnerships  ", "Work with the police and courts", org.admin)
    assert (added.code, added.label, vocabulary.categories().codes[-1]) == (
        "partnerships",
        "Partnerships",
        "partnerships",
    )
    admin.edit(added, "Partnerships and agencies", "Work with the police and courts", org.admin)
    admin.move(added, -1, org.admin)
    assert vocabulary.categories().codes[-2:] == ("partnerships", "reputational")
    admin.retire(added, org.admin)
    assert "partnerships" not in {code for code, _label in vocabulary.categories().choices()}
    assert vocabulary.categories().label("partnerships") == "Partnerships and agencies"  # still read on risks
    admin.reinstate(added, org.admin)
    assert "partnerships" in {code for code, _label in vocabulary.categories().choices()}
    assert _actions()[-5:] == [
        "risk_category.added",
        "risk_category.changed",
        "risk_category.moved",
        "risk_category.retired",
        "risk_category.reinstated",
    ]
    with pytest.raises(ServiceError, match="already a category called Legal"):
        admin.add("categories", "legal", None, org.admin)
    with pytest.raises(ServiceError, match="cannot move further up"):
        admin.move(admin.get_entry("categories", "strategy"), -1, org.admin)


def test_a_used_entry_cannot_be_deleted_only_retired_and_an_unused_one_can(org):
    used = admin.add("objectives", "Victims and witnesses", None, org.admin)
    RiskFactory(register=org.ln.register, objective=used.code)
    with pytest.raises(ServiceError, match="used 1 time: retire it instead"):
        admin.delete(used, org.admin)
    with pytest.raises(ServiceError, match="used 1 time"):
        admin.delete(admin.get_entry("categories", "operations"), org.admin)  # the factory's risks use it
    unused = admin.add("objectives", "Added by mistake", None, org.admin)
    admin.delete(unused, org.admin)
    assert "added_by_mistake" not in vocabulary.objectives().codes
    assert _actions()[-1] == "strategic_objective.deleted"


def test_a_retired_category_is_not_offered_for_new_risks_but_a_risk_keeps_its_own(client, org, sign_in):
    admin.retire(admin.get_entry("categories", "legal"), org.admin)
    risk = RiskFactory(register=org.ln.register, category="legal", owner=org.risk_ln)
    db.session.commit()
    sign_in(org.risk_ln)
    assert "legal" not in _options(client.get("/registers/LN/risks/new"), "category")
    refused = client.post("/registers/LN/risks/new", data=_risk_form(org.risk_ln))
    assert refused.status_code == 400 and db.session.scalar(sa.select(sa.func.count()).select_from(Risk)) == 1
    edit = client.get(f"/risks/{risk.ref}/edit")
    assert "legal" in _options(edit, "category")
    kept = _risk_form(org.risk_ln, version=str(risk.version), title="Renamed, category kept")
    assert client.post(f"/risks/{risk.ref}/edit", data=kept).status_code == 302
    db.session.refresh(risk)
    assert (risk.title, risk.category) == ("Renamed, category kept", "legal")


def test_a_renamed_label_shows_on_the_risk_page_the_register_and_the_export(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, category="people", objective="quality")
    admin.edit(admin.get_entry("categories", "people"), "People and capability", None, org.admin)
    admin.edit(admin.get_entry("objectives", "quality"), "Quality casework", None, org.admin)
    db.session.commit()
    sign_in(org.hq_risk)
    page = client.get(f"/risks/{risk.ref}").get_data(as_text=True)
    assert "People and capability (appetite: cautious" in page and "Quality casework" in page
    assert "People and capability" in client.get("/registers/LN").get_data(as_text=True)
    out = io.BytesIO()
    exporting.export([org.ln.register], org.hq_risk, "csv", out)
    header, row = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))[:2]
    assert row[header.index("Category")] == "People and capability"
    assert row[header.index("Strategic objective")] == "Quality casework"
    json_out = io.BytesIO()
    exporting.export([org.ln.register], org.hq_risk, "json", json_out)
    assert b'"category": "people"' in json_out.getvalue()  # machines keep the code


def test_the_admin_pages_add_edit_retire_and_delete(client, org, sign_in):
    RiskFactory(register=org.ln.register, category="operations")
    db.session.commit()
    sign_in(org.admin)
    assert client.get("/admin/categories").status_code == 200
    assert client.get("/admin/objectives").status_code == 200
    added = client.post("/admin/categories/new", data={"label": "Partnerships", "description": "", "code": ""})
    assert added.status_code == 302
    clash = client.post("/admin/categories/new", data={"label": "Other", "code": "legal"})
    assert clash.status_code == 400 and b"already a category with the code legal" in clash.data
    reserved = client.post("/admin/categories/new", data={"label": "Submission", "code": "submit"})
    assert reserved.status_code == 400
    assert client.post("/admin/categories/partnerships/edit", data={"label": "Partners"}).status_code == 302
    assert client.post("/admin/categories/partnerships/move", data={"direction": "up"}).status_code == 302
    assert b"Retire Partners?" in client.get("/admin/categories/partnerships/retire").data
    assert client.post("/admin/categories/partnerships/retire").status_code == 302
    assert b"Operations is used 1 time" in client.get("/admin/categories/operations/delete").data
    assert client.post("/admin/categories/operations/delete").status_code == 400
    assert client.post("/admin/categories/partnerships/delete").status_code == 302
    assert db.session.get(RiskCategory, "partnerships") is None
    assert client.get("/admin/categories/nothing/edit").status_code == 404
    assert client.get("/admin/colours").status_code == 404


def test_the_list_page_runs_the_same_queries_however_many_entries(client, org, sign_in):
    sign_in(org.admin)
    client.get("/admin/categories")
    with count_queries() as before:
        client.get("/admin/categories")
    for n in range(5):
        admin.add("categories", f"Extra {n}", None, org.admin)
    db.session.commit()
    with count_queries() as after:
        assert client.get("/admin/categories").status_code == 200
    assert len(after) == len(before)


def test_a_category_a_units_appetite_names_is_in_use_and_cannot_be_deleted(client, org, sign_in):
    """Counting only the organisation's appetite settings, deleting it reached the database's foreign key (a 500)."""
    from riskreg.enums import AppetiteLevel
    from riskreg.services.administration import scoring

    added = admin.add(admin.CATEGORIES, "Partnerships", None, org.admin)
    scoring.set_unit_appetite(org.ln, {added.code: AppetiteLevel.AVERSE}, org.admin)
    db.session.commit()
    sign_in(org.admin)
    assert admin.uses(admin.CATEGORIES)[added.code] == 1
    assert client.post(f"/admin/categories/{added.code}/delete").status_code == 400
    assert db.session.get(RiskCategory, added.code) is not None


def test_a_code_made_from_the_name_may_not_be_a_forms_own_name(client, org, sign_in):
    sign_in(org.admin)
    refused = client.post("/admin/categories/new", data={"label": "Submit", "description": "", "code": ""})
    assert refused.status_code == 400 and b"a word riskreg" in refused.data
    assert db.session.get(RiskCategory, "submit") is None


def test_a_crafted_move_is_refused_on_the_list_page_and_moves_nothing(client, org, sign_in):
    sign_in(org.admin)
    before = [entry.code for entry in admin.all_entries(admin.CATEGORIES)]
    refused = client.post("/admin/categories/legal/move", data={"direction": "sideways"})
    assert refused.status_code == 400 and b"Choose up or down" in refused.data
    assert [entry.code for entry in admin.all_entries(admin.CATEGORIES)] == before
