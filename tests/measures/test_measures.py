"""Measures end to end: a value outside tolerance flags the risks it informs and asks for a review; the form,
the import and the API record values; the risk page shows the trend; the export re-imports."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest

from riskreg.enums import FlagKind, FlagStatus, MeasureFrequency, ReviewOutcome
from riskreg.extensions import db
from riskreg.models import AuditEvent, Flag, MeasureValue
from riskreg.services import risks as risk_service
from riskreg.services.measures import catalogue, transfer
from tests.conftest import FROZEN_TODAY
from tests.factories import RiskFactory
from tests.measures.support import make_measure

TODAY = FROZEN_TODAY


def _breach_flags(risk):
    return db.session.scalars(
        db.select(Flag).where(Flag.risk_id == risk.id, Flag.kind == FlagKind.MEASURE_BREACH)
    ).all()


def test_a_value_outside_tolerance_flags_each_informed_risk_until_it_is_reviewed(org, frozen_clock):
    first, second = RiskFactory(register=org.ln.register), RiskFactory(register=org.ln.register)
    measure = make_measure(org.ln, [first, second], org.risk_ln)
    catalogue.record_value(measure, catalogue.ValueInput(date(2026, 4, 1), Decimal(1)), org.risk_ln, TODAY)
    assert not _breach_flags(first)  # at the red limit: tolerated
    catalogue.record_value(measure, catalogue.ValueInput(date(2026, 5, 1), Decimal(3)), org.risk_ln, TODAY)
    for risk in (first, second):
        (flag,) = _breach_flags(risk)
        assert flag.status is FlagStatus.OPEN
        assert "3 failures in May 2026, outside tolerance" in flag.note and "review the risk" in flag.note
    review = {
        "reviewed_on": TODAY,
        "residual_l": 4,
        "residual_i": 4,
        "commentary": "Looked at it",
        "outcome": ReviewOutcome.CONTINUE,
    }
    risk_service.record_review(first, review, first.version, org.risk_ln)
    assert _breach_flags(first)[0].status is FlagStatus.RESOLVED  # the review answered it
    assert _breach_flags(second)[0].status is FlagStatus.OPEN


def test_a_value_back_within_tolerance_clears_the_flag_and_corrections_are_audited(org, frozen_clock):
    risk = RiskFactory(register=org.ln.register)
    measure = make_measure(org.ln, [risk], org.risk_ln)
    catalogue.record_value(measure, catalogue.ValueInput(date(2026, 5, 1), Decimal(4)), org.risk_ln, TODAY)
    catalogue.record_value(measure, catalogue.ValueInput(date(2026, 5, 1), Decimal(0)), org.risk_ln, TODAY)
    assert _breach_flags(risk)[0].status is FlagStatus.RESOLVED
    assert db.session.scalar(db.select(db.func.count(MeasureValue.id))) == 1
    actions = db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.entity == "measure_value").order_by(AuditEvent.id)
    ).all()
    assert actions == ["measure_value.recorded", "measure_value.corrected"]


def test_the_form_records_a_value_shows_the_flag_and_refuses_bad_input(client, sign_in, org, frozen_clock):
    risk = RiskFactory(register=org.ln.register)
    measure = make_measure(org.ln, [risk], org.risk_ln)
    db.session.commit()
    sign_in(org.risk_ln)
    bad = client.post(f"/measures/{measure.id}/values/new", data={"period": "2026-05-01", "value": "lots"})
    assert bad.status_code == 400 and "Value must be a number" in bad.get_data(as_text=True)
    future = client.post(f"/measures/{measure.id}/values/new", data={"period": "2027-05-01", "value": "2"})
    assert future.status_code == 400 and not measure.values
    response = client.post(
        f"/measures/{measure.id}/values/new", data={"period": "2026-05-01", "value": "4", "note": "Two trials"}
    )
    assert response.status_code == 302
    page = client.get(f"/risks/{risk.ref}").get_data(as_text=True)
    assert "Measure outside tolerance" in page and "<svg" in page and "May 2026" in page
    assert "Red: outside tolerance" in page


def test_readers_read_measures_and_only_the_units_managers_record_values(client, sign_in, org):
    measure = make_measure(org.ln, [], org.risk_ln)
    db.session.commit()
    sign_in(org.viewer_ln)
    assert client.get(f"/measures/{measure.id}").status_code == 200
    assert client.get("/registers/LN/measures").status_code == 200
    assert client.get(f"/measures/{measure.id}/values/new").status_code == 403
    assert client.get("/registers/LN/measures/new").status_code == 403


def test_a_measure_with_limits_the_wrong_way_round_is_refused_at_the_field(client, sign_in, org):
    sign_in(org.risk_ln)
    data = {
        "version": "1",
        "name": "Witness attendance",
        "definition": "Share of witnesses who attend",
        "direction": "higher_is_better",
        "frequency": "quarterly",
        "green_limit": "80",
        "red_limit": "90",
    }
    response = client.post("/registers/LN/measures/new", data=data)
    assert response.status_code == 400
    assert "Where higher is better, the green limit must be no lower" in response.get_data(as_text=True)
    ok = client.post("/registers/LN/measures/new", data={**data, "green_limit": "90", "red_limit": "80"})
    assert ok.status_code == 302


def test_import_is_all_or_nothing_and_the_export_imports_back(org, frozen_clock):
    risk = RiskFactory(register=org.ln.register)
    measure = make_measure(org.ln, [risk], org.risk_ln)
    bad = (
        b"Measure values for LN\nMeasure,Period,Value\nCustody time limit failures,April 2026,1\n"
        b"No such,May 2026,2\nCustody time limit failures,2026-05,x\n"
    )
    result = transfer.import_values(org.ln, bad, "values.csv", org.risk_ln, TODAY)
    assert [number for number, _ in result.problems] == [4, 5] and not measure.values
    good = (
        b"Measure,Period,Value,Note\nCustody time limit failures,April 2026,1,\n"
        b"custody time limit failures,2026-05,3,late files\n"
    )
    result = transfer.import_values(org.ln, good, "values.csv", org.risk_ln, TODAY)
    assert result.ok and result.recorded == 2 and _breach_flags(risk)
    for fmt in ("csv", "xlsx"):
        out = io.BytesIO()
        transfer.WRITERS[fmt](org.ln, out)
        again = transfer.read_rows(org.ln, out.getvalue(), f"values.{fmt}", TODAY)
        (items,) = again[0].values()
        assert not again[1]
        assert [(i.period_start, i.value, i.note) for i in items.values()] == [
            (date(2026, 4, 1), Decimal(1), ""),
            (date(2026, 5, 1), Decimal(3), "late files"),
        ]


def test_an_analysts_sheet_imports_with_its_periods_as_exported(org, frozen_clock):
    """A sheet written as people export them, not by riskreg: months as Excel shows them ("May-26"), UK dates,
    "05/2026", and a quarter. Each row reads as the month or quarter meant, through the import's own date reader."""
    monthly = make_measure(org.ln, [], org.risk_ln)
    quarterly = make_measure(org.ln, [], org.risk_ln, name="Victim letters late", frequency=MeasureFrequency.QUARTERLY)
    sheet = (
        b"Measure,Period,Value\nCustody time limit failures,Jan-26,1\nCustody time limit failures,01/02/2026,0\n"
        b"Custody time limit failures,03/2026,2\nCustody time limit failures,Apr 26,1\n"
        b"Victim letters late,Q4 2025-26,7\n"
    )
    result = transfer.import_values(org.ln, sheet, "kpi.csv", org.risk_ln, TODAY)
    assert result.ok and result.recorded == 5, result.problems
    assert [value.period_start for value in monthly.values] == [date(2026, month, 1) for month in (1, 2, 3, 4)]
    assert [value.period_start for value in quarterly.values] == [date(2026, 1, 1)]
    assert catalogue.read_period(datetime(2026, 5, 31, 0, 0), monthly.frequency) == date(2026, 5, 1)


@pytest.mark.parametrize("raw", ["Q1 26/27", "Q1 2026/27", "Quarter 1 2026/27", "FY26/27 Q1", "2026/27 Q1"])
def test_a_quarter_written_the_finance_team_s_way_is_read_through_the_import_s_date_reader_too(raw):
    """The import's date reader sees these first: none of them is taken for a day ("26/27" is no date)."""
    assert catalogue.read_period(raw, MeasureFrequency.QUARTERLY) == date(2026, 4, 1)


def test_a_measure_does_not_reveal_a_restricted_risk_it_informs(client, sign_in, org):
    hidden = RiskFactory(register=org.ln.register, restricted=True, title="Sensitive matter")
    measure = make_measure(org.ln, [hidden], org.risk_ln)
    db.session.commit()
    sign_in(org.head_ls)  # reads LN's measures, may not see LN's restricted risks
    for path in ("/registers/LN/measures", f"/measures/{measure.id}"):
        assert hidden.ref not in client.get(path).get_data(as_text=True)
