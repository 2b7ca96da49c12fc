"""Writes the real-world layouts corpus (issue 16): registers in the shapes public bodies, projects and tools
keep them, each with the mapping a person would choose (``expected.json``).

Written for riskreg (no third-party content): public-body risk registers, a board assurance framework, a
safety hazard log, a project RAID log, a ticket tracker's CSV export, a GRC tool's export, a cyber risk
analysis, a charity's 1–3 register, an OpenDocument register. Run from the project root and commit the output:

    python tests/data/import/corpus/make_corpus.py
"""

import csv
import io
import json
import zipfile
from datetime import date, timedelta
from itertools import cycle, islice
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
EXPECTED: dict[str, dict] = {}

TOPICS = [
    (
        "Cyber attack on case systems",
        "unpatched legacy servers",
        "ransomware encrypts case files",
        "hearings are adjourned and data is lost",
    ),
    (
        "Loss of key staff",
        "an ageing workforce and market pay",
        "experienced lawyers leave faster than they are replaced",
        "casework quality falls",
    ),
    ("Budget overspend", "rising counsel fees", "spending exceeds the delegated budget", "services are cut"),
    (
        "Data breach by e-mail",
        "manual addressing of e-mails",
        "personal data is sent to the wrong recipient",
        "regulatory action and loss of trust",
    ),
    (
        "Supplier failure",
        "a single supplier for transcription",
        "the supplier stops trading",
        "transcripts are delayed",
    ),
    ("Building unavailable", "an ageing estate", "the main office cannot be used", "staff cannot work on site"),
    ("Disclosure failures", "late police schedules", "unused material is not disclosed on time", "trials collapse"),
    ("Legislation change", "new sentencing legislation", "guidance is not updated in time", "decisions are challenged"),
    ("Fraud by a third party", "weak invoice checks", "a false invoice is paid", "money is lost"),
    ("Project overrun", "unclear requirements", "the new system is delivered late", "benefits are delayed"),
    ("Poor data quality", "inconsistent data entry", "management information is wrong", "poor decisions"),
    (
        "Pandemic disruption",
        "a new infectious disease",
        "a large share of staff are absent",
        "courts cannot be covered",
    ),
    ("Media criticism", "a high-profile failure", "a case is reported critically", "public confidence falls"),
    (
        "Health and safety incident",
        "lone working in court buildings",
        "a member of staff is assaulted",
        "harm and a claim",
    ),
    ("Records not destroyed", "no retention schedule", "records are kept longer than allowed", "a breach"),
    ("Power outage", "a single power feed", "the data centre loses power", "systems are unavailable"),
]
OWNERS = ["Helen Okafor", "Rhys Davies", "Okafor, Helen", "risk.ln@example.org", "Kwame Mensah", "Head of Finance"]


def _topics(count: int, offset: int = 0):
    return list(islice(cycle(TOPICS[offset:] + TOPICS[:offset]), count))


def _expect(
    name: str,
    columns: dict[str, str],
    risk_rows: int,
    sheet: str | None = None,
    header_row: int | None = None,
    notes: str = "",
) -> None:
    EXPECTED[name] = {
        "sheet": sheet,
        "header_row": header_row,
        "columns": columns,
        "risk_rows": risk_rows,
        "shape": notes,
    }


def _save(name: str, workbook: Workbook) -> None:
    buffer = io.BytesIO()
    workbook.save(buffer)
    (HERE / name).write_bytes(buffer.getvalue())


def _csv(name: str, rows: list[list], delimiter: str = ",", encoding: str = "utf-8") -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    (HERE / name).write_bytes(buffer.getvalue().encode(encoding))


