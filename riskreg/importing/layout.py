"""Where the register is in a file: which sheet, which row holds the headings, and the columns under them.

Title rows, notes and blank rows above the heading row are skipped; a merged group cell above the headings
("Inherent risk" over L and I) becomes part of their headings; merged cells in the data are filled down;
columns with neither a heading nor data (trailing empty columns) are dropped; duplicated headings are made
unique. A table whose headings run down the first column instead of across the top is refused as
transposed, because reading it the wrong way round would import nonsense.
"""

from dataclasses import dataclass, field
from typing import Any

from riskreg.importing.errors import HeadingsNotFound, ImportRefused
from riskreg.importing.fields import IGNORE, RISK_COLUMNS, SHEET_RISKS, norm_key
from riskreg.importing.mapping import Heading, recognise
from riskreg.importing.readers import Source, Table
from riskreg.importing.values import clean_text, is_blank, one_line

HEAD_ROWS = 30
CORE_FIELDS = frozenset({"title", "event"})
LONGEST_HEADING = 80


# Sheets that explain a register rather than hold it: read only when no other sheet looks like a register.
EXPLAINER_WORDS = frozenset(
    {
        "contents",
        "content",
        "guidance",
        "guide",
        "instructions",
        "instruction",
        "readme",
        "read me",
        "key",
        "matrix",
        "scoring",
        "definitions",
        "definition",
        "lookup",
        "lookups",
        "lists",
        "list",
        "dropdowns",
        "dropdown",
        "help",
        "notes",
        "about",
        "introduction",
        "intro",
        "cover",
        "criteria",
        "glossary",
        "version",
        "changes",
        "change log",
        "summary",
        "dashboard",
        "heat map",
        "heatmap",
        "chart",
        "charts",
    }
)


# A first word that makes any sheet an explainer ("Scoring guidance", "Lookup lists"); "Key risks" is not one.
EXPLAINER_FIRST_WORDS = frozenset(
    {
        "contents",
        "guidance",
        "instructions",
        "readme",
        "scoring",
        "lookup",
        "lookups",
        "dropdowns",
        "help",
        "glossary",
        "cover",
        "definitions",
        "how",
    }
)


def is_explainer(sheet: str) -> bool:
    words = norm_key(sheet)
    return words in EXPLAINER_WORDS or words.split(" ")[0] in EXPLAINER_FIRST_WORDS


@dataclass
class Candidate:
    sheet: str
    header_line: int | None
    recognised: int
    rows: int  # non-empty rows seen below the header in the first rows read
    transposed: int = 0  # headings recognised down the first column
    export: bool = False  # the Risks sheet of riskreg's own export

    @property
    def usable(self) -> bool:
        return self.header_line is not None


@dataclass
class Column:
    index: int
    letter: str
    heading: Heading
    samples: list[Any] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.heading.name


@dataclass
class Layout:
    sheet: str
    header_line: int
    columns: list[Column]
    rows: list[tuple[int, list[Any]]]
    candidates: list[Candidate]
    notes: list[str] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        """More than one sheet looks like a register (riskreg's own export is never in doubt)."""
        return not self.candidates[0].export and sum(c.usable for c in self.candidates) > 1


def _heading_fields(cells: list[Any]) -> set[str]:
    found = set()
    for cell in cells:
        text = clean_text(cell)
        if text and len(text) <= LONGEST_HEADING and (target := recognise(text)):
            found.add(target)
    return found


def _is_header(found: set[str]) -> bool:
    meaningful = found - {IGNORE}
    return (len(found) >= 2 and bool(meaningful & CORE_FIELDS)) or len(meaningful) >= 3


def find_header(head: list[tuple[int, list[Any]]]) -> tuple[int | None, int]:
    """(line of the most heading-like row, how many fields it names); None when no row looks like headings."""
    best_line, best = None, 0
    for line, cells in head:
        if sum(1 for cell in cells if clean_text(cell)) < 2:
            continue
        found = _heading_fields(cells)
        if _is_header(found) and len(found) > best:
            best_line, best = line, len(found)
    return best_line, best


def _transposed_score(head: list[tuple[int, list[Any]]]) -> int:
    return max((len(_heading_fields([cells[c] for _, cells in head if len(cells) > c])) for c in (0, 1)), default=0)


def survey(source: Source) -> list[Candidate]:
    """Every sheet, best first: the one with the most recognised headings, then the most rows."""
    candidates = []
    for name in source.sheet_names():
        head = source.head(name, HEAD_ROWS)
        line, recognised = (0, len(_heading_fields(head[0][1]))) if source.kind == "json" else find_header(head)
        below = sum(1 for row_line, _ in head if line is not None and row_line > line)
        candidate = Candidate(name, line, recognised, below, _transposed_score(head))
        candidate.export = name == SHEET_RISKS and is_export(source, candidate)
        candidates.append(candidate)
    # An explainer sheet (a scoring key has 'Likelihood' and 'Impact' headings too) loses to any register.
    candidates.sort(key=lambda c: (c.usable, c.export, not is_explainer(c.sheet), c.recognised, c.rows), reverse=True)
    return candidates


def is_export(source: Source, candidate: Candidate) -> bool:
    """riskreg's own XLSX export: its Risks sheet starts with exactly our headings."""
    if candidate.header_line != 1:
        return False
    head = source.head(candidate.sheet, 1)
    return [clean_text(c) for c in head[0][1][: len(RISK_COLUMNS)]] == [c.header for c in RISK_COLUMNS]


