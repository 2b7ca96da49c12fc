"""The residual heat map: risks placed on a 5 x 5 grid of likelihood by impact, and drawn as SVG.

Pure: it takes (reference, likelihood, impact) triples and returns the grid, or SVG markup that the committee
page and the committee pack both embed (WeasyPrint renders inline SVG). Cells are coloured by the score's
band. The SVG only repeats what the grid's data table beside it says, so it is one image with a title and a
description; screen-reader users get the table.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from riskreg.enums import IMPACT_LABELS, LIKELIHOOD_LABELS, Band
from riskreg.rules import scoring

# GOV.UK tag colours, as the pages' band tags use them; text on each is dark enough to read (WCAG AA).
BAND_FILLS = {Band.LOW: "#cce2d8", Band.MEDIUM: "#fff7bf", Band.HIGH: "#fcd6c3", Band.VERY_HIGH: "#f4cdc6"}
CELL, LEFT, BOTTOM, TOP = 56, 96, 60, 8


@dataclass(frozen=True)
class Cell:
    likelihood: int
    impact: int
    refs: tuple[str, ...]

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


def grid(points: Iterable[tuple[str, int, int]]) -> list[list[Cell]]:
    """Rows from impact 5 (top) down to 1, columns from likelihood 1 to 5, each with the risks placed there."""
    placed: dict[tuple[int, int], list[str]] = {}
    for ref, likelihood, impact in points:
        if not (scoring.is_valid_rating(likelihood) and scoring.is_valid_rating(impact)):
            raise ValueError(f"{ref}: likelihood and impact must be 1 to 5, not {likelihood} and {impact}")
        placed.setdefault((likelihood, impact), []).append(ref)
    return [
        [Cell(likelihood, impact, tuple(placed.get((likelihood, impact), ()))) for likelihood in scoring.SCALE]
        for impact in reversed(scoring.SCALE)
    ]


def occupied(rows: list[list[Cell]]) -> list[Cell]:
    """The cells with risks in them, highest score first (the data table beside the map)."""
    cells = [cell for row in rows for cell in row if cell.refs]
    return sorted(cells, key=lambda cell: (-cell.score, -cell.impact, -cell.likelihood))


def _text(x: float, y: float, text: str, size: int = 11, anchor: str = "middle", weight: str = "normal") -> str:
    return (
        f'<text x="{x:g}" y="{y:g}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
        f'fill="#0b0c0c">{escape(text)}</text>'
    )


def _cell(cell: Cell, column: int, row: int, rules: scoring.ScoringRules) -> str:
    x, y = LEFT + column * CELL, TOP + row * CELL
    fill = BAND_FILLS[scoring.band(cell.score, rules)]
    parts = [f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{fill}" stroke="#ffffff" stroke-width="2"/>']
    if cell.refs:
        parts.append(_text(x + CELL / 2, y + CELL / 2 + 7, str(len(cell.refs)), size=20, weight="bold"))
    return "".join(parts)


def svg(rows: list[list[Cell]], title: str, rules: scoring.ScoringRules = scoring.DEFAULT_RULES) -> str:
    """The grid as an SVG image: the number of risks in each cell, likelihood across and impact up."""
    width, height = LEFT + 5 * CELL + 8, TOP + 5 * CELL + BOTTOM
    total = sum(len(cell.refs) for row in rows for cell in row)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-heatmap" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="heatmap-title heatmap-desc">',
        f'<title id="heatmap-title">{escape(title)}</title>',
        f'<desc id="heatmap-desc">{total} risks by residual likelihood (across) and impact (up); '
        "the table beside the map lists them.</desc>",
    ]
    for row_index, row in enumerate(rows):
        impact = row[0].impact
        parts.append(_text(LEFT - 6, TOP + row_index * CELL + CELL / 2 + 4, IMPACT_LABELS[impact], 10, "end"))
        parts += [_cell(cell, column, row_index, rules) for column, cell in enumerate(row)]
    for column, likelihood in enumerate(scoring.SCALE):
        label_y = TOP + 5 * CELL + 14
        words = LIKELIHOOD_LABELS[likelihood].split(" ")
        for line, word in enumerate(words):
            parts.append(_text(LEFT + column * CELL + CELL / 2, label_y + line * 12, word, 10))
    parts.append(_text(LEFT + 5 * CELL / 2, height - 6, "Likelihood", 11, weight="bold"))
    middle = TOP + 5 * CELL / 2
    parts.append(f'<g transform="rotate(-90 16 {middle:g})">{_text(16, middle, "Impact", 11, weight="bold")}</g>')
    parts.append("</svg>")
    return "".join(parts)