# 1. A hospital trust's board assurance framework: contents and guidance sheets first, a title merged across.
def board_assurance_framework() -> None:
    workbook = Workbook()
    contents = workbook.active
    contents.title = "Contents"
    for line in (
        ["Board Assurance Framework 2026/27"],
        ["Sheet", "What it holds"],
        ["Guidance", "How to score"],
        ["BAF", "The principal risks"],
    ):
        contents.append(line)
    guidance = workbook.create_sheet("Guidance")
    guidance.append(["Likelihood", "Description", "Score"])
    for n, word in enumerate(("Rare", "Unlikely", "Possible", "Likely", "Almost certain"), start=1):
        guidance.append([word, f"{word} to happen in the year", n])
    guidance.append(["Consequence", "Description", "Score"])
    baf = workbook.create_sheet("BAF")
    headings = [
        "BAF Ref",
        "Strategic Objective",
        "Principal Risk",
        "Cause",
        "Effect",
        "Executive Lead",
        "Initial Likelihood",
        "Initial Consequence",
        "Current Likelihood",
        "Current Consequence",
        "Target Likelihood",
        "Target Consequence",
        "Key Controls",
        "Gaps in Control",
        "Last Reviewed",
    ]
    baf.append(["Board Assurance Framework – principal risks to our strategic objectives"])
    baf.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headings))
    baf["A1"].font = Font(bold=True, size=14)
    baf.append(headings)
    objectives = cycle(["Quality", "Our people", "Value for money", "Digital", "Partnerships"])
    for n, (title, cause, _event, effect) in enumerate(_topics(14), start=1):
        baf.append(
            [
                f"BAF {n}",
                next(objectives),
                title,
                cause,
                effect,
                OWNERS[n % 3],
                4,
                4,
                3,
                4,
                2,
                3,
                "Monthly assurance report\nAudit committee oversight",
                "No assurance on suppliers",
                date(2026, 4, 1) + timedelta(days=n),
            ]
        )
    _save("board_assurance_framework.xlsx", workbook)
    _expect(
        "board_assurance_framework.xlsx",
        {
            "BAF Ref": "ref",
            "Strategic Objective": "objective",
            "Principal Risk": "title",
            "Cause": "cause",
            "Effect": "consequence",
            "Executive Lead": "owner",
            "Initial Likelihood": "inherent_l",
            "Initial Consequence": "inherent_i",
            "Current Likelihood": "residual_l",
            "Current Consequence": "residual_i",
            "Target Likelihood": "target_l",
            "Target Consequence": "target_i",
            "Key Controls": "controls",
            "Gaps in Control": "ignore",
            "Last Reviewed": "last_reviewed_on",
        },
        14,
        "BAF",
        2,
        "contents and guidance sheets before the register; a title merged across the top",
    )


# 2. A council's corporate register as CSV: 1–4 scales, Treat/Tolerate statuses, a score and trend column.
def council_corporate_register() -> None:
    rows = [
        [
            "Risk No",
            "Risk Title",
            "Risk Description",
            "Risk Owner",
            "Portfolio",
            "Likelihood (1-4)",
            "Impact (1-4)",
            "Risk Score",
            "Direction of Travel",
            "Risk Status",
            "Mitigating Actions",
            "Target Date",
        ]
    ]
    statuses = cycle(["Treat", "Tolerate", "Treat", "Terminated", "In Progress"])
    for n, (title, _cause, event, effect) in enumerate(_topics(16, 3), start=1):
        rows.append(
            [
                f"CR{n:02d}",
                title,
                f"There is a risk that {event}, leading to {effect}.",
                OWNERS[n % 4],
                "Resources",
                1 + n % 4,
                1 + (n + 1) % 4,
                (1 + n % 4) * (1 + (n + 1) % 4),
                "↔",
                next(statuses),
                "Quarterly review by CMT",
                f"{1 + n % 28}/03/2027",
            ]
        )
    # Real registers have rows that cannot be imported: one with scores but neither a title nor a description.
    rows.append(["CR17", "", "", "Rhys Davies", "Resources", 2, 2, 4, "↔", "Treat", "", ""])
    _csv("council_corporate_register.csv", rows)
    _expect(
        "council_corporate_register.csv",
        {
            "Risk No": "ref",
            "Risk Title": "title",
            "Risk Description": "event",
            "Risk Owner": "owner",
            "Portfolio": "ignore",
            "Likelihood (1-4)": "residual_l",
            "Impact (1-4)": "residual_i",
            "Risk Score": "ignore",
            "Direction of Travel": "ignore",
            "Risk Status": "status",
            "Mitigating Actions": "actions",
            "Target Date": "action_due_on",
        },
        17,
        None,
        1,
        "CSV, 1–4 scales, the four Ts as statuses",
    )


