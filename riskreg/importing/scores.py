"""Likelihood and impact as people write them, read onto riskreg's 1–5 scale, with an explanation.

The scale is decided per dimension (all likelihood columns together, all impact columns together), from
the data: a residual column whose values never pass 3 is not evidence of a 1–3 scale when the inherent
column reaches 5. Whole numbers on 1–3, 1–4 and 1–10 scales, fractions 0–1, percentages and words are
understood; an unknown word is reported, never guessed.
"""

import contextlib
import math
import re
from dataclasses import dataclass, field

from riskreg.importing.fields import norm_key
from riskreg.importing.values import article, clean_text, is_blank, one_line

WORD_RATINGS = {
    **dict.fromkeys(
        (
            "rare",
            "very rare",
            "remote",
            "very unlikely",
            "highly unlikely",
            "very low",
            "v low",
            "vl",
            "negligible",
            "insignificant",
            "minimal",
            "trivial",
            "very minor",
        ),
        1,
    ),
    **dict.fromkeys(("unlikely", "low", "minor", "improbable", "medium low", "low medium", "limited"), 2),
    **dict.fromkeys(("possible", "moderate", "medium", "med", "possibly", "average", "some", "considerable"), 3),
    **dict.fromkeys(
        ("likely", "probable", "high", "major", "significant", "serious", "medium high", "high medium", "substantial"),
        4,
    ),
    **dict.fromkeys(
        (
            "almost certain",
            "very likely",
            "highly likely",
            "certain",
            "very high",
            "v high",
            "vh",
            "severe",
            "critical",
            "catastrophic",
            "extreme",
            "very serious",
            "expected",
        ),
        5,
    ),
    # Single letters only make sense as a three-point scale (see THREE_LEVEL); alone they mean H, M, L.
    **{"l": 2, "m": 3, "h": 4},
}
# When every word in a dimension is one of these, the register uses a three-point scale.
THREE_LEVEL = {"low": 1, "l": 1, "medium": 3, "med": 3, "m": 3, "moderate": 3, "high": 5, "h": 5}
SCALES = (3, 4, 5, 10)
EVIDENCE_FOR_SHORT_SCALE = 8  # whole numbers needed before "never above 4" is read as a 1–4 scale
_LEADING_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%?)(?:\s*(?:[-–:(/].*|[a-z ]+\)?))?\s*$", re.I)
_BRACKETED_NUMBER = re.compile(r"\((\d+(?:\.\d+)?)\)")
_HINT = re.compile(r"(?:\b1\s*(?:-|–|to)\s*|/\s*|out of\s*)(10|3|4|5)\b", re.I)


@dataclass(frozen=True)
class Reading:
    kind: str  # blank | number | percent | word | unknown
    number: float = 0.0
    word: str = ""
    text: str = ""


def classify(value: object) -> Reading:
    if is_blank(value):
        return Reading("blank")
    if isinstance(value, bool):
        return Reading("unknown", text=clean_text(value))
    if isinstance(value, int | float):
        return Reading("number", float(value))
    text = clean_text(value)
    key = norm_key(text)
    if key in WORD_RATINGS:
        return Reading("word", word=key, text=text)
    if match := _LEADING_NUMBER.match(text):
        return Reading("percent" if match[2] else "number", float(match[1]), text=text)
    if match := _BRACKETED_NUMBER.search(text):
        return Reading("number", float(match[1]), text=text)
    return Reading("unknown", text=text)


def scale_hint(header: str) -> int | None:
    """A scale named in a heading: 'Likelihood (1-4)', 'Impact /10', 'L out of 3'."""
    match = _HINT.search(header)
    return int(match[1]) if match else None


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def from_points(value: int, top: int) -> int:
    """A whole number on a 1-to-top scale as 1–5."""
    if top == 5:
        return value
    if top == 10:
        return math.ceil(value / 2)
    return _round_half_up(1 + (value - 1) * 4 / (top - 1))


# Upper bounds (percent) of likelihood bands 1 to 4; above the last is 5. Set by RISKREG_IMPORT_PERCENT_BANDS.
PERCENT_BANDS = (20, 40, 60, 80)


def from_percent(percent: float, bands: tuple[float, ...] = PERCENT_BANDS) -> int:
    return 1 + sum(1 for bound in bands if percent > bound + 1e-9)


def percent_table(bands: tuple[float, ...] = PERCENT_BANDS) -> str:
    parts = [f"up to {bound:g}% → {n}" for n, bound in enumerate(bands, start=1)]
    return ", ".join([*parts, f"above {bands[-1]:g}% → {len(bands) + 1}"])


def _points_table(top: int) -> str:
    if top == 10:
        return "1–2 → 1, 3–4 → 2, 5–6 → 3, 7–8 → 4, 9–10 → 5"
    return ", ".join(f"{n} → {from_points(n, top)}" for n in range(1, top + 1))


PERCENT_TABLE = percent_table()


