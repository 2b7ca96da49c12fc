"""The import wizard, and downloads of registers."""

import io
import json
import re

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from riskreg.extensions import db
from riskreg.models import ImportUpload, Risk
from tests.factories import RiskFactory
from tests.import_helpers import counts, sample, sample_people


def _switch(client, sign_in, user):
    client.post("/sign-out")
    sign_in(user)


def _soup(response):
    return BeautifulSoup(response.data, "html.parser")


def _text(response) -> str:
    return " ".join(_soup(response).get_text(" ", strip=True).split())


def _upload(client, name, data=None, code="LN"):
    return client.post(
        f"/registers/{code}/import",
        data={"file": (io.BytesIO(data or sample(name)), name)},
        content_type="multipart/form-data",
    )


def _mapping_form(response) -> dict:
    """The mapping page's selects as the browser would post them."""
    soup = _soup(response)
    data = {}
    for select in soup.select("select"):
        chosen = select.select_one("option[selected]") or select.select_one("option")
        data[select["name"]] = chosen["value"]
    return {
        **data,
        "labels": {
            s["name"]: soup.select_one(f"label[for={s['id']}]").get_text(strip=True) for s in soup.select("select")
        },
    }


def test_a_new_user_imports_their_own_layout_fixing_the_mapping(client, org, sign_in):
    """Must show: upload, preview with problems marked, fix the mapping, commit, see the risks scored."""
    sample_people(org)
    sign_in(org.risk_ln)
    upload = _upload(client, "own_layout.xlsx")
    assert upload.status_code == 302
    preview_url = upload.headers["Location"]
    preview = client.get(preview_url)
    assert preview.status_code == 200
    text = _text(preview)
    assert "Cannot import" in text and "Error Residual likelihood: Empty" in text
    assert "Error Category" not in text and "No category column: not yet set" in text  # import first, tidy later
    assert "3 cannot be imported" in text and "Import 0" not in text  # nothing ready, so no import button
    page = client.get(preview_url + "/mapping")
    form = _mapping_form(page)
    by_label = {label: name for name, label in form.pop("labels").items()}
    form[by_label["Area of risk"]] = "category"
    form[by_label["How likely"]] = "residual_l"
    form[by_label["How bad"]] = "residual_i"
    form[by_label["What we do about it"]] = "controls"
    form["default_objective"], form["default_influence"] = "quality", "medium"
    assert client.post(preview_url + "/mapping", data=form).status_code == 302
    checked = client.get(preview_url)
    text = _text(checked)
    assert "3 new, 0 to update" in text and "Cannot import" not in text and "4 × 3 = 12" in text
    fingerprint = _soup(checked).select_one("input[name=fingerprint]")["value"]
    done = client.post(preview_url, data={"fingerprint": fingerprint})
    assert done.status_code == 302 and done.headers["Location"] == "/registers/LN"
    register_page = _text(client.get("/registers/LN"))
    assert "3 risks imported" in register_page
    assert "Court listing changes at short notice" in register_page and "12 High" in register_page
    listing = db.session.scalar(sa.select(Risk).where(Risk.title == "Court listing changes at short notice"))
    assert (listing.residual_l, listing.residual_i, listing.category) == (4, 3, "operations")
    assert [c.title for c in listing.countermeasures] == ["Listing officer on call", "Daily court list check"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportUpload)) == 0


def test_only_register_editors_may_import(client, org, sign_in):
    sign_in(org.viewer_ln)
    assert client.get("/registers/LN/import").status_code == 403
    _switch(client, sign_in, org.risk_ls)
    assert client.get("/registers/LN/import").status_code == 403
    assert _upload(client, "register.json").status_code == 403
    _switch(client, sign_in, org.risk_ln)
    page = client.get("/registers/LN/import")
    assert page.status_code == 200 and "The largest file riskreg imports is 10 MB" in _text(page)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("image.xlsx", "The file is a PNG image, not a spreadsheet"),
        ("malformed.xlsx", "damaged"),
        ("transposed.xlsx", "looks transposed"),
        ("malformed.json", "The JSON file is malformed"),
    ],
)
def test_files_that_are_not_registers_get_a_clear_message_and_nothing_is_written(client, org, sign_in, name, message):
    sign_in(org.risk_ln)
    before = counts()
    response = _upload(client, name)
    assert response.status_code == 400
    summary = _soup(response).select_one(".govuk-error-summary").get_text(" ", strip=True)
    assert message in summary and "Traceback" not in response.get_data(as_text=True)
    assert counts() == before


