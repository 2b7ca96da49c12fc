"""The XLSX export has a sheet of the exported registers' units' recommendations (issue 19)."""

import io
from datetime import date

from openpyxl import load_workbook

from riskreg.enums import RecommendationStatus
from riskreg.services.transfer import exporting
from tests.factories import RiskFactory
from tests.recommendations.support import make_recommendation


def test_the_recommendations_sheet_lists_the_units_recommendations(org, frozen_clock):
    shown = RiskFactory(register=org.ln.register)
    secret = RiskFactory(register=org.ln.register, restricted=True)
    make_recommendation(
        org.ln, paragraph="4.27", owner=org.head_ln, risks=[shown, secret], status=RecommendationStatus.IN_PROGRESS
    )
    make_recommendation(org.ls, paragraph="9.9")  # another unit's: not in London North's export
    out = io.BytesIO()
    exporting.export([org.ln.register], org.viewer_ln, "xlsx", out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["Recommendations"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("Unit", "Source", "Report", "Report date", "Paragraph", "Recommendation")
    assert len(rows) == 2
    unit, source, _report, published, paragraph, _text, owner, due, status, _note, _done, risks, evidence = rows[1]
    assert (unit, source, paragraph, owner, status) == (
        "LN",
        "Inspectorate (HMCPSI)",
        "4.27",
        "Helen Head",
        "In progress",
    )
    assert due.date() == date(2026, 3, 31) and published.date() == date(2013, 11, 1)
    assert risks == shown.ref and evidence == 0  # a restricted risk's reference is left out
