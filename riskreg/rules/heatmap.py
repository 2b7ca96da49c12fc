"""The residual heat map: risks placed on a 5 x 5 grid of likelihood by impact, and drawn as SVG.

Pure: it takes (reference, likelihood, impact) triples and returns the grid, or SVG markup that the committee
page and the committee pack both embed (WeasyPrint renders inline SVG). Cells are coloured by the score's
band. The SVG only repeats what the grid's data table beside it says, so it is one image with a title and a
description; screen-reader users get the table.

A register's maps over time (issue 19) are small multiples of the same drawing: one small map per quarter end
(``SMALL``), the grids from ``rules.residual_history``, and ``moves`` for the table of risks that changed cell.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from html import escape

from riskreg.enums import IMPACT_LABELS, LIKELIHOOD_LABELS, Band
from riskreg.rules import scoring

# GOV.UK tag colours, as the pages' band tags use them; text on each is dark enough to read (WCAG AA).
BAND_FILLS = {Band.LOW: "#cce2d8", Band.MEDIUM: "#fff7bf", Band.HIGH: "#fcd6c3", Band.VERY_HIGH: "#f4cdc6"}


@dataclass(frozen=True)
class Layout:
    cell: int
    left: int  # room for the impact labels
    bottom: int  # room for the likelihood labels
    top: int  # room for a caption above the grid
    count_size: int
    words: bool  # axis labels in words (Rare … Almost certain), or 1 to 5 on a small map


FULL = Layout(cell=56, left=96, bottom=60, top=8, count_size=20, words=True)
SMALL = Layout(cell=30, left=30, bottom=34, top=22, count_size=14, words=False)


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


def _cell(cell: Cell, column: int, row: int, rules: scoring.ScoringRules, layout: Layout) -> str:
    size = layout.cell
    x, y = layout.left + column * size, layout.top + row * size
    fill = BAND_FILLS[scoring.band(cell.score, rules)]
    parts = [f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="{fill}" stroke="#ffffff" stroke-width="2"/>']
    if cell.refs:
        middle = y + size / 2 + layout.count_size * 0.35
        parts.append(_text(x + size / 2, middle, str(len(cell.refs)), size=layout.count_size, weight="bold"))
    return "".join(parts)


def _axis_labels(rows: list[list[Cell]], layout: Layout) -> list[str]:
    size, left, top = layout.cell, layout.left, layout.top
    parts = []
    for row_index, row in enumerate(rows):
        impact = row[0].impact
        label = IMPACT_LABELS[impact] if layout.words else str(impact)
        parts.append(_text(left - 6, top + row_index * size + size / 2 + 4, label, 10, "end"))
    for column, likelihood in enumerate(scoring.SCALE):
        words = LIKELIHOOD_LABELS[likelihood].split(" ") if layout.words else [str(likelihood)]
        for line, word in enumerate(words):
            parts.append(_text(left + column * size + size / 2, top + 5 * size + 14 + line * 12, word, 10))
    return parts


def svg(
    rows: list[list[Cell]],
    title: str,
    rules: scoring.ScoringRules = scoring.DEFAULT_RULES,
    ident: str = "heatmap",
    layout: Layout = FULL,
    caption: str = "",
    beside: str = "the table beside the map lists them",
) -> str:
    """The grid as an SVG image: the number of risks in each cell, likelihood across and impact up. ``ident``
    keeps the title's and description's ids unique when a page shows several maps; ``caption`` is drawn above
    a small map (its quarter)."""
    size, left, top = layout.cell, layout.left, layout.top
    width, height = left + 5 * size + 8, top + 5 * size + layout.bottom
    total = sum(len(cell.refs) for row in rows for cell in row)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-heatmap" viewBox="0 0 {width} {height}" '
        # The PDFs' own font (charts.py names it too): a map in another font embeds two more fonts in the pack.
        f'width="{width}" height="{height}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        'font-family="Arial, sans-serif">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{total} risks by residual likelihood (across) and impact (up); '
        f"{escape(beside)}.</desc>",
    ]
    if caption:
        parts.append(_text(left + 5 * size / 2, top - 8, caption, 12, weight="bold"))
    for row_index, row in enumerate(rows):
        parts += [_cell(cell, column, row_index, rules, layout) for column, cell in enumerate(row)]
    parts += _axis_labels(rows, layout)
    parts.append(_text(left + 5 * size / 2, height - 6, "Likelihood", 11, weight="bold"))
    middle = top + 5 * size / 2
    parts.append(f'<g transform="rotate(-90 12 {middle:g})">{_text(12, middle, "Impact", 11, weight="bold")}</g>')
    parts.append("</svg>")
    return "".join(parts)


# Maps over time (issue 19) ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The map as at one day: the end of a quarter, or today while the quarter lasts."""

    label: str
    as_of: date
    rows: list[list[Cell]]

    @property
    def total(self) -> int:
        return sum(len(cell.refs) for row in self.rows for cell in row)

    def by_band(self, rules: scoring.ScoringRules = scoring.DEFAULT_RULES) -> dict[Band, int]:
        counts = dict.fromkeys(reversed(Band), 0)
        for row in self.rows:
            for cell in row:
                counts[scoring.band(cell.score, rules)] += len(cell.refs)
        return counts


@dataclass(frozen=True)
class Move:
    ref: str
    was: Cell | None  # None: not open at the first map
    now: Cell | None  # None: closed by the last map

    @property
    def direction(self) -> str:
        if self.was is None:
            return "added"
        if self.now is None:
            return "closed"
        return "up" if self.now.score > self.was.score else "down" if self.now.score < self.was.score else "across"


def _cells_by_ref(rows: list[list[Cell]]) -> dict[str, Cell]:
    return {ref: cell for row in rows for cell in row for ref in cell.refs}


def _place(cell: Cell | None) -> tuple[int, int] | None:
    return (cell.likelihood, cell.impact) if cell else None


def moves(first: list[list[Cell]], last: list[list[Cell]]) -> list[Move]:
    """The risks in a different cell on the last map than on the first (added and closed ones too), highest
    score now first."""
    was, now = _cells_by_ref(first), _cells_by_ref(last)
    moved = [
        Move(ref, was.get(ref), now.get(ref))
        for ref in was.keys() | now.keys()
        if _place(was.get(ref)) != _place(now.get(ref))
    ]
    return sorted(moved, key=lambda move: (-(move.now.score if move.now else 0), move.ref))
