"""Bytes to tables, with the guard rails that refuse a file before a parser is trusted with it.

What a file is, is decided by its content, not its name (``riskreg.files``): an image renamed .xlsx is still
an image. An XLSX or ODS is a ZIP, so its directory is checked (declared sizes and compression ratios) and its
shared strings counted, streamed, before the workbook is opened; calamine then reads XLSX, XLSM, XLS and ODS
sheets. CSV and JSON are decoded as UTF-8 (with or without a byte-order mark), UTF-16 when marked,
Windows-1252 or Latin-1.
"""

import codecs
import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import python_calamine

from riskreg import files
from riskreg.importing import oscal
from riskreg.importing.errors import ImportRefused

MB = 1024 * 1024
ACCEPTED = (
    "Upload the register as an Excel workbook (.xlsx, .xlsm or .xls), an OpenDocument spreadsheet "
    "(.ods), a CSV file or a JSON file."
)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * MB
    max_unpacked_bytes: int = 200 * MB  # everything inside an XLSX, as its directory declares
    max_ratio: int = 200  # a part that expands more than this is a zip bomb, not a spreadsheet
    max_rows: int = 20_000
    max_columns: int = 200


@dataclass
class Table:
    name: str
    # Non-empty rows only, each with its row number in the file as a spreadsheet program shows it.
    rows: list[tuple[int, list[Any]]]
    # Merged ranges as (first row, first column, last row, last column), 1-based.
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


size_text = files.size_text


