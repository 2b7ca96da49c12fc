import io
import json

from openpyxl import load_workbook

from tests.factories import RiskFactory


def _switch(client, sign_in, user):
    client.post("/sign-out")
    sign_in(user)


def test_register_downloads_in_each_format(client, org, sign_in):
    RiskFactory(register=org.ln.register, title="Visible risk")
    RiskFactory(register=org.ln.register, title="Hidden risk", restricted=True)
    sign_in(org.risk_ls)  # another unit: may read the register, not its restricted risks
    for fmt, kind in (("xlsx", "spreadsheetml"), ("csv", "text/csv"), ("json", "application/json")):
        response = client.get(f"/registers/LN/export.{fmt}")
        assert response.status_code == 200 and kind in response.headers["Content-Type"]
        assert response.headers["Content-Disposition"].startswith("attachment; filename=riskreg-LN-")
    document = json.loads(client.get("/registers/LN/export.json").data)
    assert [r["title"] for r in document["registers"][0]["risks"]] == ["Visible risk"]
    workbook = load_workbook(io.BytesIO(client.get("/registers/LN/export.xlsx").data))
    assert [row[2] for row in workbook["Risks"].iter_rows(min_row=2, values_only=True)] == ["Visible risk"]
    assert client.get("/registers/LN/export.pdf").status_code == 404
    assert client.get("/registers/NOPE/export.csv").status_code == 404


def test_everything_visible_download(client, org, sign_in):
    RiskFactory(register=org.ln.register, title="North", restricted=True)
    RiskFactory(register=org.ls.register, title="South")
    sign_in(org.viewer_ln)
    document = json.loads(client.get("/export.json").data)
    assert {r["title"] for reg in document["registers"] for r in reg["risks"]} == {"North", "South"}
    _switch(client, sign_in, org.risk_ls)
    document = json.loads(client.get("/export.json").data)
    assert {r["title"] for reg in document["registers"] for r in reg["risks"]} == {"South"}
    assert client.get("/export.csv").headers["Content-Disposition"].startswith("attachment; filename=riskreg-all-")


def test_register_page_links_to_downloads_and_the_import_for_editors(client, org, sign_in):
    sign_in(org.viewer_ln)
    page = client.get("/registers/LN").get_data(as_text=True)
    assert "/registers/LN/export.xlsx" in page and "/registers/LN/import" not in page
    _switch(client, sign_in, org.risk_ln)
    assert "/registers/LN/import" in client.get("/registers/LN").get_data(as_text=True)
    assert "/export.xlsx" in client.get("/registers").get_data(as_text=True)


def test_a_downloaded_register_uploads_straight_to_its_preview(client, org, sign_in):
    from tests.factories import CountermeasureFactory, ReviewFactory, UnitFactory

    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln, title="Round trip")
    CountermeasureFactory(risk=risk, owner=org.risk_ln, title="Weekly check")
    ReviewFactory(risk=risk, reviewer=org.risk_ln)
    UnitFactory(code="LNX", name="London North team", parent=org.ln)
    sign_in(org.risk_ln)
    data = client.get("/registers/LN/export.xlsx").data
    upload = client.post(
        "/registers/LNX/import", data={"file": (io.BytesIO(data), "ln.xlsx")}, content_type="multipart/form-data"
    )
    assert upload.status_code == 302 and not upload.headers["Location"].endswith("/layout")
    page = client.get(upload.headers["Location"]).get_data(as_text=True)
    assert "1 countermeasures and 1 reviews to add" in page and "Round trip" in page
