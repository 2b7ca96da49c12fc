"""Malformed input found by an adversarial run (issue 18): each gets a clear 4xx and changes nothing, or is
cleaned on the way in; what is already stored never breaks an export."""

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from riskreg.enums import CountermeasureStatus
from riskreg.extensions import db
from riskreg.models import AuditEvent, Countermeasure, Review, Risk
from tests.api.conftest import Api, error_of, make_token
from tests.factories import CountermeasureFactory, RiskFactory
from tests.web.test_risks import _review_form, _risk_form

ZERO_WIDTH = "\u200b\u200c\ufeff \u2060"


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_control_characters_are_removed_from_form_input(client, org, sign_in):
    sign_in(org.risk_ln)
    title = "Custody\x01 time\x00 limits\x7f missed\x1b"
    response = client.post("/registers/LN/risks/new", data=_risk_form(org.risk_ln, title=title))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Risk.title)) == "Custody time limits missed"


def test_a_title_of_invisible_characters_is_no_title(client, org, sign_in):
    sign_in(org.risk_ln)
    response = client.post("/registers/LN/risks/new", data=_risk_form(org.risk_ln, title=ZERO_WIDTH))
    assert response.status_code == 400 and "Enter a risk title" in response.get_data(as_text=True)
    assert _count(Risk) == 0


@pytest.mark.parametrize("title", ["Title\x01", "\x00", ZERO_WIDTH, "Line\x0bfeed"])
def test_the_api_refuses_control_and_invisible_only_titles(client, org, title):
    risk = RiskFactory(register=org.ln.register, title="Untouched")
    api = Api(client, make_token(org.risk_ln))
    response = api.patch(f"/risks/{risk.ref}", json={"title": title}, headers={"If-Match": f'"{risk.version}"'})
    assert response.status_code == 422 and "title" in error_of(response)["fields"]
    assert db.session.scalar(sa.select(Risk.title).where(Risk.id == risk.id)) == "Untouched"


def test_a_stored_control_character_does_not_break_the_xlsx_export(client, org, sign_in):
    RiskFactory(register=org.ln.register, title="Legacy\x01 title\x0b")  # stored before it was refused
    sign_in(org.viewer_ln)
    response = client.get("/registers/LN/export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert [row[2] for row in workbook["Risks"].iter_rows(min_row=2, values_only=True)] == ["Legacy title"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_exports_are_never_stored_by_caches(client, org, sign_in, fmt):
    sign_in(org.viewer_ln)
    response = client.get(f"/registers/LN/export.{fmt}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("parts", [[], ["1"], ["1", "2"], ["1", "2", "2026", "4"], ["31", "2", "2026"]])
def test_a_date_sent_with_the_wrong_number_of_parts_is_a_clear_400(client, org, sign_in, parts):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    countermeasure = CountermeasureFactory(risk=risk, owner=org.risk_ln, status=CountermeasureStatus.PLANNED)
    sign_in(org.risk_ln)
    events = _count(AuditEvent)
    review = client.post(f"/risks/{risk.ref}/reviews/new", data=_review_form(risk, reviewed_on=parts))
    assert review.status_code == 400 and "govuk-error-summary" in review.get_data(as_text=True)
    edit = client.post(
        f"/risks/{risk.ref}/countermeasures/{countermeasure.id}/edit",
        data={
            "title": "Edited",
            "kind": "detective",
            "owner_id": str(org.risk_ln.id),
            "status": "planned",
            "due_on": parts,
            "implemented_on": ["", "", ""],
            "version": str(countermeasure.version),
        },
    )
    # An absent optional date is simply no date; anything else that is not a real date is refused.
    assert edit.status_code == (302 if parts == [] else 400)
    if parts:
        assert db.session.get(Countermeasure, countermeasure.id).title != "Edited"
    assert _count(Review) == 0 and _count(AuditEvent) == events + (1 if parts == [] else 0)


BIG = [str(2**31), str(2**63), str(2**64 + 1), "9" * 40]


@pytest.mark.parametrize("number", BIG)
def test_ids_beyond_the_database_are_not_found(client, org, sign_in, number):
    risk = RiskFactory(register=org.ln.register)
    sign_in(org.hq_risk)
    for url in (
        f"/risks/{risk.ref}/countermeasures/{number}",
        f"/flags/{number}",
        f"/certificates/{number}",
        f"/evidence/{number}/download",
        f"/links/{number}/remove",
    ):
        assert client.get(url).status_code == 404, url
    # Not 405 either, where the same path has a rule for another method (werkzeug's answer to a failed converter).
    api = Api(client, make_token(org.risk_ln))
    assert api.patch(f"/risks/{risk.ref}/countermeasures/{number}", json={}).status_code == 404


@pytest.mark.parametrize("number", [*BIG, "²", "-1", "0"])
def test_any_page_number_shows_a_page(client, org, sign_in, number):
    RiskFactory(register=org.ln.register)
    sign_in(org.hq_risk)
    assert client.get(f"/registers/LN?page={number}").status_code == 200
    assert client.get(f"/flags?page={number}").status_code in (200, 400)


@pytest.mark.parametrize("meeting", [["1", "1", "0001"], ["31", "12", "9999"], ["1", "1", "1899"]])
def test_committee_meetings_far_in_the_past_or_future_are_refused(client, org, sign_in, meeting):
    sign_in(org.committee)
    response = client.post("/committee/pack", data={"meeting": meeting})
    assert response.status_code == 400 and "must be between" in response.get_data(as_text=True)


def test_a_mapping_download_names_a_non_ascii_upload_properly(client, org, sign_in):
    from riskreg.services.transfer import importing

    data = b"Title,Residual likelihood,Residual impact\nStaff shortages,3,4\n"
    upload = importing.store_upload(org.ln.register, org.risk_ln, 'Règistre "ü".csv', data, importing.ImportOptions())
    db.session.commit()
    sign_in(org.risk_ln)
    response = client.get(f"/registers/LN/import/{upload.token}/mapping.json")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''R%C3%A8gistre" in disposition


@pytest.mark.parametrize(
    "mapping",
    [
        '{"columns": {}, "scales": {"likelihood": [5]}}',
        '{"columns": {}, "defaults": {"category": ["legal"]}}',
        '{"columns": {}, "sheet": ["Risks"]}',
        '{"columns": {}, "header_row": [1]}',
        '{"columns": {}, "scales": [5]}',
        '{"columns": {"Title": ["title"]}}',
        '{"columns": {}, "defaults": {"category": {"a": 1}}}',
    ],
)
def test_a_mapping_file_with_a_list_where_a_value_belongs_is_refused(mapping):
    from riskreg.importing import ImportRefused
    from riskreg.importing.mapping import Mapping

    with pytest.raises(ImportRefused):
        Mapping.from_json(mapping)


def test_imported_text_loses_its_control_characters():
    from riskreg.importing.values import clean_text, is_blank

    assert clean_text("Staff\x01 shortages\x00\x1b") == "Staff shortages"
    assert clean_text("\u200b\ufeff") == "" and is_blank(clean_text("\u200b"))
