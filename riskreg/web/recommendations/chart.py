"""A horizontal bar chart of percentages as SVG, drawn on the server so it also prints and needs no script.

Pure: rows in, markup out (every value passes through Markup.format, which escapes it). Colours are presentation
attributes, not CSS: the Content-Security-Policy allows no inline styles. The page puts a data
table beside every chart (its text alternative), so the SVG is one image with a title naming what it shows.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

BAR_HEIGHT, GAP, LABEL_WIDTH, BAR_WIDTH, RIGHT = 24, 12, 220, 360, 60
LABEL = Markup('<text x="{x}" y="{y}" text-anchor="end">{text}</text>')
TEXT = Markup('<text x="{x}" y="{y}">{text}</text>')
RECT = Markup('<rect x="{x}" y="{y}" width="{width}" height="{height}" class="{css}" fill="{fill}"/>')
SVG = Markup(
    '<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" aria-labelledby="{id}-title" '
    'viewBox="0 0 {width} {height}" width="100%" font-family="Arial, sans-serif" font-size="14" fill="#0b0c0c">'
    '<title id="{id}-title">{title}</title>{body}</svg>'
)


@dataclass(frozen=True)
class Bar:
    label: str
    percent: int | None  # None: nothing to show a rate of (drawn as "no rate")


def _bar(index: int, bar: Bar) -> Markup:
    y = GAP + index * (BAR_HEIGHT + GAP)
    middle = y + BAR_HEIGHT / 2 + 5
    label = bar.label if len(bar.label) <= 30 else bar.label[:29] + "…"
    parts = [
        LABEL.format(x=LABEL_WIDTH - 8, y=middle, text=label),
        RECT.format(x=LABEL_WIDTH, y=y, width=BAR_WIDTH, height=BAR_HEIGHT, css="app-chart__track", fill="#f3f2f1"),
    ]
    if bar.percent is None:
        parts.append(TEXT.format(x=LABEL_WIDTH + 8, y=middle, text="no rate"))
    else:
        width = round(BAR_WIDTH * max(0, min(bar.percent, 100)) / 100)
        parts.append(
            RECT.format(x=LABEL_WIDTH, y=y, width=width, height=BAR_HEIGHT, css="app-chart__bar", fill="#1d70b8")
        )
        parts.append(TEXT.format(x=LABEL_WIDTH + BAR_WIDTH + 8, y=middle, text=f"{bar.percent}%"))
    return Markup("").join(parts)


def percent_bars(bars: Sequence[Bar], title: str, chart_id: str) -> Markup:
    """One bar per row, 0 to 100%, labelled with its value: readable in black and white and when printed."""
    body = Markup("").join(_bar(index, bar) for index, bar in enumerate(bars))
    height = GAP + len(bars) * (BAR_HEIGHT + GAP)
    return SVG.format(id=chart_id, width=LABEL_WIDTH + BAR_WIDTH + RIGHT, height=height, title=title, body=body)