@dataclass
class ScaleDecision:
    dimension: str  # likelihood | impact
    top: int = 5
    fractions: bool = False
    three_level: bool = False
    bands: tuple[float, ...] = PERCENT_BANDS
    explanation: list[str] = field(default_factory=list)
    _memo: dict = field(default_factory=dict, repr=False)

    def rate(self, value: object) -> tuple[int | None, str | None, str]:
        """(rating 1–5, problem, note about how it was read)."""
        try:
            return self._memo[value]  # registers repeat a handful of values thousands of times
        except (KeyError, TypeError):
            pass
        result = self._rate(value)
        with contextlib.suppress(TypeError):
            self._memo[value] = result
        return result

    def _rate(self, value: object) -> tuple[int | None, str | None, str]:
        reading = classify(value)
        if reading.kind == "blank":
            return None, None, ""
        if reading.kind == "word":
            table = THREE_LEVEL if self.three_level else WORD_RATINGS
            return table[reading.word], None, ""
        if reading.kind == "percent":
            return self._percent(reading.number, reading.text)
        if reading.kind == "number":
            return self._number(reading.number)
        return None, f"‘{one_line(reading.text)}’ is not {article(self.dimension)} riskreg knows", ""

    def _percent(self, percent: float, shown: str) -> tuple[int | None, str | None, str]:
        if not 0 <= percent <= 100:
            return None, f"{shown or percent} is not a percentage from 0 to 100", ""
        return from_percent(percent, self.bands), None, ""

    def _number(self, number: float) -> tuple[int | None, str | None, str]:
        shown = f"{number:g}"
        if self.fractions and 0 <= number <= 1:
            return from_percent(number * 100, self.bands), None, ""
        note = ""
        if not number.is_integer():
            rounded = _round_half_up(number)
            note, number = f"{shown} rounded to {rounded}", float(rounded)
        if not 1 <= number <= self.top:
            hint = " (it may be a score, likelihood × impact)" if number > 10 else ""
            return None, f"{shown} is not on the 1–{self.top} {self.dimension} scale{hint}", ""
        return from_points(int(number), self.top), None, note


def _numbers(readings: list[Reading]) -> list[float]:
    return [r.number for r in readings if r.kind == "number"]


def _word_explanation(words: list[str], three_level: bool) -> str:
    table = THREE_LEVEL if three_level else WORD_RATINGS
    seen = sorted(set(words), key=lambda w: (table[w], w))
    pairs = ", ".join(f"‘{w}’ → {table[w]}" for w in seen)
    return ("words on a three-point scale: " if three_level else "words: ") + pairs


def _numbers_explanation(decision: ScaleDecision, numbers: list[float], why: str) -> str:
    if decision.top == 5:
        return "whole numbers 1–5, used as they are"
    return f"whole numbers on a 1–{decision.top} scale ({why}): {_points_table(decision.top)}"


def _choose_top(numbers: list[float], override: int | None, hints: list[int]) -> tuple[int, str]:
    whole = [n for n in numbers if n >= 1]
    highest = max(whole, default=0)
    if override:
        return override, "as you chose"
    if highest > 5:
        return 10, f"the highest value is {highest:g}"
    if hints:
        return max(hints), "as the heading says"
    if highest in (3, 4) and len(whole) >= EVIDENCE_FOR_SHORT_SCALE:
        return int(highest), f"no value above {highest:g} in {len(whole)} cells"
    return 5, ""


def decide(
    dimension: str,
    values: list[object],
    override: int | None = None,
    hints: list[int] | None = None,
    bands: tuple[float, ...] = PERCENT_BANDS,
) -> ScaleDecision:
    """How this dimension's cells are read, and the sentences that say so."""
    readings = [classify(v) for v in values]
    numbers = _numbers(readings)
    decision = ScaleDecision(dimension, bands=tuple(bands))
    decision.fractions = bool(numbers) and all(0 <= n <= 1 for n in numbers) and any(0 < n < 1 for n in numbers)
    if numbers and not decision.fractions:
        decision.top, why = _choose_top(numbers, override, hints or [])
        decision.explanation.append(_numbers_explanation(decision, numbers, why))
    elif override:
        decision.top = override
    percents = any(r.kind == "percent" for r in readings)
    if decision.fractions or percents:
        what = " and ".join(
            filter(
                None, ("percentages" if percents else "", "fractions of 1 (0.35 is 35%)" if decision.fractions else "")
            )
        )
        decision.explanation.append(f"{what}: {percent_table(decision.bands)}")
    words = [r.word for r in readings if r.kind == "word"]
    if words:
        decision.three_level = set(words) <= set(THREE_LEVEL)
        decision.explanation.append(_word_explanation(words, decision.three_level))
    unknown = sorted({one_line(r.text, 30) for r in readings if r.kind == "unknown"})
    if unknown:
        listed = ", ".join(f"‘{u}’" for u in unknown[:5]) + (" and others" if len(unknown) > 5 else "")
        decision.explanation.append(f"not understood, so those rows cannot be imported: {listed}")
    return decision
