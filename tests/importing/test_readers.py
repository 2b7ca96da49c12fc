import io
import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from riskreg.importing import ImportRefused
from riskreg.importing.readers import Limits, decode, merged_ranges_of, open_source, sniff_delimiter

# No database: reading spreadsheet and CSV files. The PostgreSQL pass leaves them out (tests/conftest.py).
pytestmark = pytest.mark.no_database

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "import"
ROWS = [["Risk title", "Likelihood", "Impact"], ["Café closure", "3", "4"], ["Budget; overspend", "2", "5"]]


def _table(data: bytes, name: str = "register.csv"):
    source = open_source(data, name, Limits())
    try:
        return source, source.table(source.sheet_names()[0]).rows
    finally:
        source.close()


def _csv(delimiter: str, newline: str = "\n") -> str:
    def cell(value):
        return f'"{value}"' if delimiter in value else value

    return newline.join(delimiter.join(cell(c) for c in row) for row in [["My register"], *ROWS]) + newline


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_csv_with_any_common_delimiter_and_line_ending(delimiter, newline):
    _source, rows = _table(_csv(delimiter, newline).encode())
    assert [cells for _, cells in rows] == [["My register"], *ROWS]
    assert [line for line, _ in rows] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("encoding", "prefix", "named"),
    [
        ("utf-8", b"", "UTF-8"),
        ("utf-8", b"\xef\xbb\xbf", "UTF-8 (with a byte-order mark)"),
        ("cp1252", b"", "Windows-1252"),
        ("utf-16", b"", "UTF-16"),
    ],
)
def test_csv_encodings(encoding, prefix, named):
    text = "Risk title;Owner\n“Café” budget – overspend;Zoë Brontë\n"
    source, rows = _table(prefix + text.encode(encoding))
    assert rows[1][1] == ["“Café” budget – overspend", "Zoë Brontë"]
    assert named in source.notes[0]


def test_latin_1_bytes_that_are_not_windows_1252():
    text, name = decode("Risk\x81 title".encode("latin-1"))
    assert text == "Risk\x81 title" and name.startswith("Latin-1")


def test_delimiter_sniffing_is_not_fooled_by_a_title_with_commas():
    text = "London North, risk register, 2026\nRisk title;Likelihood;Impact\nA;3;4\nB;2;2\n"
    assert sniff_delimiter(text) == ";"


def test_json_lists_of_objects_and_riskregs_own_export_shape():
    flat = json.dumps([{"title": "A", "owner": {"name": "Rhys", "email": "r@example.org"}}]).encode()
    _source, rows = _table(flat, "r.json")
    assert rows == [(0, ["title", "owner name", "owner email"]), (1, ["A", "Rhys", "r@example.org"])]
    wrapped = json.dumps({"registers": [{"code": "LN", "risks": [{"title": "A"}, {"title": "B"}]}]}).encode()
    assert len(_table(wrapped, "r.json")[1]) == 3
    with pytest.raises(ImportRefused, match="must hold a list of risks"):
        open_source(b'{"title": "A"}', "r.json", Limits())
    with pytest.raises(ImportRefused, match=r"malformed \(line 1"):
        open_source(b'[{"title": }]', "r.json", Limits())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ((SAMPLES / "image.xlsx").read_bytes(), "The file is a PNG image, not a spreadsheet"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "a JPEG image"),
        (b"%PDF-1.7\n", "a PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "damaged"),  # an .xls is read, a broken one refused
        (b"\x00\x01\x02binary", "not a spreadsheet or a text file"),
        ((SAMPLES / "malformed.xlsx").read_bytes(), "damaged"),
        (b"", "The file is empty"),
    ],
)
def test_files_that_are_not_registers_are_refused_with_what_they_are(data, message):
    with pytest.raises(ImportRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        open_source(data, "register.xlsx", Limits())


def test_a_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(ImportRefused, match="a Word document, not an Excel workbook"):
        open_source(buffer.getvalue(), "register.xlsx", Limits())


def _bomb(size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * size)
    return buffer.getvalue()


def test_zip_bombs_are_refused_from_the_directory_before_anything_is_decompressed():
    bomb = _bomb(20 * 1024 * 1024)  # 20 MB of spaces in a few kilobytes
    assert len(bomb) < 100_000
    with pytest.raises(ImportRefused, match="zip bomb"):
        open_source(bomb, "register.xlsx", Limits())
    with pytest.raises(ImportRefused, match="zip bomb"):
        open_source(_bomb(200_000), "register.xlsx", Limits(max_unpacked_bytes=100_000))


def test_size_limit_is_checked_first():
    with pytest.raises(ImportRefused, match="The file is 2 MB; the largest file riskreg imports is 1 MB"):
        open_source(b"a,b\n" * (512 * 1024), "big.csv", Limits(max_bytes=1024 * 1024))


def test_row_limit():
    with pytest.raises(ImportRefused, match="more than 10 rows"):
        open_source(b"Risk title\n" + b"A\n" * 200, "big.csv", Limits(max_rows=10))


def test_xlsx_cells_formulas_dates_and_merged_ranges():
    source = open_source((SAMPLES / "title_formulas_merged.xlsx").read_bytes(), "t.xlsx", Limits())
    assert source.sheet_names() == ["Guidance", "LN Register"]
    table = source.table("LN Register")
    rows = dict(table.rows)
    assert rows[5][:2] == ["LN-001", "Disclosure failures"]
    assert rows[5][6] == 25 and rows[6][7] == 3  # formulas read as the values Excel saved
    assert rows[5][11].isoformat() == "2026-06-30"  # a date cell
    assert (6, 11, 8, 11) in table.merged and (1, 1, 1, 12) in table.merged
    source.close()


def test_xlsx_written_by_openpyxl_round_trips_types():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Risk title", "Likelihood", "Restricted", "Fraction"])
    sheet.append(["=text that is not a formula", 3, True, 0.35])
    sheet["A2"].data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    _source, rows = _table(buffer.getvalue(), "x.xlsx")
    assert rows[1] == (2, ["=text that is not a formula", 3, True, 0.35])


def test_xlsx_entity_declarations_are_never_expanded():
    """A billion-laughs worksheet: calamine's parser does not expand entities, so the cell stays short."""
    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["Risk title"])
    workbook.active.append(["Flood"])
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    laughs = "".join(f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10}">' for n in range(1, 10))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = f'<!DOCTYPE x [<!ENTITY l0 "ha">{laughs}]>'.encode() + body.replace(
                    b'<c r="A2" t="s"><v>1</v></c>', b'<c r="A2" t="inlineStr"><is><t>&amp;l9;</t></is></c>'
                )
            target.writestr(item, body)
    try:
        _source, rows = _table(out.getvalue(), "x.xlsx")
    except ImportRefused:
        return
    assert all(len(str(cell)) < 100 for _, cells in rows for cell in cells)


def test_merged_ranges_helper_is_exposed_for_sheets():
    assert merged_ranges_of(["A1:C1", "B2:B4", "bogus"]) == [(1, 1, 1, 3), (2, 2, 4, 2)]
