"""Measures (key risk indicators, issue 19): rating a value against its tolerance, the periods values are
for, and the quarters of the financial year that quarterly performance reviews cover.

Pure functions: riskreg.services.measures stores the values and acts on the ratings.

A tolerance is two limits and a direction. Where higher is worse, a value up to the green limit is green, a
value above the red limit is red (outside tolerance) and anything between is amber; where higher is better,
the same the other way up. A value exactly at a limit is on the better side of it: a tolerance says what is
acceptable, and the limit itself is.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from riskreg.enums import MeasureDirection, MeasureFrequency, Rating

# Values are stored as NUMERIC(16, 4): twelve digits before the point, four after.
MAX_ABS_VALUE = Decimal("999999999999")
DECIMAL_PLACES = 4
MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


@dataclass(frozen=True)
class Tolerance:
    direction: MeasureDirection
    green_limit: Decimal
    red_limit: Decimal

    @property
    def higher_is_worse(self) -> bool:
        return self.direction is MeasureDirection.HIGHER_IS_WORSE

    def describe(self, unit: str = "") -> str:
        """In words: "green up to 2, red above 5" (higher is worse)."""
        suffix = f" {unit}" if unit else ""
        green, red = number_text(self.green_limit), number_text(self.red_limit)
        if self.higher_is_worse:
            return f"green up to {green}{suffix}, red above {red}{suffix}"
        return f"green from {green}{suffix}, red below {red}{suffix}"


def tolerance_refusal(direction: MeasureDirection, green_limit: Decimal, red_limit: Decimal) -> str | None:
    """Why these limits cannot make a tolerance, in words for the user; None when they can."""
    if direction is MeasureDirection.HIGHER_IS_WORSE and green_limit > red_limit:
        return "Where higher is worse, the green limit must be no higher than the red limit"
    if direction is MeasureDirection.HIGHER_IS_BETTER and green_limit < red_limit:
        return "Where higher is better, the green limit must be no lower than the red limit"
    return None


def rate(value: Decimal, tolerance: Tolerance) -> Rating:
    """Green within tolerance, amber between the limits, red outside tolerance."""
    if tolerance.higher_is_worse:
        if value <= tolerance.green_limit:
            return Rating.GREEN
        return Rating.RED if value > tolerance.red_limit else Rating.AMBER
    if value >= tolerance.green_limit:
        return Rating.GREEN
    return Rating.RED if value < tolerance.red_limit else Rating.AMBER


def is_breach(value: Decimal, tolerance: Tolerance) -> bool:
    return rate(value, tolerance) is Rating.RED


def parse_number(raw: object, label: str = "The value") -> Decimal:
    """A number as people type it ("1,234.5", " 7 ", "12%"): ValueError with a message when it is not one."""
    text = str(raw).strip().replace(",", "").removesuffix("%").strip()
    if not text:
        raise ValueError(f"Enter {label.lower()}")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{label} must be a number, like 12 or 3.5") from None
    if not number.is_finite():
        raise ValueError(f"{label} must be a number, like 12 or 3.5")
    if abs(number) > MAX_ABS_VALUE:
        raise ValueError(f"{label} must be between -{MAX_ABS_VALUE:,} and {MAX_ABS_VALUE:,}")
    return number.quantize(Decimal(1).scaleb(-DECIMAL_PLACES))


def number_text(value: Decimal | float | int) -> str:
    """1.5000 → "1.5", 12.0 → "12", 1234 → "1,234"."""
    number = Decimal(str(value)).normalize()
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,f}"


# Periods ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quarter:
    """A quarter of the financial year: 2026-27 Q1 is April to June 2026, Q4 is January to March 2027."""

    year: int  # the calendar year the financial year starts in
    number: int  # 1 to 4

    @property
    def start(self) -> date:
        month = 4 + 3 * (self.number - 1)
        return date(self.year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        following = self.next().start
        return date.fromordinal(following.toordinal() - 1)

    @property
    def slug(self) -> str:
        """In URLs: 2026-27-q1."""
        return f"{self.year}-{(self.year + 1) % 100:02d}-q{self.number}"

    @property
    def label(self) -> str:
        """2026-27 Q1 (April to June 2026)."""
        first, last = self.start, self.end
        return (
            f"{self.year}-{(self.year + 1) % 100:02d} Q{self.number} "
            f"({MONTH_NAMES[first.month - 1].capitalize()} to {MONTH_NAMES[last.month - 1].capitalize()} {last.year})"
        )

    @property
    def short_label(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d} Q{self.number}"

    def next(self) -> "Quarter":
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def quarter_of(day: date) -> Quarter:
    year = day.year if day.month >= 4 else day.year - 1
    return Quarter(year, (day.month - 4) % 12 // 3 + 1)


_QUARTER_SLUG = re.compile(r"(\d{4})-(\d{2})-q([1-4])")


def parse_quarter(slug: str) -> Quarter | None:
    """2026-27-q1 → Quarter(2026, 1); None for anything else (a URL nobody should have)."""
    match = _QUARTER_SLUG.fullmatch(slug.strip().lower())
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        return None
    return Quarter(int(match[1]), int(match[3]))


def period_start(day: date, frequency: MeasureFrequency) -> date:
    """The first day of the month, or of the financial quarter, that ``day`` falls in."""
    if frequency is MeasureFrequency.MONTHLY:
        return day.replace(day=1)
    return quarter_of(day).start


def period_end(start: date, frequency: MeasureFrequency) -> date:
    """The last day of the month or financial quarter starting ``start``."""
    step = 1 if frequency is MeasureFrequency.MONTHLY else 3
    month_index = start.year * 12 + start.month - 1 + step
    return date(month_index // 12, month_index % 12 + 1, 1) - timedelta(days=1)


def period_label(start: date, frequency: MeasureFrequency) -> str:
    if frequency is MeasureFrequency.MONTHLY:
        return f"{MONTH_NAMES[start.month - 1].capitalize()} {start.year}"
    return quarter_of(start).short_label


def short_period_label(start: date, frequency: MeasureFrequency) -> str:
    """For a chart's axis: "Apr 26", "Q1 26-27"."""
    if frequency is MeasureFrequency.MONTHLY:
        return f"{MONTH_NAMES[start.month - 1][:3].capitalize()} {start.year % 100:02d}"
    quarter = quarter_of(start)
    return f"Q{quarter.number} {quarter.year % 100:02d}-{(quarter.year + 1) % 100:02d}"


