"""Exporting registers to XLSX, CSV and JSON, so riskreg's data can leave without lock-in.

Restricted risks are included only for registers whose restricted risks the user may read (the policy
decides; a command-line export by an operator includes everything). Rows are read in chunks of plain
columns, not ORM objects, so memory stays flat however many risks are exported, and the number of queries
grows with the number of chunks, not of risks. The headings are the ones the importer recognises, so an
exported register imports back to the same data.
"""

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime
from enum import StrEnum
from itertools import islice
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from riskreg import policy
from riskreg.clock import utcnow
from riskreg.extensions import db
from riskreg.importing.fields import (
    COUNTERMEASURE_COLUMNS,
    CSV_EXTRA_COLUMNS,
    IGNORE,
    REVIEW_COLUMNS,
    RISK_COLUMNS,
    SCORE_FIELDS,
    SHEET_COUNTERMEASURES,
    SHEET_REVIEWS,
    SHEET_RISKS,
    ExportColumn,
)
from riskreg.importing.values import spreadsheet_text
from riskreg.models import Countermeasure, Register, Review, Risk, Unit, User
from riskreg.rules import text as text_rules
from riskreg.services import recommendations, vocabulary

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
CHUNK = 500
# A table alias, not aliased(User): an ORM alias made at import configures every mapper when the app starts.
Owner = User.__table__.alias("owner")
RISK_SELECT = (
    Risk.id,
    Risk.ref,
    Unit.code,
    Risk.title,
    Risk.cause,
    Risk.event,
    Risk.consequence,
    Risk.category,
    Risk.objective,
    Owner.c.name,
    Owner.c.email,
    Risk.influence,
    Risk.inherent_l,
    Risk.inherent_i,
    Risk.residual_l,
    Risk.residual_i,
    Risk.target_l,
    Risk.target_i,
    Risk.status,
    Risk.closed_reason,
    Risk.restricted,
    Risk.review_frequency_days,
    Risk.next_review_on,
    Risk.last_reviewed_on,
)
# The JSON keys of a risk, in RISK_SELECT's order after its id (the importer reads these keys back).
RISK_KEYS = (
    "ref",
    "register",
    "title",
    "cause",
    "event",
    "consequence",
    "category",
    "objective",
    "owner",
    "owner_email",
    "influence",
    *SCORE_FIELDS,
    "status",
    "closed_reason",
    "restricted",
    "review_frequency_days",
    "next_review_on",
    "last_reviewed_on",
)
COUNTERMEASURE_KEYS = ("title", "description", "kind", "status", "owner", "owner_email", "due_on", "implemented_on")
REVIEW_KEYS = ("reviewed_on", "reviewer", "reviewer_email", "residual_l", "residual_i", "commentary", "outcome")