# 3. A clinical safety hazard log (the shape DCB0129 logs use): hazard ids and names, severity words.
def clinical_hazard_log() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Hazard Log"
    sheet.append(
        [
            "Hazard_ID",
            "Hazard_Name",
            "Hazard Description",
            "Causes",
            "Effect",
            "Initial Severity",
            "Initial Likelihood",
            "Existing Controls",
            "Residual Severity",
            "Residual Likelihood",
            "Hazard Status",
            "Hazard Owner",
        ]
    )
    severities = cycle(["Catastrophic", "Major", "Considerable", "Significant", "Minor"])
    likelihoods = cycle(["Very high", "High", "Medium", "Low", "Very low"])
    statuses = cycle(["Open", "Closed", "Transferred", "Open"])
    for n, (title, cause, event, effect) in enumerate(_topics(12, 5), start=1):
        sheet.append(
            [
                f"H-{n:03d}",
                title,
                event,
                cause,
                effect,
                next(severities),
                next(likelihoods),
                "• Clinical review\n• Training",
                next(severities),
                next(likelihoods),
                next(statuses),
                OWNERS[n % 2],
            ]
        )
    _save("clinical_hazard_log.xlsx", workbook)
    _expect(
        "clinical_hazard_log.xlsx",
        {
            "Hazard_ID": "ref",
            "Hazard_Name": "title",
            "Hazard Description": "event",
            "Causes": "cause",
            "Effect": "consequence",
            "Initial Severity": "inherent_i",
            "Initial Likelihood": "inherent_l",
            "Existing Controls": "controls",
            "Residual Severity": "residual_i",
            "Residual Likelihood": "residual_l",
            "Hazard Status": "status",
            "Hazard Owner": "owner",
        },
        12,
        "Hazard Log",
        1,
        "snake_case ids and names, severity words",
    )


# 4. A project RAID log: instructions first, then Risks, Assumptions, Issues and Dependencies sheets; H/M/L.
def project_raid_log() -> None:
    workbook = Workbook()
    instructions = workbook.active
    instructions.title = "Instructions"
    instructions.append(["How to use this RAID log"])
    instructions.append(["Record each risk on the Risks sheet; score probability and impact as H, M or L."])
    risks = workbook.create_sheet("Risks")
    risks.append(
        [
            "Risk ID",
            "Date Raised",
            "Raised By",
            "Risk Description",
            "Probability (H/M/L)",
            "Impact (H/M/L)",
            "Proximity",
            "Owner",
            "Mitigation",
            "Status",
        ]
    )
    levels = cycle(["H", "M", "L", "M"])
    statuses = cycle(["Open", "Not Started", "In Progress", "Closed"])
    for n, (title, _cause, event, _effect) in enumerate(_topics(15, 2), start=1):
        risks.append(
            [
                f"R{n:03d}",
                date(2026, 1, n),
                "PMO",
                f"{title}: {event}",
                next(levels),
                next(levels),
                "Q3",
                OWNERS[n % 3],
                "Weekly project board review",
                next(statuses),
            ]
        )
    issues = workbook.create_sheet("Issues")
    issues.append(["Issue ID", "Description", "Owner"])
    issues.append(["I001", "Supplier late with the design", "Rhys Davies"])
    for name in ("Assumptions", "Dependencies"):
        workbook.create_sheet(name).append(["ID", "Description"])
    _save("project_raid_log.xlsx", workbook)
    _expect(
        "project_raid_log.xlsx",
        {
            "Risk ID": "ref",
            "Date Raised": "ignore",
            "Raised By": "ignore",
            "Risk Description": "event",
            "Probability (H/M/L)": "residual_l",
            "Impact (H/M/L)": "residual_i",
            "Proximity": "ignore",
            "Owner": "owner",
            "Mitigation": "controls",
            "Status": "status",
        },
        15,
        "Risks",
        1,
        "RAID log; H/M/L; no title column",
    )


# 5. A ticket tracker's CSV export of a risk project: keys, summaries, assignees, custom fields.
def tracker_export() -> None:
    rows = [
        [
            "Summary",
            "Issue key",
            "Issue id",
            "Issue Type",
            "Status",
            "Priority",
            "Assignee",
            "Reporter",
            "Created",
            "Description",
            "Custom field (Likelihood)",
            "Custom field (Impact)",
        ]
    ]
    statuses = cycle(["To Do", "In Progress", "Done", "To Do"])
    for n, (title, cause, event, effect) in enumerate(_topics(14, 7), start=1):
        rows.append(
            [
                title,
                f"RISK-{100 + n}",
                str(10_000 + n),
                "Risk",
                next(statuses),
                "Medium",
                OWNERS[n % 2],
                "Kwame Mensah",
                f"2026-0{1 + n % 9}-1{n % 9} 09:30",
                f"Because of {cause}, there is a risk that {event}, which would lead to {effect}.",
                1 + n % 5,
                1 + (n * 2) % 5,
            ]
        )
    _csv("tracker_export.csv", rows)
    _expect(
        "tracker_export.csv",
        {
            "Summary": "title",
            "Issue key": "ref",
            "Issue id": "ignore",
            "Issue Type": "ignore",
            "Status": "status",
            "Priority": "ignore",
            "Assignee": "owner",
            "Reporter": "ignore",
            "Created": "ignore",
            "Description": "event",
            "Custom field (Likelihood)": "residual_l",
            "Custom field (Impact)": "residual_i",
        },
        14,
        None,
        1,
        "a tracker's export: keys, To Do/Done, custom fields",
    )


