"""Measure values in and out of spreadsheets: one row per measure and period (Measure, Period, Value, Note).

Reading reuses the register import's source readers (riskreg.importing.readers: size and zip-bomb guards,
encodings, every sheet format); the import is all or nothing, like the register import's commit: one row
that will not do refuses the file, and every row's problem is reported. The export writes the same columns,
so an exported file imports back to the same values.
"""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from riskreg.importing import readers
from riskreg.importing.errors import ImportRefused
from riskreg.importing.layout import is_explainer
from riskreg.importing.values import clean_text, spreadsheet_text
from riskreg.models import Measure, Unit, User
from riskreg.rules import measures as measure_rules
from riskreg.services.measures import catalogue
from riskreg.services.transfer.importing import limits

COLUMNS = ("Measure", "Period", "Value", "Note")
REQUIRED = ("measure", "period", "value")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class ImportResult:
    problems: list[tuple[int, str]] = field(default_factory=list)  # (row number in the file, what is wrong)
    recorded: int = 0
    measures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _header(rows: list[tuple[int, list[Any]]]) -> tuple[int, dict[str, int]] | None:
    """The first row naming the Measure, Period and Value columns (title rows above it are skipped)."""
    for position, (_number, cells) in enumerate(rows[:20]):
        names = {clean_text(cell).lower(): index for index, cell in enumerate(cells) if clean_text(cell)}
        if all(name in names for name in REQUIRED):
            return position, names
    return None


def _table(data: bytes, filename: str) -> readers.Table:
    source = readers.open_source(data, filename, limits())
    try:
        for name in source.sheet_names():
            if not is_explainer(name):
                return source.table(name)
    finally:
        source.close()
    raise ImportRefused("The file has no sheet of values")


def _cell(cells: list[Any], index: int | None) -> Any:
    return cells[index] if index is not None and index < len(cells) else None


def read_rows(unit: Unit, data: bytes, filename: str, today: date) -> tuple[dict, list[tuple[int, str]]]:
    """Each measure's values from the file, and every row's problem."""
    table = _table(data, filename)
    found = _header(table.rows)
    if found is None:
        raise ImportRefused("The file needs a heading row with the columns Measure, Period and Value")
    position, names = found
    measures: dict[str, Measure | None] = {}
    wanted: dict[Measure, dict[date, catalogue.ValueInput]] = defaultdict(dict)
    problems: list[tuple[int, str]] = []
    for number, cells in table.rows[position + 1 :]:
        name = clean_text(_cell(cells, names["measure"]))
        if not name and all(not clean_text(cell) for cell in cells):
            continue
        key = name.lower()
        if key not in measures:
            measures[key] = catalogue.find_measure(unit, name) if name else None
        measure = measures[key]
        if measure is None:
            problems.append(
                (number, f"{unit.name} has no measure called “{name[:80]}”" if name else "Enter the measure")
            )
            continue
        try:
            period = catalogue.read_period(_cell(cells, names["period"]), measure.frequency)
            value = measure_rules.parse_number(clean_text(_cell(cells, names["value"])), "The value")
        except ValueError as error:
            problems.append((number, str(error)))
            continue
        item = catalogue.ValueInput(period, value, clean_text(_cell(cells, names.get("note")))[: catalogue.NOTE_MAX])
        refusal = catalogue.check_value(item, measure, today)
        if refusal:
            problems.append((number, refusal))
        elif period in wanted[measure]:
            problems.append((number, f"{measure.name} has two values for {measure.period_label(period)}"))
        else:
            wanted[measure][period] = item
    return wanted, problems


def import_values(unit: Unit, data: bytes, filename: str, actor: User, today: date) -> ImportResult:
    """Record every value in the file, or none of them (the problems say why)."""
    wanted, problems = read_rows(unit, data, filename, today)
    result = ImportResult(problems=problems)
    if problems or not wanted:
        if not wanted and not problems:
            result.problems.append((0, "The file has no values under its headings"))
        return result
    for measure, items in wanted.items():
        catalogue.record_values(measure, sorted(items.values(), key=lambda item: item.period_start), actor, today)
        result.recorded += len(items)
        result.measures.append(measure.name)
    return result


def rows(unit: Unit) -> list[tuple[str, str, str, str]]:
    return [
        (measure.name, measure.period_label(value.period_start), str(value.value.normalize()), value.note)
        for measure in catalogue.measures_of(unit)
        for value in measure.values
    ]


def write_csv(unit: Unit, out: IO[bytes]) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows(unit):
        writer.writerow([spreadsheet_text(cell) for cell in row])
    text.flush()
    text.detach()


def write_xlsx(unit: Unit, out: IO[bytes]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Measure values"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for name, period, value, note in rows(unit):
        sheet.append([name, period, float(value), note])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    workbook.save(out)


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}


def filename(unit: Unit, fmt: str) -> str:
    return f"{unit.code.lower()}-measures.{fmt}"
