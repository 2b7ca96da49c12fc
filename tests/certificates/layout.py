"""Reading a rendered certificate page by page: its running header and its body, told apart by position.

pypdf (not the library that wrote the PDF) reports each piece of text with its
position; text in the top margin is the running header, the rest is the page body
in reading order. Used by the layout tests and by bench/certificate_layout.py.
"""

import re
from dataclasses import dataclass
from io import BytesIO

from pypdf import PdfReader

TOP_MARGIN_MM = 18  # _print.css @page margins
BOTTOM_MARGIN_MM = 20
POINTS_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class Page:
    number: int
    header: str  # the running header at the top left
    lines: list[str]  # the body, top to bottom


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def pages(pdf: bytes) -> list[Page]:
    found = []
    for number, page in enumerate(PdfReader(BytesIO(pdf)).pages, start=1):
        height, width = float(page.mediabox.height), float(page.mediabox.width)
        header_from = height - TOP_MARGIN_MM * POINTS_PER_MM
        footer_below = BOTTOM_MARGIN_MM * POINTS_PER_MM
        pieces: list[tuple[float, float, str]] = []

        def visit(text, cm, tm, _font, _size, pieces=pieces):
            if text.strip():
                # The text matrix is relative to the current transformation (WeasyPrint flips and scales it).
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                pieces.append((y, x, text))

        page.extract_text(visitor_text=visit)
        header = " ".join(t for y, x, t in pieces if y >= header_from and x < width / 2)
        rows: dict[float, list[tuple[float, str]]] = {}
        for y, x, text in pieces:
            if footer_below < y < header_from:
                rows.setdefault(round(y, 1), []).append((x, text))
        lines = [_clean(" ".join(t for _x, t in sorted(rows[y]))) for y in sorted(rows, reverse=True)]
        found.append(Page(number, _clean(header), [line for line in lines if line]))
    return found


def _heading(line: str, headings: list[str]) -> str | None:
    """The heading this body line is, or begins (a long heading wraps onto a second line)."""
    return next((h for h in headings if h == line or (len(line) > 12 and h.startswith(line))), None)


def header_problems(pdf: bytes, headings: list[str]) -> list[str]:
    """Pages whose running header does not name the section at the top of the page, and headings left alone at
    the foot of a page.

    ``headings`` are the texts of the document's h2 headings, in order. The section at the top of a page is the
    one whose heading opens the page, otherwise the last heading seen on an earlier page. Page 1 has no header.
    """
    problems, current = [], None
    for page in pages(pdf):
        seen = [found for line in page.lines if (found := _heading(line, headings))]
        opens = _heading(page.lines[0], headings) if page.lines else None
        if page.lines and _heading(page.lines[-1], headings):
            problems.append(f"page {page.number}: the heading {page.lines[-1]!r} is stranded at the foot")
        expected = opens or current
        if page.number > 1 and page.header != (expected or ""):
            problems.append(f"page {page.number}: header {page.header!r}, but the page starts in {expected!r}")
        if page.number > 1 and expected is None:
            problems.append(f"page {page.number}: no section is open at its top")
        current = seen[-1] if seen else current
    return problems