# 6. A GRC tool's export: snake_case headings, and current beside residual (residual means target there).
def grc_tool_export() -> None:
    rows = [
        [
            "risk_id",
            "risk_name",
            "risk_description",
            "category",
            "owner_name",
            "inherent_likelihood",
            "inherent_impact",
            "current_likelihood",
            "current_impact",
            "residual_likelihood",
            "residual_impact",
            "status",
            "treatment",
            "review_date",
        ]
    ]
    categories = cycle(["Operational", "Financial", "Compliance", "Technology", "Strategic", "Reputation"])
    statuses = cycle(["Active", "Mitigating", "Monitoring", "Retired"])
    for n, (title, _cause, event, _effect) in enumerate(_topics(16, 9), start=1):
        rows.append(
            [
                f"RSK-{n:04d}",
                title,
                event,
                next(categories),
                OWNERS[n % 3],
                5,
                4,
                4,
                3,
                2,
                3,
                next(statuses),
                "Mitigate",
                f"2026-{1 + n % 12:02d}-15",
            ]
        )
    _csv("grc_tool_export.csv", rows)
    _expect(
        "grc_tool_export.csv",
        {
            "risk_id": "ref",
            "risk_name": "title",
            "risk_description": "event",
            "category": "category",
            "owner_name": "owner",
            "inherent_likelihood": "inherent_l",
            "inherent_impact": "inherent_i",
            "current_likelihood": "residual_l",
            "current_impact": "residual_i",
            "residual_likelihood": "target_l",
            "residual_impact": "target_i",
            "status": "status",
            "treatment": "actions",
            "review_date": "next_review_on",
        },
        16,
        None,
        1,
        "current beside residual: current is residual, residual is target",
    )


# 7. A university register: probability as a percentage, impact as words, a RAG column.
def university_register() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Register"
    sheet.append(["University Risk Register"])
    sheet.append(["Approved by Council, March 2026"])
    sheet.append([])
    sheet.append(
        [
            "Risk Ref",
            "Risk",
            "Cause",
            "Consequence",
            "Probability %",
            "Impact",
            "Risk Owner",
            "Controls",
            "Actions",
            "RAG",
        ]
    )
    impacts = cycle(["Minor", "Moderate", "Major", "Severe", "Insignificant"])
    for n, (title, cause, _event, effect) in enumerate(_topics(15, 4), start=1):
        sheet.append(
            [
                f"U{n}",
                title,
                cause,
                effect,
                f"{(n * 13) % 100}%",
                next(impacts),
                OWNERS[n % 3],
                "Policy in place",
                "Refresh the policy",
                "Amber",
            ]
        )
    _save("university_register.xlsx", workbook)
    _expect(
        "university_register.xlsx",
        {
            "Risk Ref": "ref",
            "Risk": "title",
            "Cause": "cause",
            "Consequence": "consequence",
            "Probability %": "residual_l",
            "Impact": "residual_i",
            "Risk Owner": "owner",
            "Controls": "controls",
            "Actions": "actions",
            "RAG": "ignore",
        },
        15,
        "Register",
        4,
        "percentages and impact words; title rows",
    )


