"""Residual scores as at a past day, replayed from what riskreg stores: the opening values, reviews on the day they
were held, audited edits on the day they were saved, closing and reopening."""

from datetime import date, datetime

from riskreg.rules import heatmap
from riskreg.rules.residual_history import Change, History, open_residuals, replay

CREATED = datetime(2025, 10, 1, 9)
SAVED = datetime(2026, 5, 1, 9)


def _history(**overrides) -> History:
    values = {"ref": "LN-001", "opened_on": CREATED.date(), "current": (2, 3), "saved_at": SAVED, **overrides}
    return History(**values)


def test_reviews_count_from_the_day_they_were_held_and_edits_from_the_day_they_were_saved():
    review = Change(date(2026, 1, 10), datetime(2026, 1, 20, 9), (4, 3))  # held on 10 January, written on the 20th
    edit = Change(date(2026, 3, 2), datetime(2026, 3, 2, 14), (2, None), (4, 3))  # only the likelihood changed
    history = _history(opening=(3, 3), changes=[edit, review])
    timeline = replay(history)
    assert timeline.residual_on(date(2025, 12, 31)) == (3, 3)
    assert timeline.residual_on(date(2026, 1, 10)) == (4, 3)
    assert timeline.residual_on(date(2026, 3, 1)) == (4, 3)
    assert timeline.residual_on(date(2026, 3, 31)) == (2, 3)


def test_a_review_held_on_the_day_of_an_edit_is_ordered_by_when_each_was_written():
    edit = Change(date(2026, 2, 1), datetime(2026, 2, 1, 9), (5, None), (3, None))
    later_review = Change(date(2026, 2, 1), datetime(2026, 2, 1, 15), (1, 1))
    assert replay(_history(opening=(3, 3), current=(1, 1), changes=[later_review, edit])).residual_on(
        date(2026, 2, 1)
    ) == (1, 1)


def test_opening_values_not_recorded_come_from_the_earliest_change_that_names_them():
    first_edit = Change(date(2026, 2, 1), datetime(2026, 2, 1, 9), (5, None), (4, None))  # likelihood was 4
    review = Change(date(2026, 3, 1), datetime(2026, 3, 1, 9), (2, 3))
    timeline = replay(_history(changes=[review, first_edit]))
    # The likelihood from the edit's "before"; the impact from the review, the first change naming it.
    assert timeline.residual_on(date(2026, 1, 1)) == (4, 3)
    assert timeline.start == (4, 3)
    # Nothing names either: the risk as it is now.
    assert replay(_history(current=(5, 5))).residual_on(date(2025, 12, 1)) == (5, 5)


def test_values_the_history_does_not_explain_date_from_the_last_save():
    review = Change(date(2026, 1, 10), datetime(2026, 1, 10, 9), (4, 3))
    timeline = replay(_history(opening=(3, 3), changes=[review], current=(1, 2)))  # a bulk load wrote 1 x 2
    assert timeline.residual_on(date(2026, 4, 30)) == (4, 3)
    assert timeline.residual_on(SAVED.date()) == (1, 2)


def test_a_risk_is_open_from_when_it_was_opened_until_it_was_closed_and_again_once_reopened():
    timeline = replay(
        _history(
            opened_on=date(2025, 11, 5),
            closed=[(datetime(2026, 4, 1, 9), False), (datetime(2026, 2, 3, 9), True)],
            closed_now=False,
        )
    )
    assert not timeline.open_on(date(2025, 9, 30))
    assert timeline.open_on(date(2025, 12, 31))
    assert not timeline.open_on(date(2026, 3, 31))
    assert timeline.open_on(date(2026, 6, 30))


def test_a_risk_closed_without_a_closing_event_is_closed_from_its_last_save():
    timeline = replay(_history(closed_now=True))
    assert timeline.open_on(date(2026, 3, 31)) and not timeline.open_on(SAVED.date())


def test_open_residuals_feed_the_heat_map_grid():
    risks = [
        replay(_history(ref="LN-001", opening=(3, 3), changes=[Change(date(2026, 2, 1), SAVED, (5, 5))])),
        replay(_history(ref="LN-002", opened_on=date(2026, 1, 15), current=(1, 1))),
    ]
    december = heatmap.grid(open_residuals(risks, date(2025, 12, 31)))
    march = heatmap.grid(open_residuals(risks, date(2026, 3, 31)))
    assert open_residuals(risks, date(2025, 12, 31)) == [("LN-001", 3, 3)]
    moved = heatmap.moves(december, march)
    assert [(m.ref, m.direction) for m in moved] == [("LN-001", "up"), ("LN-002", "added")]
    assert moved[0].was.score == 9 and moved[0].now.score == 25
