"""The pure rules of measures: tolerance ratings, periods and quarters, partner blame, and the SVG chart."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from riskreg.enums import MeasureDirection, MeasureFrequency, Rating
from riskreg.rules import charts
from riskreg.rules import measures as rules
from riskreg.rules.partners import blames_partner, partner_blame

WORSE = rules.Tolerance(MeasureDirection.HIGHER_IS_WORSE, Decimal(2), Decimal(5))
BETTER = rules.Tolerance(MeasureDirection.HIGHER_IS_BETTER, Decimal(90), Decimal(80))


@pytest.mark.parametrize(
    ("value", "tolerance", "rating"),
    [
        (0, WORSE, Rating.GREEN),
        (2, WORSE, Rating.GREEN),  # at the green limit: still green
        (3, WORSE, Rating.AMBER),
        (5, WORSE, Rating.AMBER),  # at the red limit: the limit itself is tolerated
        (Decimal("5.0001"), WORSE, Rating.RED),
        (95, BETTER, Rating.GREEN),
        (90, BETTER, Rating.GREEN),
        (85, BETTER, Rating.AMBER),
        (80, BETTER, Rating.AMBER),
        (79, BETTER, Rating.RED),
    ],
)
def test_a_value_is_rated_against_its_tolerance_with_its_direction(value, tolerance, rating):
    assert rules.rate(Decimal(value), tolerance) is rating
    assert rules.is_breach(Decimal(value), tolerance) is (rating is Rating.RED)


def test_limits_the_wrong_way_round_are_refused_in_words():
    assert rules.tolerance_refusal(MeasureDirection.HIGHER_IS_WORSE, Decimal(5), Decimal(2))
    assert rules.tolerance_refusal(MeasureDirection.HIGHER_IS_BETTER, Decimal(80), Decimal(90))
    assert rules.tolerance_refusal(MeasureDirection.HIGHER_IS_WORSE, Decimal(2), Decimal(2)) is None
    assert WORSE.describe("failures") == "green up to 2 failures, red above 5 failures"
    assert BETTER.describe("%") == "green from 90 %, red below 80 %"


@pytest.mark.parametrize(
    ("raw", "expected"), [("12", "12"), (" 1,234.5 ", "1234.5"), ("85%", "85"), ("-3", "-3"), ("0.00005", "0.0000")]
)
def test_numbers_are_read_as_people_type_them(raw, expected):
    assert rules.parse_number(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["", "twelve", "NaN", "Infinity", "1e40", "1 2"])
def test_what_is_not_a_number_gets_a_message(raw):
    with pytest.raises(ValueError, match="value"):
        rules.parse_number(raw)


def test_financial_quarters():
    quarter = rules.quarter_of(date(2026, 6, 30))
    assert quarter == rules.Quarter(2026, 1)
    assert (quarter.start, quarter.end) == (date(2026, 4, 1), date(2026, 6, 30))
    assert quarter.label == "2026-27 Q1 (April to June 2026)"
    assert rules.quarter_of(date(2027, 2, 1)) == rules.Quarter(2026, 4)
    assert rules.Quarter(2026, 4).end == date(2027, 3, 31)
    assert rules.Quarter(2026, 4).next() == rules.Quarter(2027, 1)
    assert rules.Quarter(2026, 1).previous() == rules.Quarter(2025, 4)
    assert rules.parse_quarter("2026-27-q3") == rules.Quarter(2026, 3)
    assert rules.parse_quarter("2026-28-q3") is None and rules.parse_quarter("../etc") is None


@pytest.mark.parametrize(
    ("raw", "frequency", "start"),
    [
        ("2026-04", MeasureFrequency.MONTHLY, date(2026, 4, 1)),
        ("April 2026", MeasureFrequency.MONTHLY, date(2026, 4, 1)),
        ("apr 2026", MeasureFrequency.MONTHLY, date(2026, 4, 1)),
        ("2026-04-17", MeasureFrequency.MONTHLY, date(2026, 4, 1)),
        (date(2026, 5, 17), MeasureFrequency.QUARTERLY, date(2026, 4, 1)),
        (datetime(2026, 5, 17, 0, 0), MeasureFrequency.MONTHLY, date(2026, 5, 1)),  # a spreadsheet's date cell
        ("2026-27 Q3", MeasureFrequency.QUARTERLY, date(2026, 10, 1)),
        ("Q4 2026-27", MeasureFrequency.QUARTERLY, date(2027, 1, 1)),
        ("February 2027", MeasureFrequency.QUARTERLY, date(2027, 1, 1)),
    ],
)
def test_periods_are_read_as_people_write_them(raw, frequency, start):
    assert rules.parse_period(raw, frequency) == start


# UK financial years start on 1 April: Q1 2026-27 is April to June 2026, Q4 is January to March 2027.
@pytest.mark.parametrize(
    ("raw", "start"),
    [
        ("Q1 26/27", date(2026, 4, 1)),
        ("Q1 2026/27", date(2026, 4, 1)),
        ("Quarter 1 2026/27", date(2026, 4, 1)),
        ("FY26/27 Q1", date(2026, 4, 1)),
        ("2026/27 Q1", date(2026, 4, 1)),
        ("fy 2026-27 q2", date(2026, 7, 1)),
        ("Quarter 4 26-27", date(2027, 1, 1)),
        ("Q3 FY26/27", date(2026, 10, 1)),
    ],
)
def test_quarters_are_read_as_finance_teams_write_them(raw, start):
    assert rules.parse_period(raw, MeasureFrequency.QUARTERLY) == start


@pytest.mark.parametrize("raw", ["Q1 26/28", "FY26/25 Q1", "Quarter 5 2026/27", "Q1 2026"])
def test_a_quarter_of_no_financial_year_gets_a_message(raw):
    with pytest.raises(ValueError, match=r"financial year|not a period"):
        rules.parse_period(raw, MeasureFrequency.QUARTERLY)


@pytest.mark.parametrize("raw", ["", "Smarch 2026", "2026-13", "2026-28 Q1", "last month"])
def test_what_is_not_a_period_gets_a_message(raw):
    with pytest.raises(ValueError, match=r"period|month|financial year|Enter"):
        rules.parse_period(raw, MeasureFrequency.QUARTERLY)


def test_a_monthly_measure_refuses_a_quarter():
    with pytest.raises(ValueError, match="each month"):
        rules.parse_period("2026-27 Q1", MeasureFrequency.MONTHLY)


def test_periods_back_steps_by_the_frequency():
    assert rules.periods_back(date(2026, 2, 1), MeasureFrequency.MONTHLY, 3) == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert rules.periods_back(date(2026, 4, 1), MeasureFrequency.QUARTERLY, 2) == [date(2026, 1, 1), date(2026, 4, 1)]


@pytest.mark.parametrize(
    "commentary",
    [
        "Failures rose because the police served files late.",
        "Three trials adjourned: the court listing moved them at short notice.",
        "Witness care units did not provide warnings in time",
        "Performance is down due to HMCTS backlogs.",
    ],
)
def test_commentary_that_blames_a_partner(commentary):
    assert blames_partner(commentary)


@pytest.mark.parametrize(
    "commentary",
    [
        "Partner agencies have agreed a joint action plan.",
        "Met the police to agree a file quality protocol.",
        "Two custody time limit failures this quarter; manual diaries still in use.",
        "No delays from the police this quarter.",
        "",
    ],
)
def test_commentary_that_blames_nobody(commentary):
    assert not blames_partner(commentary)


def test_partner_blame_names_whom_and_where():
    blame = partner_blame("Good quarter overall. Files from the police were late and the courts adjourned two trials.")
    assert blame.partners == ("police", "courts")
    assert blame.sentence.startswith("Files from the police")


def test_the_chart_draws_the_band_the_line_and_gaps():
    points = [
        charts.Point("Jan 26", Decimal(1), Rating.GREEN),
        charts.Point("Feb 26", None),
        charts.Point("Mar 26", Decimal(7), Rating.RED),
        charts.Point("Apr <26>", Decimal(3), Rating.AMBER),
    ]
    svg = charts.trend_svg(points, charts.Band(Decimal(2), Decimal(5), True), title="CTL & more")
    assert svg.startswith("<svg") and svg.endswith("</svg>") and 'aria-hidden="true"' in svg
    assert svg.count("<circle") == 3  # no marker for the missing month
    assert svg.count("<polyline") == 1  # the gap breaks the line: only March to April is joined
    assert charts.COLOURS[Rating.RED] in svg and charts.MARKERS[Rating.RED] in svg
    assert "CTL &amp; more" in svg and "Apr &lt;26&gt;" in svg
