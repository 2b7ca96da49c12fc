"""The implementation rate and "overdue" (riskreg.rules.recommendations), and the rate chart."""

from datetime import date

import pytest
from bs4 import BeautifulSoup

from riskreg.enums import RecommendationStatus as S
from riskreg.rules import recommendations as rules
from riskreg.web.recommendations.chart import Bar, percent_bars

# No database: pure rules and a chart. The PostgreSQL pass leaves them out (tests/conftest.py).
pytestmark = pytest.mark.no_database


def test_the_rate_is_implemented_out_of_accepted_and_not_accepted_is_counted_apart():
    rate = rules.rate_of([S.IMPLEMENTED, S.IMPLEMENTED, S.IN_PROGRESS, S.ACCEPTED, S.NOT_ACCEPTED, S.NOT_ACCEPTED])
    assert (rate.implemented, rate.counted, rate.not_accepted, rate.total) == (2, 4, 2, 6)
    assert rate.rate == 0.5 and rate.percent == 50


def test_nothing_accepted_has_no_rate_rather_than_zero():
    assert rules.rate_of([S.NOT_ACCEPTED]).rate is None
    assert rules.rate_of([]).percent is None
    assert rules.rate_of([S.ACCEPTED]).percent == 0


def test_rates_by_group_keep_the_order_first_seen():
    rates = rules.rates_by([("HQ", S.IMPLEMENTED), ("LN", S.ACCEPTED), ("HQ", S.ACCEPTED)])
    assert list(rates) == ["HQ", "LN"]
    assert (rates["HQ"].percent, rates["LN"].percent) == (50, 0)


def test_only_accepted_or_in_progress_recommendations_past_their_due_date_are_overdue():
    due, after = date(2026, 3, 31), date(2026, 4, 1)
    assert rules.is_overdue(S.ACCEPTED, due, after) and rules.is_overdue(S.IN_PROGRESS, due, after)
    assert not rules.is_overdue(S.ACCEPTED, due, due)  # due today is not yet overdue
    assert not rules.is_overdue(S.IMPLEMENTED, due, after) and not rules.is_overdue(S.NOT_ACCEPTED, due, after)


def test_status_transitions():
    assert rules.may_move(S.ACCEPTED, S.IMPLEMENTED) and rules.may_move(S.NOT_ACCEPTED, S.ACCEPTED)
    assert not rules.may_move(S.NOT_ACCEPTED, S.IMPLEMENTED) and not rules.may_move(S.IMPLEMENTED, S.NOT_ACCEPTED)


def test_the_chart_draws_one_labelled_bar_per_row_scaled_to_100_percent():
    svg = BeautifulSoup(percent_bars([Bar("Inspectorate", 50), Bar("<NAO>", None)], "Rates", "c"), "html.parser")
    root = svg.find("svg")
    assert root["role"] == "img" and root["aria-labelledby"] == "c-title" and svg.find("title").text == "Rates"
    bars = svg.select("rect.app-chart__bar")
    tracks = svg.select("rect.app-chart__track")
    assert len(tracks) == 2 and len(bars) == 1  # no rate: no bar
    assert int(bars[0]["width"]) * 2 == int(tracks[0]["width"])
    texts = [text.get_text() for text in svg.find_all("text")]
    assert texts == ["Inspectorate", "50%", "<NAO>", "no rate"]  # escaped in the markup, read back as text
    assert "<NAO>" not in str(percent_bars([Bar("<NAO>", 1)], "t", "d")).split("</title>")[1].replace("&lt;", "")