# 8. A cyber risk analysis: scenarios, 'Proba' and 'Severity' on 1–4 scales named in the headings.
def cyber_scenarios() -> None:
    rows = [
        [
            "Scenario ID",
            "Scenario",
            "Threat source",
            "Proba (1-4)",
            "Severity (1-4)",
            "Risk owner",
            "Security measures",
            "Status",
        ]
    ]
    threats = cycle(["Organised crime", "Insider", "Hacktivist", "State actor"])
    for n, (title, _cause, _event, _effect) in enumerate(_topics(13, 1), start=1):
        rows.append(
            [
                f"SC{n:02d}",
                title,
                next(threats),
                1 + n % 4,
                1 + (n + 2) % 4,
                OWNERS[n % 2],
                "MFA; EDR; backups",
                "Active",
            ]
        )
    _csv("cyber_scenarios.csv", rows, delimiter=";")
    _expect(
        "cyber_scenarios.csv",
        {
            "Scenario ID": "ref",
            "Scenario": "title",
            "Threat source": "cause",
            "Proba (1-4)": "residual_l",
            "Severity (1-4)": "residual_i",
            "Risk owner": "owner",
            "Security measures": "controls",
            "Status": "status",
        },
        13,
        None,
        1,
        "scenario as title, proba as likelihood, semicolons",
    )


# 9. A small charity's register: 1–3 scales (no heading hint: the values say so), a key under the table.
def charity_register() -> None:
    rows = [
        ["No.", "Risk area", "Risk", "Impact", "Likelihood", "Overall", "Controls in place", "Further action", "Lead"]
    ]
    areas = cycle(["Governance", "Financial", "Reputational", "Operational", "People"])
    for n, (title, _cause, _event, _effect) in enumerate(_topics(14, 6), start=1):
        rows.append(
            [
                n,
                next(areas),
                title,
                1 + n % 3,
                1 + (n + 1) % 3,
                (1 + n % 3) * (1 + (n + 1) % 3),
                "Trustee oversight",
                "Annual review",
                OWNERS[n % 3],
            ]
        )
    rows += [[], ["Key: 1 = low, 2 = medium, 3 = high"]]
    _csv("charity_register.csv", rows)
    _expect(
        "charity_register.csv",
        {
            "No.": "ref",
            "Risk area": "category",
            "Risk": "title",
            "Impact": "residual_i",
            "Likelihood": "residual_l",
            "Overall": "ignore",
            "Controls in place": "controls",
            "Further action": "actions",
            "Lead": "owner",
        },
        14,
        None,
        1,
        "1–3 scales read from the values; a key under the table",
    )


# 10. A construction project register: probability and consequence out of 10.
def construction_register() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Risk Register"
    sheet.append(
        [
            "Ref",
            "Risk Event",
            "Probability (1-10)",
            "Consequence (1-10)",
            "Risk Owner",
            "Response",
            "Response Owner",
            "Due",
        ]
    )
    for n, (title, _cause, event, _effect) in enumerate(_topics(14, 8), start=1):
        sheet.append(
            [
                f"CP-{n}",
                f"{title}: {event}",
                1 + (n * 3) % 10,
                1 + (n * 7) % 10,
                OWNERS[n % 2],
                "Contingency in programme",
                OWNERS[(n + 1) % 2],
                date(2026, 9, 1 + n),
            ]
        )
    _save("construction_register.xlsx", workbook)
    _expect(
        "construction_register.xlsx",
        {
            "Ref": "ref",
            "Risk Event": "event",
            "Probability (1-10)": "residual_l",
            "Consequence (1-10)": "residual_i",
            "Risk Owner": "owner",
            "Response": "actions",
            "Response Owner": "ignore",
            "Due": "action_due_on",
        },
        14,
        "Risk Register",
        1,
        "1–10 scales",
    )


# 11. A central government department's register: Orange Book categories, groups merged over L and I.
def department_register() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Departmental Risk Register"
    sheet.append(["Departmental Risk Register – Q1 2026-27"])
    sheet.merge_cells("A1:M1")
    sheet.append(["", "", "", "", "", "", "Inherent", "", "Residual", "", "Target", "", ""])
    sheet.merge_cells("G2:H2")
    sheet.merge_cells("I2:J2")
    sheet.merge_cells("K2:L2")
    sheet.append(
        [
            "Risk Ref",
            "Risk Title",
            "Risk Description",
            "Category",
            "Strategic Objective",
            "SRO",
            "L",
            "I",
            "L",
            "I",
            "L",
            "I",
            "Proximity",
        ]
    )
    categories = cycle(["Operations", "Legal", "Security", "Financial", "Commercial", "People", "Technology"])
    objectives = cycle(["Quality", "Efficiency", "People", "Digitisation"])
    for n, (title, cause, event, effect) in enumerate(_topics(15), start=1):
        sheet.append(
            [
                f"DR{n:02d}",
                title,
                f"Because of {cause}, there is a risk that {event}, which would lead to {effect}.",
                next(categories),
                next(objectives),
                OWNERS[n % 3],
                4,
                5,
                3,
                4,
                2,
                3,
                "Within 6 months",
            ]
        )
    _save("department_register.xlsx", workbook)
    _expect(
        "department_register.xlsx",
        {
            "Risk Ref": "ref",
            "Risk Title": "title",
            "Risk Description": "event",
            "Category": "category",
            "Strategic Objective": "objective",
            "SRO": "owner",
            "Inherent L": "inherent_l",
            "Inherent I": "inherent_i",
            "Residual L": "residual_l",
            "Residual I": "residual_i",
            "Target L": "target_l",
            "Target I": "target_i",
            "Proximity": "ignore",
        },
        15,
        "Departmental Risk Register",
        3,
        "a merged title, groups merged over L and I, risk statements",
    )