def _refuse_unreadable(candidates: list[Candidate]) -> None:
    transposed = max(candidates, key=lambda c: c.transposed)
    if transposed.transposed >= 3:
        raise ImportRefused(
            f"‘{transposed.sheet}’ looks transposed: its headings run down the first column instead of across "
            "the top. Put the headings in one row and each risk in a row below it, then upload it again."
        )
    raise HeadingsNotFound(
        f"riskreg could not find a row of headings such as ‘Risk title’, ‘Likelihood’ or ‘Risk owner’ in the "
        f"first {HEAD_ROWS} rows of {'any sheet' if len(candidates) > 1 else 'the file'}. Check that this is a "
        "risk register with one risk per row; if it is, choose the sheet and the row that holds the headings."
    )


def _fill_merged(table: Table, header_line: int) -> int:
    """Fill merged cells: across in the heading rows, down in the data (a horizontal merge in data is layout)."""
    rows = dict(table.rows)
    filled = 0
    for first_row, first_col, last_row, last_col in table.merged:
        top = rows.get(first_row)
        if top is None or len(top) < first_col or top[first_col - 1] in (None, ""):
            continue
        value = top[first_col - 1]
        heading_rows = first_row <= header_line
        for line in range(first_row, last_row + 1):
            cells = rows.get(line)
            if cells is None or line < header_line - 1:
                continue  # titles above the headings are not read
            for col in range(first_col, (last_col if heading_rows else first_col) + 1):
                cells.extend([None] * (col - len(cells)))
                if (line, col) != (first_row, first_col) and cells[col - 1] in (None, ""):
                    cells[col - 1] = value
                    filled += 1
    return filled


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for name in names:
        key = name.casefold()
        seen[key] = seen.get(key, 0) + 1
        result.append(name if seen[key] == 1 else f"{name} ({seen[key]})")
    return result


def _group_cells(table: Table, header_line: int) -> list[Any]:
    """The row just above the headings when it labels groups of them ("Inherent risk" over L and I)."""
    above = [cells for line, cells in table.rows if line == header_line - 1]
    if not above or sum(1 for cell in above[0] if clean_text(cell)) < 2:
        return []
    header = next(cells for line, cells in table.rows if line == header_line)
    texts = [clean_text(cell) for cell in above[0] if clean_text(cell)]
    if len(set(texts)) == 1 and len(texts) > max(2, sum(1 for cell in header if clean_text(cell)) // 2):
        return []  # a title merged across the top, not a group over some of the headings
    return above[0]


def _samples(data: list[tuple[int, list[Any]]], index: int, most: int = 200) -> list[Any]:
    """The column's first values, to show and to judge what it holds (not all of a 10,000-row sheet's)."""
    samples = []
    for _, cells in data:
        if index < len(cells) and not is_blank(cells[index]):
            samples.append(cells[index])
            if len(samples) >= most:
                break
    return samples


def _columns(table: Table, header_line: int, data: list[tuple[int, list[Any]]]) -> list[Column]:
    from openpyxl.utils.cell import get_column_letter  # here, not at the top: the XLSX stack loads on first use

    header = next(cells for line, cells in table.rows if line == header_line)
    groups = _group_cells(table, header_line)
    width = max([len(header)] + [len(cells) for _, cells in data])
    raw = []
    for index in range(width):
        text = clean_text(header[index]) if index < len(header) else ""
        samples = _samples(data, index)
        if not text and not samples:
            continue  # neither a heading nor data: an empty or trailing column
        group = clean_text(groups[index]) if index < len(groups) else ""
        raw.append((index, " ".join(text.split()) or f"Column {get_column_letter(index + 1)}", group, samples))
    names = _unique([f"{group} {text}" if group and group != text else text for _, text, group, _ in raw])
    return [
        Column(index, get_column_letter(index + 1), Heading(name, text, group), samples)
        for (index, text, group, samples), name in zip(raw, names, strict=True)
    ]


def locate(source: Source, sheet: str | None = None, header_row: int | None = None) -> Layout:
    """The register's layout: the chosen or best sheet, and the chosen or detected heading row."""
    candidates = survey(source)
    if sheet is not None and sheet not in source.sheet_names():
        raise ImportRefused(f"The file has no sheet called ‘{sheet}’.")
    chosen = next((c for c in candidates if c.sheet == sheet), None) if sheet else candidates[0]
    assert chosen is not None
    table = source.table(chosen.sheet)
    line = header_row if header_row is not None else chosen.header_line
    if line is None or (header_row is None and not chosen.usable):
        if sheet is None:
            _refuse_unreadable(candidates)
        raise HeadingsNotFound(
            f"riskreg could not find the headings in ‘{chosen.sheet}’: choose the row that holds them."
        )
    if line not in {row_line for row_line, _ in table.rows}:
        raise ImportRefused(f"Row {line} of ‘{chosen.sheet}’ is empty: choose the row that holds the headings.")
    notes = _layout_notes(source, table, line, _fill_merged(table, line))
    header = next(cells for row_line, cells in table.rows if row_line == line)
    data = [(n, cells) for n, cells in table.rows if n > line and cells != header]
    return Layout(chosen.sheet, line, _columns(table, line, data), data, candidates, notes)


def _layout_notes(source: Source, table: Table, line: int, filled: int) -> list[str]:
    notes = list(source.notes)
    if source.kind == "xlsx":
        notes.append(f"Sheet ‘{table.name}’, with the headings on row {line}.")
    skipped = [cells for row_line, cells in table.rows if row_line < line]
    if skipped and source.kind != "json":
        first = one_line(next((c for c in skipped[0] if clean_text(c)), ""), 50)
        notes.append(
            f"{len(skipped)} row{'s' if len(skipped) > 1 else ''} above the headings skipped "
            f"(a title or notes, starting ‘{first}’)."
        )
    if filled:
        notes.append(f"Merged cells: {filled} cells filled from the merged cell they belong to.")
    return notes