def test_a_50_mb_file_is_refused_by_size(client, org, sign_in):
    sign_in(org.risk_ln)
    before = counts()
    response = _upload(client, "big.csv", b"Risk title,Likelihood\n" + b"x" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert "The selected file must be smaller than 10 MB" in _text(response)
    assert counts() == before


def test_a_missing_file_is_an_error(client, org, sign_in):
    sign_in(org.risk_ln)
    response = client.post("/registers/LN/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Select a register file" in _text(response)


def test_headings_not_found_lets_the_user_choose_the_row(client, org, sign_in):
    sign_in(org.risk_ln)
    data = b"Team log\nWhat could go wrong,How likely\nFlood,3\n"
    response = _upload(client, "log.csv", data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/layout")
    page = client.get(response.headers["Location"])
    assert "could not find a row of register headings" in _text(page) and "Team log" in _text(page)
    chosen = client.post(response.headers["Location"], data={"sheet": "log", "header_row": "2"})
    assert chosen.status_code == 302
    preview = _text(client.get(chosen.headers["Location"]))
    assert "headings on row 2" in preview and "What could go wrong" in preview


def test_uploads_belong_to_their_uploader_and_register(client, org, sign_in):
    sign_in(org.risk_ln)
    location = _upload(client, "register.json").headers["Location"]
    token = location.rsplit("/", 1)[1]
    _switch(client, sign_in, org.head_ln)
    assert client.get(location).status_code == 404  # another editor of the same register
    _switch(client, sign_in, org.risk_ls)
    assert client.get(f"/registers/LS/import/{token}").status_code == 404
    assert client.get("/registers/LS/import/not-a-token").status_code == 404


def test_a_preview_that_changed_is_shown_again_not_committed(client, org, sign_in):
    sample_people(org)
    sign_in(org.risk_ln)
    location = _upload(client, "register.json").headers["Location"]
    fingerprint = _soup(client.get(location)).select_one("input[name=fingerprint]")["value"]
    RiskFactory(register=org.ln.register, title="Late finalisations")  # now a possible duplicate
    before = counts()
    response = client.post(location, data={"fingerprint": fingerprint})
    assert response.status_code == 409 and "changed after you checked the preview" in _text(response)
    assert counts() == before


def test_mapping_form_refuses_one_field_for_two_columns_and_downloads_the_mapping(client, org, sign_in):
    sign_in(org.risk_ln)
    location = _upload(client, "percentages.csv").headers["Location"]
    form = _mapping_form(client.get(location + "/mapping"))
    labels = {label: name for name, label in form.pop("labels").items()}
    form[labels["Risk event"]] = "title"
    response = client.post(location + "/mapping", data=form)
    assert response.status_code == 400 and "Choose risk title for one column only" in _text(response)
    download = client.get(location + "/mapping.json")
    assert download.headers["Content-Disposition"] == "attachment; filename=percentages-mapping.json"
    assert json.loads(download.data)["columns"]["Probability (%)"] == "residual_l"


def test_a_saved_mapping_file_can_be_uploaded_with_the_register(client, org, sign_in):
    sign_in(org.risk_ln)
    mapping = {
        "columns": {"How likely": "residual_l", "How bad": "residual_i", "Area of risk": "category"},
        "defaults": {"objective": "quality", "influence": "low"},
    }
    response = client.post(
        "/registers/LN/import",
        data={
            "file": (io.BytesIO(sample("own_layout.xlsx")), "own_layout.xlsx"),
            "mapping_file": (io.BytesIO(json.dumps(mapping).encode()), "mapping.json"),
        },
        content_type="multipart/form-data",
    )
    text = _text(client.get(response.headers["Location"]))
    assert "3 new" in text and re.search(r"Import 3 risks", text)


def test_when_several_sheets_look_like_registers_the_user_confirms_which(client, org, sign_in):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "2025"
    workbook.active.append(["Risk title", "Likelihood", "Impact"])
    workbook.active.append(["Old risk", 2, 2])
    current = workbook.create_sheet("2026")
    current.append(["Risk title", "Likelihood", "Impact", "Risk owner"])
    current.append(["New risk", 3, 4, "Rhys Risk"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    sign_in(org.risk_ln)
    response = _upload(client, "two-years.xlsx", buffer.getvalue())
    assert response.headers["Location"].endswith("/layout")
    page = client.get(response.headers["Location"])
    radios = [r["value"] for r in _soup(page).select("input[name=sheet]")]
    assert radios == ["2026", "2025"] and _soup(page).select_one("input[name=sheet][checked]")["value"] == "2026"
    chosen = client.post(response.headers["Location"], data={"sheet": "2025", "header_row": ""})
    assert "Old risk" in _text(client.get(chosen.headers["Location"]))


def test_the_size_limit_is_configurable(app, client, org, sign_in, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_IMPORT_MAX_BYTES", 1000)
    sign_in(org.risk_ln)
    response = _upload(client, "register.json")
    assert response.status_code == 400 and "The selected file must be smaller than 1000 bytes" in _text(response)


def test_a_problem_shared_by_many_rows_is_listed_once_with_its_rows(client, org, sign_in):
    """A file whose 1,200 rows all carry another tool's references: "gets a new reference" is one line with the
    rows it is on, after the errors and checks, not 1,200 lines to scroll past (the table shows the first 200)."""
    sign_in(org.risk_ln)
    lines = ["Reference,Risk title,There is a risk that,Likelihood,Impact"]
    lines += [f"R{n},Risk number {n},thing {n} goes wrong,3,3" for n in range(1, 1201)]
    lines.append("R1201,,,3,3")  # no title and no event: an error, listed first
    preview = client.get(_upload(client, "other-tool.csv", "\n".join(lines).encode()).headers["Location"])
    every_problem = _soup(preview).find("h2", string="Every problem").find_next("ul").find_all("li")
    texts = [" ".join(item.get_text(" ", strip=True).split()) for item in every_problem]
    assert texts[0] == "Row 1202: Error Risk title: No risk title or description"
    assert texts[1] == (
        "Rows 2, 3, 4, 5, 6 and 1,195 more: Note Reference: Not one of this register's references: "
        "the risk gets a new reference"
    )
    assert len(texts) == 2
    assert "1,200 new, 0 to update" in _text(preview)  # counts over 999 as GOV.UK writes them