# 12. A school's register saved as OpenDocument (.ods) from LibreOffice.
def _ods(rows: list[list]) -> bytes:
    def cell(value) -> str:
        if isinstance(value, int):
            return (
                f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p>'
                "</table:table-cell>"
            )
        text = escape(str(value))
        return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="Risks">{body}</table:table></office:spreadsheet>'
        "</office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.'
        'opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
        'manifest:media-type="text/xml"/></manifest:manifest>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return buffer.getvalue()


def school_register_ods() -> None:
    rows = [["Risk", "Likelihood", "Impact", "Who", "What we do about it", "Review"]]
    levels = cycle(["High", "Medium", "Low"])
    for n, (title, _cause, _event, _effect) in enumerate(_topics(12, 10), start=1):
        rows.append(
            [
                title,
                next(levels),
                next(levels),
                OWNERS[n % 2],
                "Governors review termly",
                f"{1 + n % 28}/0{1 + n % 9}/2026",
            ]
        )
    (HERE / "school_register.ods").write_bytes(_ods(rows))
    _expect(
        "school_register.ods",
        {
            "Risk": "title",
            "Likelihood": "residual_l",
            "Impact": "residual_i",
            "Who": "owner",
            "What we do about it": "controls",
            "Review": "next_review_on",
        },
        12,
        "Risks",
        1,
        "OpenDocument; High/Medium/Low on a three-point scale",
    )


# 13. A housing association: cover, contents and heat map sheets, headings on row 6, gross and net scores.
def housing_association() -> None:
    workbook = Workbook()
    workbook.active.title = "Cover"
    workbook.active.append(["Strategic Risk Register", "", "", "Board, June 2026"])
    workbook.create_sheet("Contents").append(["1. Heat map", "2. Risk register"])
    heat = workbook.create_sheet("Heat map")
    heat.append(["Impact / Likelihood", 1, 2, 3, 4, 5])
    register = workbook.create_sheet("Risk Register")
    for line in (
        ["Northfield Homes"],
        ["Strategic Risk Register"],
        ["Owner: Director of Governance"],
        [],
        ["Gross = before controls; Net = after controls"],
    ):
        register.append(line)
    register.append(
        [
            "Risk Ref",
            "Risk Category",
            "Risk Title",
            "Risk Description",
            "Risk Owner",
            "Gross Likelihood",
            "Gross Impact",
            "Net Likelihood",
            "Net Impact",
            "Risk Appetite",
            "Status",
            "Last Review Date",
        ]
    )
    categories = cycle(["Financial", "Governance", "Health and safety", "Property", "Reputation", "Regulatory"])
    statuses = cycle(["Open", "Not Started", "In Progress", "Closed", "Open"])
    for n, (title, _cause, event, _effect) in enumerate(_topics(16, 11), start=1):
        register.append(
            [
                f"SR{n}",
                next(categories),
                title,
                event,
                OWNERS[n % 3],
                4,
                4,
                2 + n % 3,
                3,
                "Cautious",
                next(statuses),
                date(2026, 5, n),
            ]
        )
    register.append([])
    register.append(["", "", "", "", "", "", "", "", "", "", "", ""])
    register.append(["", "", "Total risks: 16"])
    _save("housing_association.xlsx", workbook)
    _expect(
        "housing_association.xlsx",
        {
            "Risk Ref": "ref",
            "Risk Category": "category",
            "Risk Title": "title",
            "Risk Description": "event",
            "Risk Owner": "owner",
            "Gross Likelihood": "inherent_l",
            "Gross Impact": "inherent_i",
            "Net Likelihood": "residual_l",
            "Net Impact": "residual_i",
            "Risk Appetite": "ignore",
            "Status": "status",
            "Last Review Date": "last_reviewed_on",
        },
        16,
        "Risk Register",
        6,
        "the register on the fourth sheet, headings on row 6, gross and net",
    )


