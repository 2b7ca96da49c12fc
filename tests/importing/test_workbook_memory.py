"""A workbook inside every import limit must not grow the process by more than 300 MB (issue 16).

Ten million one-letter shared strings fit in a small ZIP (and well inside the 200 MB unpacked limit), but a
workbook reader holds each as an object: 4.8 GB with the old reader. The shared strings are counted,
streamed, before the workbook is opened. Measured in a fresh process so other tests' memory does not count.
"""

import io
import json
import subprocess
import sys
import zipfile

import pytest

# No database: a reader's memory, measured in a fresh process. The PostgreSQL pass leaves them out (tests/conftest.py).
pytestmark = pytest.mark.no_database

BOUND_MB = 300
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def crafted_workbook(strings: int) -> bytes:
    """A valid workbook whose shared-strings part lists ``strings`` tiny distinct strings."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'{XML}<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'{XML}<workbook xmlns="{MAIN}" xmlns:r="{OFFICE}"><sheets>'
            '<sheet name="Risks" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{XML}<Relationships xmlns="{RELS}"><Relationship '
            f'Id="rId1" Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/><Relationship '
            f'Id="rId2" Type="{OFFICE}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'{XML}<worksheet xmlns="{MAIN}"><sheetData><row r="1">'
            '<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" '
            't="s"><v>2</v></c><c r="B2"><v>3</v></c></row></sheetData></worksheet>',
        )
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'{XML}<sst xmlns="{MAIN}" count="{strings}" uniqueCount="{strings}">'.encode())
            part.write(b"<si><t>Risk title</t></si><si><t>Likelihood</t></si><si><t>Flood</t></si>")
            letters = [chr(c).encode() for c in range(0x61, 0x7B)]
            block = b"".join(b"<si><t>" + a + b + b"</t></si>" for a in letters for b in letters)
            for _ in range((strings - 3) // len(letters) ** 2):
                part.write(block)
            part.write(b"</sst>")
    return buffer.getvalue()


MEASURE = """
import json, resource, sys
from riskreg.importing import ImportRefused
from riskreg.importing.readers import Limits, open_source
data = sys.stdin.buffer.read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    source = open_source(data, "crafted.xlsx", Limits())
    rows = source.table(source.sheet_names()[0]).rows
    outcome = f"read {len(rows)} rows"
except ImportRefused as refusal:
    outcome = f"refused: {refusal}"
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"outcome": outcome, "grown_mb": grown}))
"""


def _measure(data: bytes) -> dict:
    done = subprocess.run([sys.executable, "-c", MEASURE], input=data, capture_output=True, timeout=120, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize(("strings", "outcome"), [(10_000_000, "refused"), (676 * 1400 + 3, "read 2 rows")])
def test_a_crafted_shared_strings_workbook_stays_within_the_memory_bound(strings, outcome):
    data = crafted_workbook(strings)
    assert len(data) < 10 * 1024 * 1024  # inside the upload limit
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) < 200 * 1024 * 1024
    measured = _measure(data)
    assert measured["outcome"].startswith(outcome), measured
    assert measured["grown_mb"] < BOUND_MB, measured


def _with_far_cell(data: bytes, reference: str) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                row = reference.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                body = body.replace(
                    b"</sheetData>", f'<row r="{row}"><c r="{reference}"><v>1</v></c></row></sheetData>'.encode()
                )
            target.writestr(item, body)
    return out.getvalue()


def test_one_value_far_away_is_refused_before_the_reader_allocates_the_grid():
    """calamine holds a sheet as a grid from A1 to its furthest value: XFD1048576 asked it for 550 GB (abort)."""
    measured = _measure(_with_far_cell(crafted_workbook(679), "XFD1048576"))
    assert measured["outcome"].startswith("refused: A sheet has values as far as row 1,048,576"), measured
    assert measured["grown_mb"] < BOUND_MB
    assert _measure(_with_far_cell(crafted_workbook(679), "J500"))["outcome"] == "read 3 rows"
