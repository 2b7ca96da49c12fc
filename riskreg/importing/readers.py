"""Bytes to tables, with the guard rails that refuse a file before a parser is trusted with it.

What a file is, is decided by its content, not its name: an image renamed .xlsx is still an image. An XLSX
is a ZIP, so its directory is checked (declared sizes and compression ratios) before any part of it is
decompressed; its sheets are then streamed by ``riskreg.importing.xlsx``. CSV and JSON are decoded as UTF-8
(with or without a byte-order mark), UTF-16 when marked, Windows-1252 or Latin-1.
"""

import codecs
import csv
import io
import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any
from xml.parsers import expat

from riskreg.importing.errors import ImportRefused
from riskreg.importing.xlsx import XlsxBook

MB = 1024 * 1024
ACCEPTED = "Upload the register as an Excel workbook (.xlsx), a CSV file or a JSON file."


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


def size_text(size: int) -> str:
    return f"{size / MB:.0f} MB" if size >= MB else f"{max(1, size // 1024)} KB"


def check_size(size: int, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise ImportRefused(
            f"The file is {size_text(size)}; the largest file riskreg imports is {size_text(limits.max_bytes)}. "
            "Split the register into smaller files, or remove columns and sheets it does not need."
        )
    if size == 0:
        raise ImportRefused("The file is empty. " + ACCEPTED)


SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
)
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff_kind(data: bytes) -> str:
    """'xlsx', 'json' or 'csv'; anything else is refused with what the file appears to be."""
    for signature, what in SIGNATURES:
        if data.startswith(signature):
            raise ImportRefused(f"The file is {what}, not a spreadsheet. {ACCEPTED}")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        raise ImportRefused(f"The file is a WebP image, not a spreadsheet. {ACCEPTED}")
    if data.startswith(OLE):
        raise ImportRefused(
            "The file is an older Excel (.xls) or other Office file, which riskreg does not read. Open it in "
            "Excel and save it as an Excel workbook (.xlsx) or as CSV, then upload that."
        )
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "xlsx"
    head = data[:4096]
    if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\x00" in head:
        raise ImportRefused(f"The file is not a spreadsheet or a text file. {ACCEPTED}")
    stripped = data.lstrip(codecs.BOM_UTF8).lstrip()
    return "json" if stripped[:1] in (b"[", b"{") else "csv"


# XLSX ----------------------------------------------------------------------------------------------
def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse zip bombs from the directory alone: nothing is decompressed here."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            names = {part.filename for part in parts}
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ImportRefused("The file looks like an Excel workbook but is damaged, so it cannot be read. "
                            "Open it in Excel, save it again and upload the new copy.") from error  # fmt: skip
    bomb = ("The file expands to far more than its size, as a ‘zip bomb’ does, so riskreg did not open it. "
            "If it is a real register, save it again from Excel or export it as CSV.")  # fmt: skip
    if len(parts) > 5000 or sum(part.file_size for part in parts) > limits.max_unpacked_bytes:
        raise ImportRefused(bomb)
    for part in parts:
        if part.file_size > MB and part.file_size > max(part.compress_size, 1) * limits.max_ratio:
            raise ImportRefused(bomb)
    if "xl/workbook.xml" not in names:
        what = "a Word document" if "word/document.xml" in names else "a ZIP archive"
        raise ImportRefused(f"The file is {what}, not an Excel workbook. {ACCEPTED}")


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


class XlsxSource:
    kind = "xlsx"

    def __init__(self, data: bytes, limits: Limits) -> None:
        check_zip(data, limits)
        self.limits, self.notes = limits, []
        try:
            self.book = XlsxBook(data)
        except (zipfile.BadZipFile, KeyError, ValueError, expat.ExpatError) as error:
            raise ImportRefused("The Excel workbook is damaged or not a workbook riskreg can read. Open it in "
                                "Excel, save it again and upload the new copy.") from error  # fmt: skip
        if not self.book.sheets:
            raise ImportRefused("The Excel workbook has no worksheets.")

    def sheet_names(self) -> list[str]:
        return list(self.book.sheets)

    def _rows(self, name: str, limit: int, merged: list[str] | None = None):
        try:
            for count, row in enumerate(self.book.rows(name, self.limits.max_columns, merged), start=1):
                yield row
                if count >= limit:
                    return
        except (zipfile.BadZipFile, KeyError, ValueError, IndexError, OSError, expat.ExpatError) as error:
            raise ImportRefused(f"The sheet ‘{name}’ could not be read: the workbook is damaged. "
                                "Save it again from Excel and upload the new copy.") from error  # fmt: skip

    def head(self, name: str, count: int) -> list[tuple[int, list[Any]]]:
        return list(self._rows(name, count))

    def table(self, name: str) -> Table:
        most = self.limits.max_rows + 100  # room for title rows and the header above the data
        merged: list[str] = []
        rows = list(self._rows(name, most + 1, merged))
        if len(rows) > most:
            raise _too_many_rows(name, self.limits)
        return Table(name, rows, merged_ranges_of(merged))

    def close(self) -> None:
        self.book.close()


def _too_many_rows(name: str, limits: Limits) -> ImportRefused:
    return ImportRefused(f"‘{name}’ has more than {limits.max_rows:,} rows, the most riskreg imports at once. "
                         "Split the register into smaller files.")  # fmt: skip


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
    sample = text[:64 * 1024]
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
            raise ImportRefused(f"The CSV file is malformed: {error}. Check it opens in a spreadsheet "
                                "program, save it again as CSV and upload the new copy.") from error  # fmt: skip
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
            return [risk for register in document["registers"] if isinstance(register, dict)
                    for risk in register.get("risks") or []]  # fmt: skip
    raise ImportRefused("The JSON file must hold a list of risks, each an object such as "
                        '{"title": "…", "likelihood": 3, "impact": 4}.')  # fmt: skip


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
        objects = _objects(document)
        if not objects or not all(isinstance(item, dict) for item in objects):
            raise ImportRefused("The JSON file must hold a list of risks, each an object (in braces { }).")
        if len(objects) > limits.max_rows:
            raise _too_many_rows(name, limits)
        flat = [_flatten(item) for item in objects]
        keys = list(dict.fromkeys(key for item in flat for key in item))[: limits.max_columns]
        rows = [(0, list(keys))] + [(n, [item.get(key) for key in keys]) for n, item in enumerate(flat, start=1)]
        self.name, self.notes = name, [f"Read as JSON in {encoding}: {len(objects)} objects."]
        self._table = Table(name, rows)


Source = XlsxSource | CsvSource | JsonSource


def open_source(data: bytes, filename: str, limits: Limits) -> Source:
    """The file as tables, or ImportRefused with what is wrong and what to do."""
    check_size(len(data), limits)
    kind = sniff_kind(data)
    name = PurePath(filename or "upload").stem or "upload"
    if kind == "xlsx":
        return XlsxSource(data, limits)
    if kind == "json":
        return JsonSource(data, name, limits)
    return CsvSource(data, name, limits)
