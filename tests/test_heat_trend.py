"""A register's residual heat map at each quarter end, rebuilt from what the services stored as it happened:
risks created, edited, reviewed (on the day held) and closed at known times under a frozen clock."""

from datetime import date, datetime

from riskreg.enums import Influence, ReviewOutcome
from riskreg.rules.measures import Quarter
from riskreg.services import heat_trend, registers, risks
from tests.conftest import FROZEN_TODAY
from tests.factories import RiskFactory

TODAY = FROZEN_TODAY  # 2026-27 Q1 is in progress


def _values(**changes):
    return {
        "title": "Custody time limits missed",
        "cause": "Late files",
        "event": "a custody time limit expires",
        "consequence": "a defendant is released",
        "category": "legal",
        "objective": "quality",
        "influence": Influence.MEDIUM,
        "owner_id": None,
        "inherent_l": 5,
        "inherent_i": 5,
        "residual_l": 3,
        "residual_i": 3,
        "target_l": 1,
        "target_i": 1,
        "restricted": False,
        **changes,
    }


def _placed(trend) -> dict[str, dict[str, tuple[int, int]]]:
    """Each map as {reference: (likelihood, impact)}, by quarter label."""
    return {snapshot.label: _cells(snapshot.rows) for snapshot in trend.snapshots}


def _cells(rows) -> dict[str, tuple[int, int]]:
    return {ref: (cell.likelihood, cell.impact) for row in rows for cell in row for ref in cell.refs}


def _history(org, frozen_clock):
    """LN-001 edited then reviewed, LN-002 restricted, LN-003 opened and later closed, LN-004 loaded in bulk."""
    register, actor = org.ln.register, org.risk_ln
    frozen_clock.move_to(datetime(2025, 8, 10, 9))
    edited = risks.create_risk(register, _values(), actor)
    risks.create_risk(register, _values(residual_l=1, residual_i=1, restricted=True), actor)
    frozen_clock.move_to(datetime(2025, 11, 20, 9))
    risks.update_risk(edited, {"residual_l": 5}, edited.version, actor)
    frozen_clock.move_to(datetime(2025, 12, 1, 9))
    closed = risks.create_risk(register, _values(residual_l=4, residual_i=4), actor)
    frozen_clock.move_to(datetime(2026, 2, 10, 9))  # recorded on 10 February, held on the 1st
    values = {
        "reviewed_on": date(2026, 2, 1),
        "residual_l": 2,
        "residual_i": 2,
        "commentary": "New diary",
        "outcome": ReviewOutcome.CONTINUE,
    }
    risks.record_review(edited, values, edited.version, actor)
    frozen_clock.move_to(datetime(2026, 4, 15, 9))
    risks.close_risk(closed, "Merged into LN-001", closed.version, actor)
    frozen_clock.move_to(datetime(2026, 6, 5, 10))
    bulk = datetime(2025, 1, 2, 9)  # written without history, as the bench generator does
    RiskFactory(register=register, residual_l=5, residual_i=5, created_at=bulk, updated_at=bulk)
    return register


def test_each_quarter_end_shows_the_risks_open_then_where_they_stood_then(org, frozen_clock):
    register = _history(org, frozen_clock)
    ends = heat_trend.quarter_ends(Quarter(2026, 1), TODAY)
    assert ends == [
        ("2025-26 Q1", date(2025, 6, 30)),
        ("2025-26 Q2", date(2025, 9, 30)),
        ("2025-26 Q3", date(2025, 12, 31)),
        ("2025-26 Q4", date(2026, 3, 31)),
        ("2026-27 Q1", TODAY),  # the quarter in progress: as at today
    ]
    trend = heat_trend.trend(register, ends, include_restricted=True)
    assert _placed(trend) == {
        "2025-26 Q1": {"LN-004": (5, 5)},
        "2025-26 Q2": {"LN-001": (3, 3), "LN-002": (1, 1), "LN-004": (5, 5)},
        "2025-26 Q3": {"LN-001": (5, 3), "LN-002": (1, 1), "LN-003": (4, 4), "LN-004": (5, 5)},
        "2025-26 Q4": {"LN-001": (2, 2), "LN-002": (1, 1), "LN-003": (4, 4), "LN-004": (5, 5)},
        "2026-27 Q1": {"LN-001": (2, 2), "LN-002": (1, 1), "LN-004": (5, 5)},
    }
    assert {move.ref: move.direction for move in trend.moves} == {"LN-001": "added", "LN-002": "added"}
    # As at today, the same map as the register page's own.
    today_map = {(c.likelihood, c.impact): len(c.refs) for row in trend.snapshots[-1].rows for c in row if c.refs}
    assert today_map == registers.heat_map(register, include_restricted=True)


def test_restricted_risks_are_left_out_for_readers_who_may_not_see_them(org, frozen_clock):
    register = _history(org, frozen_clock)
    trend = heat_trend.trend(register, heat_trend.quarter_ends(Quarter(2026, 1), TODAY), include_restricted=False)
    assert all("LN-002" not in placed for placed in _placed(trend).values())


def test_the_series_stops_at_the_quarter_given_and_starts_no_later_than_today():
    assert [label for label, _day in heat_trend.quarter_ends(Quarter(2025, 4), TODAY, count=2)] == [
        "2025-26 Q3",
        "2025-26 Q4",
    ]
    assert heat_trend.quarter_ends(Quarter(2026, 2), TODAY, count=2) == [("2026-27 Q1", TODAY)]