def batched(items: list[int], size: int) -> Iterator[list[int]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def filename(registers: list[Register], fmt: str, everything: bool) -> str:
    scope = "all" if everything or len(registers) != 1 else registers[0].code
    return f"riskreg-{scope}-{utcnow():%Y-%m-%d}.{fmt}"


def _scope(registers: list[Register], user: User | None) -> sa.ColumnElement[bool]:
    """Which risks the export holds: restricted ones only where the user may read them."""
    full = [r.id for r in registers if user is None or policy.can(user, policy.Action.READ_RESTRICTED, r)]
    partial = [r.id for r in registers if r.id not in full]
    return sa.or_(
        Risk.register_id.in_(full) if full else sa.false(),
        sa.and_(Risk.register_id.in_(partial), Risk.restricted.is_(False)) if partial else sa.false(),
    )


def _risk_ids(registers: list[Register], user: User | None) -> list[int]:
    query = (
        sa.select(Risk.id)
        .join(Register, Risk.register_id == Register.id)
        .join(Unit, Register.unit_id == Unit.id)
        .where(_scope(registers, user))
        .order_by(Unit.code, Risk.id)
    )
    return list(db.session.scalars(query))


def _grouped(query: sa.Select) -> dict[int, list[tuple]]:
    grouped: dict[int, list[tuple]] = {}
    for risk_id, *values in db.session.execute(query):
        grouped.setdefault(risk_id, []).append(tuple(values))
    return grouped


def _chunks(registers: list[Register], user: User | None) -> Iterator[list[tuple[tuple, list[tuple], list[tuple]]]]:
    """(risk, its countermeasures, its reviews) in chunks: three queries per chunk."""
    reviewer = aliased(User)
    for chunk in batched(_risk_ids(registers, user), CHUNK):
        risks = db.session.execute(
            sa.select(*RISK_SELECT)
            .join(Register, Risk.register_id == Register.id)
            .join(Unit, Register.unit_id == Unit.id)
            .outerjoin(Owner, Risk.owner_id == Owner.c.id)
            .where(Risk.id.in_(chunk))
            .order_by(Unit.code, Risk.id)
        ).all()
        countermeasures = _grouped(
            sa.select(
                Countermeasure.risk_id,
                Countermeasure.title,
                Countermeasure.description,
                Countermeasure.kind,
                Countermeasure.status,
                Owner.c.name,
                Owner.c.email,
                Countermeasure.due_on,
                Countermeasure.implemented_on,
            )
            .outerjoin(Owner, Countermeasure.owner_id == Owner.c.id)
            .where(Countermeasure.risk_id.in_(chunk))
            .order_by(Countermeasure.risk_id, Countermeasure.id)
        )
        reviews = _grouped(
            sa.select(
                Review.risk_id,
                Review.reviewed_on,
                reviewer.name,
                reviewer.email,
                Review.residual_l,
                Review.residual_i,
                Review.commentary,
                Review.outcome,
            )
            .outerjoin(reviewer, Review.reviewer_id == reviewer.id)
            .where(Review.risk_id.in_(chunk))
            .order_by(Review.risk_id, Review.reviewed_on, Review.id)
        )
        yield [(tuple(row[1:]), countermeasures.get(row[0], []), reviews.get(row[0], [])) for row in risks]


# Cell values -------------------------------------------------------------------------------------
def _labelled(risk: tuple) -> tuple:
    """A risk's row for people (CSV, XLSX): its category and objective by the organisation's names for them,
    which the importer reads back; JSON keeps the codes."""
    names = {"category": vocabulary.categories(), "objective": vocabulary.objectives()}
    return tuple(
        names[key].label(value) if key in names and value is not None else value
        for key, value in zip(RISK_KEYS, risk, strict=True)
    )


def _human(value: Any) -> Any:
    """How a spreadsheet shows a value: enumerations by label, yes and no, dates as dates."""
    if isinstance(value, StrEnum):
        return getattr(value, "label", value.value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


def _machine(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _csv_cell(value: Any) -> Any:
    """A spreadsheet runs text that starts like a formula; a leading apostrophe keeps it text (the importer
    removes it again)."""
    value = _human(value)
    if isinstance(value, date):
        return value.isoformat()
    return spreadsheet_text(value) if isinstance(value, str) or value is None else value


# Writers -----------------------------------------------------------------------------------------
def write_csv(registers: list[Register], user: User | None, out: IO[bytes]) -> None:
    """One table of risks; countermeasures travel as their titles, controls in place and planned actions."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([c.header for c in RISK_COLUMNS + CSV_EXTRA_COLUMNS])
    for chunk in _chunks(registers, user):
        for risk, countermeasures, _reviews in chunk:
            controls = [c[0] for c in countermeasures if c[3].value == "in_place"]
            actions = [c[0] for c in countermeasures if c[3].value == "planned"]
            lists = ["\n".join(controls), "\n".join(actions)]
            writer.writerow([_csv_cell(v) for v in (*_labelled(risk), *lists)])
    text.flush()
    text.detach()


def write_json(registers: list[Register], user: User | None, out: IO[bytes]) -> None:
    """{"format": "riskreg", "registers": [{"code", "title", "risks": [...]}]}, written risk by risk."""
    titles = {r.code: r.title for r in registers}
    out.write(
        json.dumps({"format": "riskreg", "version": 1, "exported_at": utcnow().isoformat(timespec="seconds")})[
            :-1
        ].encode()
        + b', "registers": ['
    )
    current = None
    for chunk in _chunks(registers, user):
        for risk, countermeasures, reviews in chunk:
            item = {key: _machine(value) for key, value in zip(RISK_KEYS, risk, strict=True)}
            code = item.pop("register")
            if code != current:
                out.write(
                    (b"]}, " if current else b"")
                    + json.dumps({"code": code, "title": titles.get(code, "")})[:-1].encode()
                    + b', "risks": ['
                )
                current = code
            else:
                out.write(b", ")
            item["countermeasures"] = [
                dict(zip(COUNTERMEASURE_KEYS, map(_machine, c), strict=True)) for c in countermeasures
            ]
            item["reviews"] = [dict(zip(REVIEW_KEYS, map(_machine, r), strict=True)) for r in reviews]
            out.write(json.dumps(item, ensure_ascii=False).encode())
    out.write(b"]}]}\n" if current else b"]}\n")


def _sheet(workbook, title: str, columns, score_headers: tuple[str, ...]):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for n, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = column.width
    scores = [get_column_letter(n) for n, c in enumerate(columns, start=1) if c.header in score_headers]
    if scores:
        validation = DataValidation(
            type="whole",
            operator="between",
            formula1="1",
            formula2="5",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Score from 1 to 5",
            error="Likelihood and impact are whole numbers from 1 to 5.",
        )
        for letter in scores:
            validation.add(f"{letter}2:{letter}1048576")
        sheet.data_validations.append(validation)
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    return sheet


def _xlsx_row(sheet, values) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell

    row = []
    for value in map(_human, values):
        if isinstance(value, str):
            # What is already stored may hold control characters (from before they were refused on the way in):
            # openpyxl refuses them, and one such title failed every export.
            value = text_rules.strip_control(value)
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # text that looks like a formula stays text
            value = cell
        row.append(value)
    return row


SHEET_RECOMMENDATIONS = "Recommendations"
RECOMMENDATION_COLUMNS = [
    ExportColumn(header, IGNORE, width)
    for header, width in (
        ("Unit", 8),
        ("Source", 22),
        ("Report", 40),
        ("Report date", 12),
        ("Paragraph", 10),
        ("Recommendation", 60),
        ("Owner", 22),
        ("Due", 12),
        ("Status", 14),
        ("Note", 40),
        ("Implemented on", 14),
        ("Risks", 20),
        ("Evidence items", 10),
    )
]


def _recommendations_sheet(workbook, registers: list[Register]) -> None:
    """The registers' units' recommendations (issue 19): read only, the importer leaves this sheet alone.
    Restricted risks are left out of the "Risks" column, as from the Risks sheet for whoever may not read them."""
    rows = recommendations.rows_for_export([register.unit_id for register in registers])
    sheet = _sheet(workbook, SHEET_RECOMMENDATIONS, RECOMMENDATION_COLUMNS, ())
    for row in rows:
        sheet.append(_xlsx_row(sheet, row))


def write_xlsx(registers: list[Register], user: User | None, out: IO[bytes]) -> None:
    """Sheets Risks, Countermeasures and Reviews; headings frozen, columns sized, scores validated 1–5; then the
    units' recommendations."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    score_headers = tuple(c.header for c in RISK_COLUMNS if c.field in SCORE_FIELDS)
    risks_sheet = _sheet(workbook, SHEET_RISKS, RISK_COLUMNS, score_headers)
    countermeasures_sheet = _sheet(workbook, SHEET_COUNTERMEASURES, COUNTERMEASURE_COLUMNS, ())
    reviews_sheet = _sheet(workbook, SHEET_REVIEWS, REVIEW_COLUMNS, ("Residual likelihood", "Residual impact"))
    for chunk in _chunks(registers, user):
        for risk, countermeasures, reviews in chunk:
            risks_sheet.append(_xlsx_row(risks_sheet, _labelled(risk)))
            for countermeasure in countermeasures:
                countermeasures_sheet.append(_xlsx_row(countermeasures_sheet, (risk[0], *countermeasure)))
            for review in reviews:
                reviews_sheet.append(_xlsx_row(reviews_sheet, (risk[0], *review)))
    _recommendations_sheet(workbook, registers)
    workbook.save(out)


WRITERS = {"xlsx": write_xlsx, "csv": write_csv, "json": write_json}


def export(registers: list[Register], user: User | None, fmt: str, out: IO[bytes]) -> None:
    if fmt not in WRITERS:
        raise ValueError(f"unknown export format {fmt}")
    WRITERS[fmt](registers, user, out)
