import pytest

from riskreg.importing.scores import decide, from_points, scale_hint

pytestmark = pytest.mark.no_database  # the PostgreSQL pass leaves it out (tests/conftest.py)


def _rate(decision, value):
    rating, problem, _note = decision.rate(value)
    assert problem is None, problem
    return rating


def test_one_to_five_whole_numbers_are_used_as_they_are():
    decision = decide("likelihood", [1, 2, 3, 4, 5, "3"])
    assert decision.top == 5 and [_rate(decision, v) for v in (1, "4", 5.0)] == [1, 4, 5]
    assert decision.explanation == ["whole numbers 1–5, used as they are"]


def test_one_to_ten_scales_are_read_in_pairs():
    decision = decide("impact", [2, 7, 10, 9])
    assert decision.top == 10
    assert [_rate(decision, v) for v in range(1, 11)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert "1–2 → 1, 3–4 → 2" in decision.explanation[0] and "highest value is 10" in decision.explanation[0]


def test_short_scales_are_decided_from_enough_data_or_the_heading():
    four = decide("likelihood", [1, 2, 3, 4] * 2)
    assert four.top == 4 and [_rate(four, v) for v in (1, 2, 3, 4)] == [1, 2, 4, 5]
    three = decide("likelihood", [1, 2, 3] * 3)
    assert three.top == 3 and [_rate(three, v) for v in (1, 2, 3)] == [1, 3, 5]
    # Too few values to tell a 1–4 scale from a 1–5 register whose risks never reach 5: read as 1–5, and say so.
    assert decide("likelihood", [1, 2, 4]).top == 5
    assert decide("likelihood", [1, 2], hints=[4]).top == 4
    assert decide("likelihood", [1, 2, 3, 4] * 3, override=5).top == 5
    assert scale_hint("Likelihood (1-4)") == 4 and scale_hint("Impact /10") == 10 and scale_hint("L") is None
    assert [from_points(n, 4) for n in range(1, 5)] == [1, 2, 4, 5]


def test_percentages_and_fractions():
    decision = decide("likelihood", ["70%", "15 %", 0.35, 1.0, 0])
    assert decision.fractions
    assert [_rate(decision, v) for v in ("70%", "15 %", 0.35, 1.0, 0, "100%")] == [4, 1, 2, 5, 1, 5]
    assert decision.explanation == [
        "percentages and fractions of 1 (0.35 is 35%): up to 20% → 1, up to 40% → 2, up to 60% → 3, "
        "up to 80% → 4, above 80% → 5"
    ]
    assert decision.rate("120%")[1] == "120% is not a percentage from 0 to 100"


def test_words_on_five_point_scales():
    decision = decide("likelihood", ["Rare", "Unlikely", "Possible", "Likely", "Almost certain", "Very high"])
    assert [_rate(decision, w) for w in ("rare", "Unlikely", "POSSIBLE", "Likely", "Almost Certain")] == [1, 2, 3, 4, 5]
    impact = decide("impact", ["Negligible", "Minor", "Moderate", "Major", "Catastrophic", "Critical"])
    assert [_rate(impact, w) for w in ("Negligible", "Minor", "Moderate", "Major", "Catastrophic", "critical")] == [
        1,
        2,
        3,
        4,
        5,
        5,
    ]
    assert "‘minor’ → 2" in impact.explanation[0]


def test_low_medium_high_alone_is_a_three_point_scale():
    decision = decide("impact", ["Low", "Medium", "High", "high"])
    assert decision.three_level
    assert [_rate(decision, w) for w in ("Low", "Medium", "High")] == [1, 3, 5]
    mixed = decide("impact", ["Low", "Very high"])
    assert not mixed.three_level and [_rate(mixed, w) for w in ("Low", "Very high")] == [2, 5]


def test_numbers_with_their_labels():
    decision = decide("likelihood", ["3 - Possible", "4 (Likely)", "Likely (4)"])
    assert [_rate(decision, v) for v in ("3 - Possible", "4 (Likely)", "Likely (4)")] == [3, 4, 4]


@pytest.mark.parametrize(
    ("values", "cell", "problem"),
    [
        (["Sometimes", 3], "Sometimes", "‘Sometimes’ is not a likelihood riskreg knows"),
        ([1, 2, 3], 16, "16 is not on the 1–10 likelihood scale (it may be a score, likelihood × impact)"),
        ([1, 5], 0, "0 is not on the 1–5 likelihood scale"),
    ],
)
def test_values_off_the_scale_and_unknown_words_are_reported_never_guessed(values, cell, problem):
    decision = decide("likelihood", [*values, cell])
    assert decision.rate(cell) == (None, problem, "")
    if isinstance(cell, str):
        assert "not understood, so those rows cannot be imported: ‘Sometimes’" in decision.explanation[-1]


def test_fractional_scores_are_rounded_and_say_so():
    decision = decide("impact", [2.5, 4])
    assert decision.rate(2.5) == (3, None, "2.5 rounded to 3")