# 14 and 15. NIST OSCAL JSON: a plan of action and milestones, and assessment results (risks in results).
def _oscal_risk(n: int, title: str, event: str, effect: str) -> dict:
    levels = ["low", "moderate", "high"]
    return {
        "uuid": f"00000000-0000-4000-8000-{n:012d}",
        "title": title,
        "description": event,
        "statement": effect,
        "status": ["open", "investigating", "remediating", "risk-accepted", "closed"][n % 5],
        "characterizations": [
            {
                "origin": {"actors": [{"type": "party", "actor-uuid": "assessor"}]},
                "facets": [
                    {"name": "likelihood", "system": "https://fedramp.gov", "value": levels[n % 3]},
                    {"name": "impact", "system": "https://fedramp.gov", "value": levels[(n + 1) % 3]},
                ],
            }
        ],
        "remediations": [
            {
                "uuid": f"10000000-0000-4000-8000-{n:012d}",
                "lifecycle": "planned",
                "title": f"Fix: {title.lower()}",
                "description": "Planned remediation",
            },
            {
                "uuid": f"20000000-0000-4000-8000-{n:012d}",
                "lifecycle": "completed",
                "title": "Compensating control",
                "description": "In place",
            },
        ],
        "deadline": f"2026-{1 + n % 12:02d}-28T00:00:00Z",
    }


def oscal_documents() -> None:
    metadata = {
        "title": "System POA&M",
        "last-modified": "2026-06-01T00:00:00Z",
        "version": "1.0",
        "oscal-version": "1.1.2",
    }
    risks = [_oscal_risk(n, title, event, effect) for n, (title, _c, event, effect) in enumerate(_topics(12, 3), 1)]
    items = [
        {
            "uuid": f"30000000-0000-4000-8000-{n:012d}",
            "title": risk["title"],
            "description": risk["description"],
            "props": [{"name": "POAM-ID", "value": f"V-{n:03d}"}],
            "related-risks": [{"risk-uuid": risk["uuid"]}],
        }
        for n, risk in enumerate(risks, 1)
    ]
    poam = {
        "plan-of-action-and-milestones": {
            "uuid": "40000000-0000-4000-8000-000000000001",
            "metadata": metadata,
            "risks": risks,
            "poam-items": items,
        }
    }
    (HERE / "oscal_poam.json").write_text(json.dumps(poam, indent=2) + "\n", encoding="utf-8")
    results = {
        "assessment-results": {
            "uuid": "40000000-0000-4000-8000-000000000002",
            "metadata": metadata,
            "results": [
                {
                    "uuid": "50000000-0000-4000-8000-000000000001",
                    "title": "Q2",
                    "start": "2026-06-01T00:00:00Z",
                    "risks": risks[:10],
                }
            ],
        }
    }
    (HERE / "oscal_assessment_results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    columns = {
        "Risk ID": "ref",
        "Title": "title",
        "Description": "event",
        "Consequence": "consequence",
        "Status": "status",
        "Likelihood": "residual_l",
        "Impact": "residual_i",
        "Planned remediations": "actions",
        "Completed remediations": "controls",
        "Deadline": "action_due_on",
    }
    _expect("oscal_poam.json", columns, 12, None, 0, "NIST OSCAL plan of action and milestones (JSON)")
    _expect("oscal_assessment_results.json", columns, 10, None, 0, "NIST OSCAL assessment results (JSON)")


if __name__ == "__main__":
    for make in (
        board_assurance_framework,
        council_corporate_register,
        clinical_hazard_log,
        project_raid_log,
        tracker_export,
        grc_tool_export,
        university_register,
        cyber_scenarios,
        charity_register,
        construction_register,
        department_register,
        school_register_ods,
        housing_association,
        oscal_documents,
    ):
        make()
    (HERE / "expected.json").write_text(json.dumps(EXPECTED, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(EXPECTED)} layouts and expected.json")