def check_size(size: int, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise ImportRefused(
            f"The file is {size_text(size)}; the largest file riskreg imports is {size_text(limits.max_bytes)}. "
            "Split the register into smaller files, or remove columns and sheets it does not need."
        )
    if size == 0:
        raise ImportRefused("The file is empty. " + ACCEPTED)


def sniff_kind(data: bytes) -> str:
    """'workbook' (XLSX, XLSM, ODS, or an older XLS), 'json' or 'csv'; anything else is refused with what the
    file appears to be."""
    signature = files.identify(data)
    if signature.kind in ("zip", "ole"):
        return "workbook"
    if signature.kind:
        raise ImportRefused(f"The file is {signature.description}, not a spreadsheet. {ACCEPTED}")
    head = data[:4096]
    if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\x00" in head:
        raise ImportRefused(f"The file is not a spreadsheet or a text file. {ACCEPTED}")
    stripped = data.lstrip(codecs.BOM_UTF8).lstrip()
    return "json" if stripped[:1] in (b"[", b"{") else "csv"


# Workbooks -----------------------------------------------------------------------------------------
DAMAGED = (
    "The file looks like a spreadsheet but is damaged, so it cannot be read. "
    "Open it in Excel, save it again and upload the new copy."
)
BOMB = (
    "The file expands to far more than its size, as a ‘zip bomb’ does, so riskreg did not open it. "
    "If it is a real register, save it again from Excel or export it as CSV."
)
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# A shared string costs the reader about 50 bytes however short it is, so their number is bounded before
# the workbook is opened: ten million one-letter strings fit in a few megabytes of ZIP but not in memory.
MAX_SHARED_STRINGS = 1_000_000
_SHARED_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")


def check_zip(data: bytes, limits: Limits) -> str:
    """'xlsx' or 'ods' when the archive is a workbook within bounds; refused before any parser sees it."""
    try:
        archive = files.open_zip(data, files.ZipLimits(5000, limits.max_unpacked_bytes, limits.max_ratio))
    except files.ZipRefused as refused:
        raise ImportRefused(BOMB if refused.reason == "bomb" else DAMAGED) from refused
    with archive:
        names = set(archive.NameToInfo)
        if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE and "content.xml" in names:
            return "ods"
        if "xl/workbook.xml" not in names:
            what = "a Word document" if "word/document.xml" in names else "a ZIP archive"
            raise ImportRefused(f"The file is {what}, not an Excel workbook. {ACCEPTED}")
        try:
            strings = files.count_matches(archive, "xl/sharedStrings.xml", _SHARED_STRING, MAX_SHARED_STRINGS)
        except files.ARCHIVE_ERRORS as error:
            raise ImportRefused(DAMAGED) from error
        _check_extents(archive, names, limits)
    if strings > MAX_SHARED_STRINGS:
        raise ImportRefused(
            f"The workbook holds more than {MAX_SHARED_STRINGS:,} different pieces of text, far "
            "more than a register of the largest size riskreg imports. Remove the sheets it does "
            "not need, or export the register as CSV."
        )
    return "xlsx"


# A cell with a value, and its reference ("XFD1048576"): how far each sheet reaches, before calamine reads it.
_VALUED_CELL = re.compile(rb'<(?:\w+:)?c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(?<!/)>\s*<(?:\w+:)?(?:v|is|f)\b')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _check_extents(archive, names: set[str], limits: Limits) -> None:
    """calamine holds a sheet as one grid from A1 to its furthest cell: one value in XFD1048576 would need
    hundreds of gigabytes. Refused when a sheet's grid exceeds what the largest register needs."""
    most_cells = (limits.max_rows + 100) * limits.max_columns
    for name in sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")):
        rows = columns = 0
        try:
            for match in files.matches(archive, name, _VALUED_CELL):
                rows, columns = max(rows, int(match[2])), max(columns, _column_number(match[1]))
        except files.ARCHIVE_ERRORS as error:
            raise ImportRefused(DAMAGED) from error
        if rows * columns > most_cells:
            raise ImportRefused(
                f"A sheet has values as far as row {rows:,} and column {columns:,}, far beyond a "
                "register of the largest size riskreg imports. Delete the rows and columns the "
                "register does not use, or export it as CSV."
            )


def merged_ranges_of(references: list[str]) -> list[tuple[int, int, int, int]]:
    from openpyxl.utils.cell import range_boundaries

    ranges = set()
    for reference in references[:MAX_MERGED]:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(reference)
        except ValueError:
            continue
        ranges.add((min_row, min_col, max_row, max_col))
    return sorted(ranges)


MAX_MERGED = 20_000
CALAMINE_ERRORS = (
    python_calamine.CalamineError,
    python_calamine.PasswordError,
    python_calamine.XmlError,
    python_calamine.ZipError,
    python_calamine.WorksheetNotFound,
    ValueError,
    TypeError,
    OSError,
    RuntimeError,
)


def _cell(value: Any) -> Any:
    """calamine gives every number as a float; whole numbers read back as the integers people typed."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class WorkbookSource:
    """XLSX, XLSM, XLS and ODS through calamine: cached formula results, dates and merged ranges."""

    kind = "xlsx"

    def __init__(self, data: bytes, limits: Limits) -> None:
        self.format = check_zip(data, limits) if files.identify(data).kind == "zip" else "xls"
        self.limits, self.notes = limits, []
        try:
            self.book = python_calamine.CalamineWorkbook.from_object(io.BytesIO(data))
            self._names = [m.name for m in self.book.sheets_metadata if str(m.typ).endswith("WorkSheet")]
        except CALAMINE_ERRORS as error:
            raise ImportRefused(DAMAGED) from error
        if not self._names:
            raise ImportRefused("The workbook has no worksheets.")
        self._loaded: dict[str, Table] = {}

    def sheet_names(self) -> list[str]:
        return list(self._names)

    def _load(self, name: str) -> Table:
        """The whole sheet (calamine reads a sheet at once), refused when longer than the import limit."""
        if name in self._loaded:
            return self._loaded[name]
        try:
            sheet = self.book.get_sheet_by_name(name)
            top, left = sheet.start or (0, 0)
            most = self.limits.max_rows + 100  # room for title rows and the header above the data
            rows, width = [], max(0, self.limits.max_columns - left)
            for offset, values in enumerate(sheet.iter_rows()):
                cells = _trim([None] * left + [_cell(v) if v != "" else None for v in values[:width]])
                if cells:
                    rows.append((top + offset + 1, cells))
                    if len(rows) > most:
                        raise _too_many_rows(name, self.limits)
            merged = sorted(
                {
                    (r0 + 1, c0 + 1, r1 + 1, c1 + 1)
                    for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])[:MAX_MERGED]
                }
            )
        except CALAMINE_ERRORS as error:
            raise ImportRefused(
                f"The sheet ‘{name}’ could not be read: the workbook is damaged. "
                "Save it again from Excel and upload the new copy."
            ) from error
        self._loaded[name] = Table(name, rows, merged)
        return self._loaded[name]

    def head(self, name: str, count: int) -> list[tuple[int, list[Any]]]:
        return self._load(name).rows[:count]

    def table(self, name: str) -> Table:
        return self._load(name)

    def close(self) -> None:
        self._loaded.clear()
        self.book.close()


def _too_many_rows(name: str, limits: Limits) -> ImportRefused:
    return ImportRefused(
        f"‘{name}’ has more than {limits.max_rows:,} rows, the most riskreg imports at once. "
        "Split the register into smaller files."
    )


def _trim(values: list[Any]) -> list[Any]:
    while values and (values[-1] is None or values[-1] == ""):
        values.pop()
    return values


# Text: CSV and JSON --------------------------------------------------------------------------------
def decode(data: bytes) -> tuple[str, str]:
    """(text, the encoding's name as people know it)."""
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig"), "UTF-8 (with a byte-order mark)"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as error:
            raise ImportRefused("The file says it is UTF-16 text but is damaged.") from error
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252 (Western European, as Excel saves CSV on Windows)"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1 (ISO 8859-1)"


DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _consistency(sample: str, delimiter: str) -> int:
    """How many sampled rows share the most common number (above one) of fields with this delimiter."""
    rows = list(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))[:60]
    counts = Counter(len(row) for row in rows if len(row) > 1 and any(cell.strip() for cell in row))
    if not counts:
        return 0
    width, rows_with_width = counts.most_common(1)[0]
    return rows_with_width * min(width, 20)


def sniff_delimiter(text: str) -> str:
    sample = text[: 64 * 1024]
    scores = {delimiter: _consistency(sample, delimiter) for delimiter in DELIMITERS}
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
        scores[sniffed] = scores.get(sniffed, 0) * 1.1  # the standard library breaks near-ties
    except csv.Error:
        pass
    best = max(scores, key=lambda d: scores[d])
    return best if scores[best] else ","


class _OneTable:
    """A text file holds one table, read whole (its size is already bounded)."""

    name: str
    _table: Table

    def sheet_names(self) -> list[str]:
        return [self.name]

    def head(self, name: str, count: int) -> list[tuple[int, list[Any]]]:
        return self._table.rows[:count]

    def table(self, name: str) -> Table:
        return self._table

    def close(self) -> None:
        pass


class CsvSource(_OneTable):
    kind = "csv"

    def __init__(self, data: bytes, name: str, limits: Limits) -> None:
        text, encoding = decode(data)
        delimiter = sniff_delimiter(text)
        self.name = name
        self.notes = [f"Read as text in {encoding}, with columns separated by {DELIMITERS[delimiter]}."]
        rows = []
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            for line, values in enumerate(reader, start=1):
                if any(cell.strip() for cell in values):
                    rows.append((line, _trim(values[: limits.max_columns])))
                if len(rows) > limits.max_rows + 100:
                    raise _too_many_rows(name, limits)
        except csv.Error as error:
            raise ImportRefused(
                f"The CSV file is malformed: {error}. Check it opens in a spreadsheet "
                "program, save it again as CSV and upload the new copy."
            ) from error
        if not rows:
            raise ImportRefused("The CSV file has no rows with anything in them.")
        self._table = Table(name, rows)


def _objects(document: Any) -> list[Any]:
    """The list of risks in a JSON document: a bare list, {"risks": [...]}, or riskreg's {"registers": [...]}."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        if isinstance(document.get("risks"), list):
            return document["risks"]
        if isinstance(document.get("registers"), list):
            return [
                risk
                for register in document["registers"]
                if isinstance(register, dict)
                for risk in register.get("risks") or []
            ]
    raise ImportRefused(
        'The JSON file must hold a list of risks, each an object such as {"title": "…", "likelihood": 3, "impact": 4}.'
    )


def _flatten(item: dict[str, Any]) -> dict[str, Any]:
    """One level of nesting as headings: {"owner": {"email": …}} gives "owner email"."""
    flat: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, dict):
            flat.update({f"{key} {inner}": inner_value for inner, inner_value in value.items()})
        else:
            flat[str(key)] = value
    return flat


class JsonSource(_OneTable):
    kind = "json"

    def __init__(self, data: bytes, name: str, limits: Limits) -> None:
        text, encoding = decode(data)
        try:
            document = json.loads(text)
        except (ValueError, RecursionError) as error:
            where = f" (line {error.lineno}, column {error.colno})" if isinstance(error, json.JSONDecodeError) else ""
            raise ImportRefused(f"The JSON file is malformed{where}, so it cannot be read.") from error
        notes = [f"Read as JSON in {encoding}."]
        if oscal.kind_of(document):
            objects, note = oscal.rows(document)
            notes.append(note)
        else:
            objects = _objects(document)
            notes = [f"Read as JSON in {encoding}: {len(objects)} objects."]
        if not objects or not all(isinstance(item, dict) for item in objects):
            raise ImportRefused("The JSON file must hold a list of risks, each an object (in braces { }).")
        if len(objects) > limits.max_rows:
            raise _too_many_rows(name, limits)
        flat = [_flatten(item) for item in objects]
        keys = list(dict.fromkeys(key for item in flat for key in item))[: limits.max_columns]
        rows = [(0, list(keys))] + [(n, [item.get(key) for key in keys]) for n, item in enumerate(flat, start=1)]
        self.name, self.notes = name, notes
        self._table = Table(name, rows)


Source = WorkbookSource | CsvSource | JsonSource


def open_source(data: bytes, filename: str, limits: Limits) -> Source:
    """The file as tables, or ImportRefused with what is wrong and what to do."""
    check_size(len(data), limits)
    kind = sniff_kind(data)
    name = PurePath(filename or "upload").stem or "upload"
    if kind == "workbook":
        return WorkbookSource(data, limits)
    if kind == "json":
        return JsonSource(data, name, limits)
    return CsvSource(data, name, limits)
