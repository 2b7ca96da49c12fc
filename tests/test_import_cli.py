"""`riskreg import` and `riskreg export` from the command line."""

import json

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from riskreg.cli import transfer as cli_transfer
from riskreg.enums import Influence
from riskreg.extensions import db
from riskreg.models import Risk
from tests.factories import PASSWORD, RiskFactory
from tests.import_helpers import SAMPLES, counts, sample_people

REGISTERS = [
    "cp1252_semicolon.csv",
    "title_formulas_merged.xlsx",
    "word_scales.xlsx",
    "percentages.csv",
    "scale_1_to_10.tsv",
    "register.json",
    "own_layout.xlsx",
]
NOT_REGISTERS = {
    "malformed.xlsx": "damaged",
    "malformed.json": "The JSON file is malformed",
    "image.xlsx": "The file is a PNG image, not a spreadsheet",
    "transposed.xlsx": "looks transposed",
}


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["import", *map(str, args)])


@pytest.mark.parametrize("name", REGISTERS)
def test_dry_run_json_prints_mapping_counts_and_problems_and_changes_nothing(app, org, name):
    sample_people(org)
    before = counts()
    result = _run(app, SAMPLES / name, "--register", "LN", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["dry_run"] is True and report["created"] == []
    assert {"column", "heading", "field"} <= set(report["mapping"][0])
    assert sum(report["counts"][k] for k in ("create", "update", "unchanged", "duplicate", "error", "ignored")) > 2
    assert all({"row", "level", "field", "message"} <= set(p) for p in report["problems"])
    assert report["problems"], "every sample has something to report"
    assert counts() == before


@pytest.mark.parametrize(("name", "message"), NOT_REGISTERS.items())
def test_files_that_are_not_registers_exit_non_zero_with_a_message(app, org, name, message):
    before = counts()
    for extra in ([], ["--json"]):
        result = _run(app, SAMPLES / name, "--register", "LN", "--dry-run", *extra)
        assert result.exit_code == 1 and message in result.output
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert json.loads(_run(app, SAMPLES / name, "--register", "LN", "--json").output)["error"]
    assert counts() == before


def test_a_50_mb_csv_is_refused_by_its_size_before_it_is_read(app, org, tmp_path):
    big = tmp_path / "big.csv"
    with big.open("wb") as out:
        out.write(b"Risk title,Likelihood,Impact\n")
        out.write(b"A risk that goes on and on,3,4\n" * (50 * 1024 * 1024 // 31))
    result = _run(app, big, "--register", "LN")
    assert result.exit_code == 1 and "The file is 50 MB; the largest file riskreg imports is 10 MB" in result.output


def test_unknown_register_and_user(app, org):
    assert "No register has the code ZZ" in _run(app, SAMPLES / "register.json", "--register", "ZZ").output
    result = _run(app, SAMPLES / "register.json", "--register", "LN", "--user", "who@example.org")
    assert result.exit_code == 1 and "No user has the e-mail address who@example.org" in result.output


def test_import_with_a_saved_mapping_then_reuse_it(app, org, tmp_path):
    sample_people(org)
    saved = tmp_path / "mapping.json"
    first = _run(app, SAMPLES / "cp1252_semicolon.csv", "--register", "LN", "--dry-run", "--save-mapping", saved)
    assert "4 new" in first.output and "0 cannot be imported" in first.output  # no influence column: not yet set
    mapping = json.loads(saved.read_text())
    assert mapping["columns"]["Likelihood"] == "residual_l" and mapping["header_row"] == 4
    mapping["defaults"] = {"influence": "medium"}
    saved.write_text(json.dumps(mapping))
    result = _run(
        app, SAMPLES / "cp1252_semicolon.csv", "--register", "LN", "--mapping", saved, "--user", "risk.ln@example.org"
    )
    assert result.exit_code == 0 and "Imported: 4 risks created, 0 updated." in result.output
    assert "Row 8 [warning] Next review date: ‘Annual review’ is not a date" in result.output
    risks = db.session.scalars(sa.select(Risk).order_by(Risk.id)).all()
    assert [r.ref for r in risks] == ["LN-001", "LN-002", "LN-003", "LN-004"]
    assert (risks[3].owner_id, risks[3].owner_to_confirm) == (None, "Head of Operations")  # matched no one
    assert {r.influence for r in risks} == {Influence.MEDIUM}


def test_defaults_on_the_command_line(app, org):
    sample_people(org)
    result = _run(
        app,
        SAMPLES / "cp1252_semicolon.csv",
        "--register",
        "LN",
        "--default",
        "influence=Moderate",
        "--default",
        "category=operations",
    )
    assert result.exit_code == 0 and "Imported: 4 risks created" in result.output
    assert {r.influence for r in db.session.scalars(sa.select(Risk))} == {Influence.MEDIUM}
    refused = _run(app, SAMPLES / "cp1252_semicolon.csv", "--register", "LN", "--default", "colour=red")
    assert refused.exit_code == 1 and "a default is for category, objective or influence" in refused.output


def test_export_command_writes_each_format(app, org, tmp_path):
    RiskFactory(register=org.ln.register, title="Exported risk", restricted=True)
    runner = app.test_cli_runner()
    for fmt in ("xlsx", "csv", "json"):
        target = tmp_path / f"ln.{fmt}"
        result = runner.invoke(args=["export", "--register", "ln", "--format", fmt, "-o", str(target)])
        assert result.exit_code == 0 and f"Exported ln to {target}" in result.output
    assert load_workbook(tmp_path / "ln.xlsx")["Risks"]["C2"].value == "Exported risk"  # restricted: all for operators
    assert "Exported risk" in (tmp_path / "ln.csv").read_text(encoding="utf-8-sig")
    everything = runner.invoke(args=["export", "--format", "json", "-o", str(tmp_path / "all.json")])
    assert everything.exit_code == 0 and json.loads((tmp_path / "all.json").read_text())["registers"]
    missing = runner.invoke(args=["export", "--register", "ZZ", "--format", "csv", "-o", str(tmp_path / "x.csv")])
    assert missing.exit_code == 1 and "No register has the code ZZ" in missing.output


def test_a_large_import_shows_a_progress_bar(app, org, monkeypatch):
    sample_people(org)
    monkeypatch.setattr(cli_transfer, "PROGRESS_FROM", 2)  # files from 2 rows count as large here
    result = _run(app, SAMPLES / "cp1252_semicolon.csv", "--register", "LN")
    # Not a terminal here, so click shows the bar's label only; the test runner mixes stderr into the output.
    assert result.exit_code == 0 and "Importing 4 risks" in result.output
    quiet = _run(app, SAMPLES / "percentages.csv", "--register", "LN", "--json")
    assert "Importing" not in quiet.stdout and json.loads(quiet.stdout)["created"]


def test_owners_to_confirm_are_listed_for_the_registers_manager(app, org, client, sign_in):
    sample_people(org)
    assert _run(app, SAMPLES / "cp1252_semicolon.csv", "--register", "LN").exit_code == 0
    sign_in(org.risk_ln)
    page = client.get("/registers/LN").get_data(as_text=True)
    assert "Owners to confirm" in page and "‘Head of Operations’" in page
    viewer = app.test_client()
    viewer.post("/sign-in", data={"email": org.viewer_ln.email, "password": PASSWORD})
    shown = viewer.get("/registers/LN").get_data(as_text=True)
    assert "Vic Viewer" in shown and "Owners to confirm" not in shown


def test_risks_with_fields_not_yet_set_export_in_every_format(app, org, tmp_path):
    sample_people(org)
    assert _run(app, SAMPLES / "cp1252_semicolon.csv", "--register", "LN").exit_code == 0  # no influence column
    runner = app.test_cli_runner()
    for fmt in ("xlsx", "csv", "json"):
        target = tmp_path / f"ln.{fmt}"
        result = runner.invoke(args=["export", "--register", "LN", "--format", fmt, "-o", str(target)])
        assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "ln.json").read_text())["registers"][0]["risks"][0]["influence"] is None


def test_a_risk_with_fields_not_yet_set_shows_them_and_can_be_tidied(app, org, client, sign_in):
    sample_people(org)
    assert _run(app, SAMPLES / "cp1252_semicolon.csv", "--register", "LN").exit_code == 0  # no influence column
    sign_in(org.risk_ln)
    page = client.get("/risks/LN-001").get_data(as_text=True)
    assert "Not yet set" in page and "Incomplete" in page  # the 'incomplete' flag raised by the import's scan
    assert client.get("/risks/LN-001/edit").status_code == 200
