"""Writes the import samples in this folder: registers laid out the ways people really keep them.

Run it from the project root after changing it, and commit what it writes:

    python tests/data/import/make_samples.py

Each sample is small and deterministic. The zip bomb and the 50 MB CSV are made by the tests instead.
"""

import io
import json
import re
import struct
import zipfile
import zlib
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent


def _write(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)
    print(f"wrote {name} ({len(data)} bytes)")


def _xlsx_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_cached_values(data: bytes, cached: dict[str, dict[str, object]]) -> bytes:
    """Put the values Excel would have saved beside each formula (openpyxl writes formulas without them)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            for coordinate, value in cached.get(item.filename, {}).items():
                kind = ' t="str"' if isinstance(value, str) else ""
                pattern = rf'<c r="{coordinate}"([^>]*)><f>(.*?)</f><v\s*/?>(?:</v>)?'.encode()
                replacement = rf'<c r="{coordinate}"\1{kind}><f>\2</f><v>{value}</v>'.encode()
                body, count = re.subn(pattern, replacement, body)
                assert count == 1, coordinate
            target.writestr(item, body)
    return out.getvalue()


# 1. A CSV saved by Excel on Windows: cp1252, semicolons, CRLF, a title above the headings, UK dates.
def cp1252_semicolon_csv() -> None:
    rows = [
        ["Mersey-Cheshire Area – Risk Register 2026-27", "", "", "", "", "", "", "", "", ""],
        ["Owner: Area Business Manager · last updated 14/04/2026", "", "", "", "", "", "", "", "", ""],
        ["", "", "", "", "", "", "", "", "", ""],
        [
            "Risk No.",
            "Risk Title",
            "Cause",
            "There is a risk that",
            "Consequence",
            "Category",
            "Strategic Objective",
            "Likelihood",
            "Impact",
            "Risk Owner",
            "Existing Controls",
            "Review Date",
        ],
        [
            "MC-01",
            "Custody time limit failures",
            "Manual CTL diaries; staff turnover",
            "a custody time limit expires without an application to extend it",
            "a defendant is released and public confidence falls",
            "Legal",
            "Quality",
            "3",
            "5",
            "Helen Okafor",
            "• Daily CTL diary check\n• Weekly manager sign-off\n• CTL training for new starters",
            "30/06/2026",
        ],
        [
            "MC-02",
            "Budget overspend on counsel fees",
            "Increase in Crown Court trials",
            "the area spends more than its £1.2m counsel budget",
            "other services are cut",
            "Finance",
            "Efficiency",
            "4",
            "3",
            "rhys davies",
            "Monthly budget monitoring",
            "31/07/2026",
        ],
        [
            "MC-03",
            "Witness attendance",
            "Reliance on police witness care",
            "witnesses do not attend court",
            "trials collapse and victims lose confidence",
            "Operational",
            "Quality",
            "4",
            "4",
            "Davies, Rhys",
            "Witness care unit liaison\nReminder letters",
            "15/05/2026",
        ],
        [
            "MC-04",
            "Accommodation lease ends",
            "The Liverpool lease ends in March 2027",
            "no suitable building is found in time",
            "staff have nowhere to work",
            "Estates",
            "People",
            "2",
            "4",
            "Head of Operations",
            "",
            "Annual review",
        ],
    ]
    text = "\r\n".join(";".join(f'"{c}"' if (";" in c or "\n" in c) else c for c in row) for row in rows) + "\r\n"
    _write("cp1252_semicolon.csv", text.encode("cp1252"))


# 2. An XLSX with a merged title, merged group headings, formulas (with cached values), merged cells down
#    the rows, Excel date cells, a guidance sheet in front of the register, and trailing formatted columns.
def title_formulas_merged_xlsx() -> None:
    workbook = Workbook()
    guidance = workbook.active
    guidance.title = "Guidance"
    guidance["A1"] = "How to fill in this register"
    guidance["A3"] = "Score likelihood and impact from 1 (low) to 5 (high)."
    sheet = workbook.create_sheet("LN Register")
    sheet["A1"] = "London North — Strategic Risk Register"
    sheet.merge_cells("A1:L1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = "Prepared for the Area Management Team, April 2026"
    sheet.merge_cells("A2:L2")
    groups = {"E3": ("Inherent risk", "E3:G3"), "H3": ("Residual risk", "H3:J3")}
    for cell, (text, span) in groups.items():
        sheet[cell] = text
        sheet.merge_cells(span)
    headings = [
        "Ref",
        "Risk",
        "Risk description",
        "Category",
        "L",
        "I",
        "Score",
        "L",
        "I",
        "Score",
        "SRO",
        "Next review",
    ]
    for col, heading in enumerate(headings, start=1):
        sheet.cell(row=4, column=col, value=heading).font = Font(bold=True)
    data = [
        (
            "LN-001",
            "Disclosure failures",
            "Because of high caseloads and late police schedules, there is a risk "
            "that unused material is not disclosed on time, which would lead to trials collapsing.",
            "Legal",
            5,
            5,
            4,
            4,
            "Helen Okafor",
            datetime(2026, 6, 30),
        ),
        (
            "LN-002",
            "Digital case system data quality",
            "Because of inconsistent data entry, there is a risk that "
            "case records are incomplete, which would lead to poor management information.",
            "Information",
            4,
            4,
            3,
            3,
            "Rhys Davies",
            datetime(2026, 9, 30),
        ),
        (
            "LN-003",
            "Hate crime flagging",
            "Because of police file quality, there is a risk that hate crimes are "
            "not flagged, which would lead to sentence uplifts being missed.",
            "Operations",
            4,
            3,
            3,
            3,
            "Rhys Davies",
            datetime(2026, 8, 31),
        ),
        (
            "LN-004",
            "Victim communication letters",
            "Because of template gaps, there is a risk that victims are "
            "not told of decisions within the time limit, which would lead to complaints.",
            "Reputational",
            4,
            3,
            2,
            3,
            "Rhys Davies",
            datetime(2026, 7, 31),
        ),
    ]
    cached = {}
    for offset, (ref, title, description, category, il, ii, rl, ri, owner, review) in enumerate(data):
        row = 5 + offset
        values = [
            ref,
            title,
            description,
            category,
            il,
            ii,
            f"=E{row}*F{row}",
            f"=MIN(E{row},{rl})",
            ri,
            f"=H{row}*I{row}",
            owner,
            review,
        ]
        for col, value in enumerate(values, start=1):
            sheet.cell(row=row, column=col, value=value)
        sheet.cell(row=row, column=12).number_format = "dd/mm/yyyy"
        cached.update({f"G{row}": il * ii, f"H{row}": min(il, rl), f"J{row}": min(il, rl) * ri})
    # The owner typed once for the last three risks, in a merged cell that runs down the rows.
    sheet.merge_cells("K6:K8")
    for col in (13, 14, 15):  # formatted but empty columns to the right of the table
        sheet.cell(row=4, column=col).font = Font(bold=True)
    data_bytes = _with_cached_values(_xlsx_bytes(workbook), {"xl/worksheets/sheet2.xml": cached})
    _write("title_formulas_merged.xlsx", data_bytes)


# 3. Word scales, Orange Book wording in the headings, month-year review dates, and actions in a list.
def word_scales_xlsx() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Risks"
    sheet.append(["Welfare, Rural and Health Division"])
    sheet.append([])
    sheet.append(
        [
            "Risk ID",
            "Risk title",
            "Because of",
            "There is a risk that",
            "Which would lead to",
            "Type",
            "Objective",
            "Degree of influence",
            "Probability",
            "Severity",
            "Risk owner",
            "Mitigations",
            "Further actions",
            "Next review",
        ]
    )
    rows = [
        (
            "WRH-1",
            "Specialist prosecutor shortage",
            "recruitment freezes",
            "specialist rape prosecutors leave",
            "case progression slows",
            "People",
            "People",
            "Medium",
            "Likely",
            "Major",
            "Kwame Mensah",
            "- Mentoring scheme\n- Retention allowance",
            "1. Business case for two posts\n2. Regional pooling",
            "May 2027",
        ),
        (
            "WRH-2",
            "Medical evidence delays",
            "NHS backlogs",
            "expert reports arrive late",
            "trials are adjourned",
            "Operations",
            "Quality",
            "Low",
            "Almost certain",
            "Moderate",
            "Kwame Mensah",
            "Weekly chase list",
            "",
            "June 2026",
        ),
        (
            "WRH-3",
            "Rural court closures",
            "court estate changes",
            "hearings move far from victims",
            "victims withdraw support",
            "Strategy",
            "Quality",
            "Low",
            "Possible",
            "Catastrophic",
            "Kwame Mensah",
            "",
            "Agree video links with HMCTS",
            "Sep 2026",
        ),
        (
            "WRH-4",
            "Agency staff spend",
            "vacancies",
            "agency costs exceed budget",
            "overspend",
            "Finance",
            "Efficiency",
            "High",
            "Rare",
            "Negligible",
            "Kwame Mensah",
            "Monthly spend report",
            "",
            "Annual review",
        ),
        (
            "WRH-5",
            "Case file storage",
            "paper files",
            "files are lost",
            "data breach",
            "Information",
            "Digitisation",
            "High",
            "Sometimes",
            "Minor",
            "Kwame Mensah",
            "Locked cabinets",
            "",
            "Q3 2026",
        ),
    ]
    for row in rows:
        sheet.append(row)
    _write("word_scales.xlsx", _xlsx_bytes(workbook))


# 4. Percentages and fractions, UTF-8 with a byte-order mark, commas, LF line endings.
def percentages_csv() -> None:
    header = [
        "Reference",
        "Risk",
        "Risk event",
        "Risk category",
        "Strategic objective",
        "Local influence",
        "Probability (%)",
        "Impact",
        "Current controls",
        "Planned actions",
        "Action due date",
        "Date last reviewed",
    ]
    rows = [
        [
            "CFD-7",
            "Fraud case backlog",
            "complex fraud cases wait over a year for charge",
            "Operations",
            "Quality",
            "high",
            "70%",
            "4",
            "Case progression panel",
            "Recruit two forensic accountants",
            "2026-09-30",
            "2026-03-01",
        ],
        [
            "CFD-8",
            "Disclosure volume",
            "digital material overwhelms review teams",
            "Technology",
            "Digitisation",
            "medium",
            "85%",
            "5",
            "• e-disclosure tool\n• Triage protocol",
            "Procure AI-assisted review",
            "2027-01-31",
            "2026-02-15",
        ],
        [
            "CFD-9",
            "Asset recovery targets",
            "confiscation orders are not enforced",
            "Financial",
            "Efficiency",
            "low",
            "0.35",
            "3",
            "",
            "",
            "",
            "2026-01-20",
        ],
        [
            "CFD-10",
            "Key person dependency",
            "the only asset-recovery specialist leaves",
            "People",
            "People",
            "low",
            "15%",
            "4",
            "Deputy trained",
            "",
            "",
            "2026-03-10",
        ],
    ]
    lines = [",".join(header)] + [",".join(f'"{c}"' if any(x in c for x in ',\n"') else c for c in row) for row in rows]
    _write("percentages.csv", ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))


# 5. A 1-10 scale, tab-separated, Latin-1, old Mac line endings, duplicated heading names.
def scale_1_to_10_tsv() -> None:
    header = [
        "Risk no",
        "Risk name",
        "Description",
        "Category",
        "Objective",
        "Influence",
        "Likelihood (1-10)",
        "Impact (1-10)",
        "Likelihood (1-10)",
        "Impact (1-10)",
        "Owner",
        "Notes",
        "Notes",
    ]
    rows = [
        [
            "1",
            "Extradition request delays",
            "foreign authorities answer requests late",
            "Legal",
            "Quality",
            "Low",
            "8",
            "9",
            "6",
            "7",
            "Laura Bennett",
            "Raised by the Extradition Unit",
            "Café meeting",
        ],
        [
            "2",
            "Interpreter availability",
            "no interpreter for rare languages",
            "Operations",
            "Quality",
            "Medium",
            "6",
            "6",
            "3",
            "5",
            "Laura Bennett",
            "",
            "",
        ],
        [
            "3",
            "Counter-terrorism case security",
            "sensitive material is mishandled",
            "Security",
            "Quality",
            "High",
            "4",
            "10",
            "2",
            "10",
            "Laura Bennett",
            "Restricted handling",
            "",
        ],
        [
            "4",
            "IT outage",
            "the case system is unavailable for a day",
            "Technology",
            "Digitisation",
            "Low",
            "3",
            "7",
            "2",
            "6",
            "Laura Bennett",
            "",
            "",
        ],
    ]
    text = "\r".join("\t".join(row) for row in [header] + rows) + "\r"
    _write("scale_1_to_10.tsv", text.encode("latin-1"))


# 6. A JSON list of objects, with three-point word scales and controls as a list.
def register_json() -> None:
    risks = [
        {
            "ref": "R-1",
            "title": "Advocacy quality in the Crown Court",
            "cause": "Fewer in-house advocates",
            "event": "advocacy falls below the expected standard",
            "consequence": "wrongful acquittals",
            "category": "Operations",
            "objective": "Quality",
            "influence": "High",
            "likelihood": "Medium",
            "impact": "High",
            "owner": {"name": "Helen Okafor", "email": "head.ln@example.org"},
            "controls": ["Advocacy assessment panel", "Peer review of trial advocates"],
            "next_review": "2026-10-01",
        },
        {
            "ref": "R-2",
            "title": "Late finalisations",
            "cause": "Backlogs",
            "event": "cases are not finalised in the system",
            "consequence": "performance data is wrong",
            "category": "Information",
            "objective": "Efficiency",
            "influence": "Medium",
            "likelihood": "High",
            "impact": "Low",
            "owner": {"name": "Rhys Davies", "email": "risk.ln@example.org"},
            "controls": [],
            "next_review": "2026-09-01",
        },
        {
            "ref": "R-3",
            "title": "Police file quality",
            "cause": "Police training gaps",
            "event": "files arrive without key evidence",
            "consequence": "charging decisions are delayed",
            "category": "Partnerships",
            "objective": "Quality",
            "influence": "Low",
            "likelihood": "High",
            "impact": "Medium",
            "owner": {"name": "Rhys Davies", "email": "risk.ln@example.org"},
            "controls": ["Joint file quality meetings"],
            "next_review": "2026-08-01",
        },
    ]
    _write("register.json", (json.dumps(risks, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


# 7. Files that are not registers: a truncated workbook, broken JSON, an image renamed .xlsx, a transposed table.
def not_registers() -> None:
    whole = (HERE / "word_scales.xlsx").read_bytes()
    _write("malformed.xlsx", whole[: len(whole) // 2])
    _write("malformed.json", b'[{"title": "Unfinished", "likelihood": 3,\n  {"title": ')
    _write("image.xlsx", _png(8, 8))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Risks"
    for label, *values in (
        ("Risk title", "Custody time limits", "Witness attendance", "Budget"),
        ("Likelihood", 3, 4, 2),
        ("Impact", 5, 4, 3),
        ("Risk owner", "Helen Okafor", "Rhys Davies", "Rhys Davies"),
        ("Controls", "Daily check", "Reminder letters", "Monthly report"),
    ):
        sheet.append([label, *values])
    _write("transposed.xlsx", _xlsx_bytes(workbook))


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    pixels = b"".join(b"\x00" + b"\x1d\x70\xb8" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixels)) + chunk(b"IEND", b"")


# 8. A register in a layout the proposal cannot fully read: the wizard's mapping step fixes it.
def own_layout_xlsx() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Our risks"
    sheet.append(["Team risk log"])
    sheet.append(["Risk", "Area of risk", "How likely", "How bad", "Owner", "What we do about it"])
    sheet.append(
        [
            "Court listing changes at short notice",
            "Operations",
            4,
            3,
            "Rhys Davies",
            "Listing officer on call\nDaily court list check",
        ]
    )
    sheet.append(["Laptop theft from a car", "Security", 2, 4, "Rhys Davies", "Encryption"])
    sheet.append(["Team budget cut by 10%", "Finance", 3, 3, "Helen Okafor", ""])
    _write("own_layout.xlsx", _xlsx_bytes(workbook))


if __name__ == "__main__":
    cp1252_semicolon_csv()
    title_formulas_merged_xlsx()
    word_scales_xlsx()
    percentages_csv()
    scale_1_to_10_tsv()
    register_json()
    not_registers()
    own_layout_xlsx()