_MONTH_YEAR = re.compile(r"([a-z]+)\.?\s+(\d{4})")
_YEAR_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})(?:[-/]\d{1,2})?")
# A financial year as people write it: 2026-27, 2026/27, 26/27, FY26/27, FY 2026-27.
_FY = r"(?:fy\s?)?(\d{4}|\d{2})\s?[-/]\s?(\d{2})"
_Q = r"(?:q|quarter\s?)([1-4])"
# "2026-27 Q1", "FY26/27 Q1", "Q1 26/27", "Quarter 1 2026/27", "Q1 FY2026-27".
_FY_QUARTER = re.compile(rf"{_FY}\s?{_Q}|{_Q}\s?{_FY}")


def _month_number(name: str) -> int | None:
    for number, month in enumerate(MONTH_NAMES, start=1):
        if len(name) >= 3 and month.startswith(name):
            return number
    return None


def _parse_quarter_text(text: str) -> date | None:
    match = _FY_QUARTER.fullmatch(text)
    if not match:
        return None
    year, short, number = (match[1], match[2], match[3]) if match[1] else (match[5], match[6], match[4])
    # Two digits name a year of this century: 26/27 is 2026-27 (a measure's values are recent).
    first = int(year) + (2000 if len(year) == 2 else 0)
    if (first + 1) % 100 != int(short):
        raise ValueError(f"{year}-{short} is not a financial year: write it like 2026-27")
    return Quarter(first, int(number)).start


def parse_period(raw: object, frequency: MeasureFrequency) -> date:
    """The period a value is for, as people write it: a date, "2026-04", "April 2026", "Apr 2026", or a
    financial quarter ("2026-27 Q1", "Q1 2026-27", "Q1 26/27", "Quarter 1 2026/27", "FY26/27 Q1"; UK financial
    years start on 1 April, so Q1 2026-27 is April to June 2026). ValueError with a message when it is none."""
    if isinstance(raw, datetime):  # a spreadsheet's date cell: a date, not a time of day
        raw = raw.date()
    if isinstance(raw, date):
        return period_start(raw, frequency)
    text = re.sub(r"\s+", " ", str(raw or "")).strip().lower()
    if not text:
        raise ValueError("Enter the period the value is for")
    quarter_start = _parse_quarter_text(text)
    if quarter_start is not None:
        if frequency is MeasureFrequency.MONTHLY:
            raise ValueError("This measure has a value each month: give the month, like April 2026")
        return quarter_start
    month = year = None
    if match := _YEAR_MONTH.fullmatch(text):
        year, month = int(match[1]), int(match[2])
    elif (match := _MONTH_YEAR.fullmatch(text)) and _month_number(match[1]):
        year, month = int(match[2]), _month_number(match[1])
    if month is None or year is None or not 1 <= month <= 12 or not 1900 <= year <= 2999:
        raise ValueError(
            f"“{str(raw).strip()[:40]}” is not a period: write a month like April 2026 or a quarter like 2026-27 Q1"
        )
    return period_start(date(year, month, 1), frequency)


def periods_back(latest: date, frequency: MeasureFrequency, count: int) -> list[date]:
    """The ``count`` periods ending with the one starting ``latest``, oldest first."""
    step = 1 if frequency is MeasureFrequency.MONTHLY else 3
    starts = []
    year, month = latest.year, latest.month
    for _ in range(count):
        starts.append(date(year, month, 1))
        month -= step
        while month < 1:
            month += 12
            year -= 1
    return starts[::-1]


def quantity_text(value: Decimal | float | int, unit: str) -> str:
    """A value with its unit of measure, as pages and documents show it: "4 failures", "93.5 %", "12"."""
    return f"{number_text(value)} {unit}".strip()


def breach_note(name: str, value: Decimal, unit: str, period: str, tolerance: Tolerance) -> str:
    """What a breach flag tells the risk's owners."""
    return (
        f"{name} was {quantity_text(value, unit)} in {period}, outside tolerance ({tolerance.describe(unit)}): "
        "review the risk in the light of it"
    )


def review_quarter(today: date) -> Quarter:
    """The quarter a performance review looks at by default: the one holding the latest complete month."""
    last_month = date.fromordinal(today.replace(day=1).toordinal() - 1)
    return quarter_of(last_month)
