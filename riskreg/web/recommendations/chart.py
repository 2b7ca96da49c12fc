"""A horizontal bar chart of percentages as SVG, drawn on the server so it also prints and needs no script.

Pure: rows in, markup out. The page puts a data table beside every chart (its text alternative), so the SVG is
one image with a title naming what it shows.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_HEIGHT, GAP, LABEL_WIDTH, BAR_WIDTH, RIGHT = 24, 12, 220, 360, 60


@dataclass(frozen=True)
class Bar:
    label: str
    percent: int | None  # None: nothing to show a rate of (drawn as "no rate")


def _bar(index: int, bar: Bar) -> str:
    y = GAP + index * (BAR_HEIGHT + GAP)
    middle = y + BAR_HEIGHT / 2 + 5
    label = escape(bar.label if len(bar.label) <= 30 else bar.label[:29] + "…")
    parts = [f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end">{label}</text>']
    parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" class="app-chart__track"/>')
    if bar.percent is None:
        parts.append(f'<text x="{LABEL_WIDTH + 8}" y="{middle}">no rate</text>')
        return "".join(parts)
    width = round(BAR_WIDTH * max(0, min(bar.percent, 100)) / 100)
    parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" class="app-chart__bar"/>')
    parts.append(f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{middle}">{bar.percent}%</text>')
    return "".join(parts)


def percent_bars(bars: Sequence[Bar], title: str, chart_id: str) -> Markup:
    """One bar per row, 0 to 100%, labelled with its value: readable in black and white and when printed."""
    height = GAP + len(bars) * (BAR_HEIGHT + GAP)
    width = LABEL_WIDTH + BAR_WIDTH + RIGHT
    body = "".join(_bar(index, bar) for index, bar in enumerate(bars))
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" aria-labelledby="{chart_id}-title" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" font-family="Arial, sans-serif" '
        f'font-size="14"><title id="{chart_id}-title">{escape(title)}</title>'
        f'<style>.app-chart__track{{fill:#f3f2f1}}.app-chart__bar{{fill:#1d70b8}}text{{fill:#0b0c0c}}</style>'
        f"{body}</svg>"
    )
