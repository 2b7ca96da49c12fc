"""Exports: XLSX layout, restricted risks only for those who may read them, and the demo round trip."""

import csv
import io
import json

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from riskreg.enums import UnitKind
from riskreg.extensions import db
from riskreg.models import Register, Unit
from riskreg.services.transfer import exporting, importing
from tests.factories import CountermeasureFactory, ReviewFactory, RiskFactory, UnitFactory


def _export(registers, user, fmt) -> bytes:
    out = io.BytesIO()
    exporting.export(registers, user, fmt, out)
    return out.getvalue()


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_xlsx_has_three_sheets_a_frozen_header_sized_columns_and_validated_scores(org):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    CountermeasureFactory(risk=risk, owner=org.risk_ln, title="Daily check")
    ReviewFactory(risk=risk, reviewer=org.risk_ln)
    workbook = load_workbook(io.BytesIO(_export([org.ln.register], org.viewer_ln, "xlsx")))
    assert workbook.sheetnames == ["Risks", "Countermeasures", "Reviews", "Recommendations"]
    risks = workbook["Risks"]
    assert risks.freeze_panes == "A2" and risks["A1"].font.bold
    assert risks.column_dimensions["C"].width == 40  # the title
    validation = risks.data_validations.dataValidation[0]
    assert (validation.type, validation.formula1, validation.formula2) == ("whole", "1", "5")
    assert str(validation.sqref).split() == [f"{c}2:{c}1048576" for c in "LMNOPQ"]
    assert [c.value for c in risks[2]][:3] == [risk.ref, "LN", risk.title]
    assert workbook["Countermeasures"]["B2"].value == "Daily check"
    assert workbook["Reviews"]["A2"].value == risk.ref and workbook["Reviews"].data_validations.dataValidation


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_restricted_risks_only_for_those_who_may_read_them(org, fmt):
    RiskFactory(register=org.ln.register, title="Open to all")
    RiskFactory(register=org.ln.register, title="Sensitive intelligence", restricted=True)
    for user, sees in ((org.viewer_ln, True), (org.hq_risk, True), (org.risk_ls, False), (None, True)):
        text = _export([org.ln.register], user, fmt)
        if fmt == "xlsx":
            text = json.dumps(
                [c for row in load_workbook(io.BytesIO(text))["Risks"].iter_rows(values_only=True) for c in row],
                default=str,
            ).encode()
        assert b"Open to all" in text
        assert (b"Sensitive intelligence" in text) is sees, (user, fmt)


def test_text_that_looks_like_a_formula_stays_text_and_imports_back(org):
    RiskFactory(register=org.ln.register, title='=HYPERLINK("http://evil","click")', cause="+1 cause")
    rows = _csv_rows(_export([org.ln.register], None, "csv"))
    assert rows[1][2] == '\'=HYPERLINK("http://evil","click")' and rows[1][3] == "'+1 cause"
    cell = load_workbook(io.BytesIO(_export([org.ln.register], None, "xlsx")))["Risks"]["C2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    empty = UnitFactory(code="ZZ", parent=org.ln)
    for fmt in ("csv", "xlsx"):
        result = importing.preview(
            empty.register, _export([org.ln.register], None, fmt), f"x.{fmt}", importing.ImportOptions(), None
        )
        assert result.planned[0].draft.values["title"] == '=HYPERLINK("http://evil","click")'
        assert result.planned[0].draft.values["cause"] == "+1 cause"


def _empty_register_under(code: str, new_code: str) -> Register:
    parent = db.session.scalar(sa.select(Unit).where(Unit.code == code))
    return UnitFactory(code=new_code, name=f"Copy of {code}", kind=UnitKind.UNIT, parent=parent).register


def _tables(data: bytes, fmt: str) -> dict[str, list]:
    if fmt == "xlsx":
        workbook = load_workbook(io.BytesIO(data), read_only=True)
        return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook}
    if fmt == "csv":
        return {"Risks": _csv_rows(data)}
    document = json.loads(data)
    return {"Risks": [risk for register in document["registers"] for risk in register["risks"]]}


def _without_register_codes(tables: dict[str, list], fmt: str) -> dict[str, list]:
    """Rows as they compare across registers: references numbered in order, the register column dropped."""
    risks = tables["Risks"]
    refs = [row["ref"] for row in risks] if fmt == "json" else [row[0] for row in risks[1:]]
    numbered = {ref: f"#{n}" for n, ref in enumerate(refs, start=1)}
    result = {}
    for name, rows in tables.items():
        if fmt == "json":
            result[name] = [{**row, "ref": numbered[row["ref"]]} for row in rows]
        else:
            result[name] = [rows[0]] + [
                [numbered.get(row[0], row[0])]
                + [c for i, c in enumerate(row[1:], 1) if not (name == "Risks" and i == 1)]
                for row in rows[1:]
            ]
    return result


def test_round_trip_on_the_demo_registers(demo):
    """Export → import into an empty register → export gives the same rows, in each format."""
    for fmt, code in ((fmt, code) for fmt in ("xlsx", "csv", "json") for code in ("LN", "SCCTD-CT")):
        source = db.session.scalar(sa.select(Register).join(Unit).where(Unit.code == code))
        first = _export([source], None, fmt)
        copy = _empty_register_under(code, f"{code}-{fmt}".upper())
        result, outcome = importing.import_file(copy, first, f"{code}.{fmt}", None)
        assert result.counts["error"] == 0 and len(outcome.created) == result.counts["create"] > 10
        assert not [p for _, p in result.problems() if p.level != "info"], result.problems()[:3]
        second = _export([copy], None, fmt)
        before, after = (
            _without_register_codes(_tables(first, fmt), fmt),
            _without_register_codes(_tables(second, fmt), fmt),
        )
        # The recommendations belong to the unit, not its register's rows: they are not imported.
        before.pop("Recommendations", None), after.pop("Recommendations", None)
        assert before == after, (fmt, code)
        if fmt == "xlsx":
            assert len(before["Reviews"]) > 50 and len(before["Countermeasures"]) > 10


def test_everything_export_covers_every_register_in_order(org):
    RiskFactory(register=org.ls.register, title="South")
    RiskFactory(register=org.ln.register, title="North")
    document = json.loads(_export([org.ls.register, org.ln.register, org.hq.register], None, "json"))
    assert [r["code"] for r in document["registers"]] == ["LN", "LS"]
    assert document["format"] == "riskreg" and document["registers"][0]["risks"][0]["title"] == "North"
