"""Charts drawn on the server as SVG, so pages and PDFs show the same picture and it prints (issue 19).

Pure: a chart is a function of its numbers. Every chart is decorative for assistive technology
(``aria-hidden``): the page puts a data table beside it, which is the accessible form of the same numbers.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from riskreg.enums import Rating

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 14, 40
# GOV.UK colours: the tolerance band's green, amber and red, and the line in the design system's black.
COLOURS = {Rating.GREEN: "#cce2d8", Rating.AMBER: "#fff7bf", Rating.RED: "#f4cdc6"}
MARKERS = {Rating.GREEN: "#00703c", Rating.AMBER: "#b58840", Rating.RED: "#d4351c"}
LINE = "#0b0c0c"
GRID = "#b1b4b6"


@dataclass(frozen=True)
class Point:
    label: str  # the period, as the axis shows it
    value: Decimal | None  # None: no value for the period (a gap in the line)
    rating: Rating | None = None


@dataclass(frozen=True)
class Band:
    green_limit: Decimal
    red_limit: Decimal
    higher_is_worse: bool


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.3g}"


def _scale(points: Sequence[Point], band: Band | None) -> tuple[float, float]:
    values = [float(p.value) for p in points if p.value is not None]
    if band is not None:
        values += [float(band.green_limit), float(band.red_limit)]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    low = min(low, 0.0) if low >= 0 else low
    if high == low:
        high = low + 1
    return low, high + (high - low) * 0.1


def _band_rects(band: Band, y, plot_width: float) -> list[str]:
    """Green, amber and red zones behind the line, from the tolerance."""
    top, bottom = TOP, HEIGHT - BOTTOM
    green_y, red_y = y(float(band.green_limit)), y(float(band.red_limit))
    if band.higher_is_worse:  # red above the red limit, green below the green limit
        zones = [(Rating.RED, top, red_y), (Rating.AMBER, red_y, green_y), (Rating.GREEN, green_y, bottom)]
    else:
        zones = [(Rating.GREEN, top, green_y), (Rating.AMBER, green_y, red_y), (Rating.RED, red_y, bottom)]
    rects = []
    for rating, y1, y2 in zones:
        y1, y2 = max(top, min(y1, bottom)), max(top, min(y2, bottom))
        if y2 > y1:
            rects.append(
                f'<rect x="{LEFT}" y="{y1:.1f}" width="{plot_width:.1f}" height="{y2 - y1:.1f}" '
                f'fill="{COLOURS[rating]}"/>'
            )
    return rects


def _axes(low: float, high: float, y, plot_width: float) -> list[str]:
    parts = []
    for step in range(5):
        value = low + (high - low) * step / 4
        at = y(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{at:.1f}" x2="{LEFT + plot_width:.1f}" y2="{at:.1f}" stroke="{GRID}" '
            'stroke-width="0.5"/>'
            f'<text x="{LEFT - 6}" y="{at + 4:.1f}" text-anchor="end" font-size="11">{_number(value)}</text>'
        )
    return parts


def _line(points: Sequence[Point], x, y) -> list[str]:
    parts, run = [], []
    for index, point in enumerate(points):
        if point.value is None:
            run = []
            continue
        run.append(f"{x(index):.1f},{y(float(point.value)):.1f}")
        if len(run) > 1:
            parts.append(f'<polyline points="{" ".join(run[-2:])}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    for index, point in enumerate(points):
        if point.value is not None:
            colour = MARKERS.get(point.rating, LINE) if point.rating else LINE
            parts.append(
                f'<circle cx="{x(index):.1f}" cy="{y(float(point.value)):.1f}" r="4" fill="{colour}" '
                f'stroke="{LINE}" stroke-width="1"/>'
            )
    return parts


def _labels(points: Sequence[Point], x) -> list[str]:
    every = max(1, -(-len(points) // 8))  # at most about eight labels under the axis
    return [
        f'<text x="{x(index):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" font-size="11">'
        f"{escape(point.label)}</text>"
        for index, point in enumerate(points)
        if index % every == 0 or index == len(points) - 1
    ]


def trend_svg(points: Sequence[Point], band: Band | None = None, title: str = "") -> str:
    """A line chart of a measure's values, oldest first, over its tolerance band (green, amber and red zones),
    each value's marker in its rating's colour. Hidden from screen readers: show the data table beside it."""
    plot_width = WIDTH - LEFT - RIGHT
    low, high = _scale(points, band)

    def y(value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - low) / (high - low))

    def x(index: int) -> float:
        return LEFT + (plot_width * (index + 0.5) / max(1, len(points)))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'class="app-chart" aria-hidden="true" focusable="false" font-family="Arial, sans-serif" fill="{LINE}">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    if band is not None:
        parts += _band_rects(band, y, plot_width)
    parts += _axes(low, high, y, plot_width)
    parts.append(
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{LEFT + plot_width}" y2="{HEIGHT - BOTTOM}" stroke="{LINE}"/>'
    )
    parts += _line(points, x, y)
    parts += _labels(points, x)
    parts.append("</svg>")
    return "".join(parts)
