"""Countermeasures and reviews: from a cell listing several controls, from riskreg's own Countermeasures and
Reviews sheets, and from the lists nested in riskreg's JSON export.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from riskreg.enums import CountermeasureKind, CountermeasureStatus, ReviewOutcome
from riskreg.importing.fields import COUNTERMEASURE_COLUMNS, REVIEW_COLUMNS
from riskreg.importing.people import People
from riskreg.importing.readers import Table
from riskreg.importing.values import clean_text, one_line, read_date, read_enum, split_items, title_and_description

DEFAULT_KIND = CountermeasureKind.PREVENTIVE


@dataclass
class CountermeasureDraft:
    title: str
    kind: CountermeasureKind
    status: CountermeasureStatus
    description: str = ""
    owner_id: int | None = None
    owner_from_risk: bool = True  # split from a cell: owned by whoever owns the risk
    due_on: date | None = None
    implemented_on: date | None = None

    def values(self, risk_owner_id: int | None) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "kind": self.kind,
            "status": self.status,
            "owner_id": risk_owner_id if self.owner_from_risk else self.owner_id,
            "due_on": self.due_on,
            "implemented_on": self.implemented_on,
        }


@dataclass
class ReviewDraft:
    reviewed_on: date
    residual_l: int
    residual_i: int
    commentary: str
    outcome: ReviewOutcome
    reviewer_id: int | None = None

    def key(self) -> tuple:
        return (self.reviewed_on, self.residual_l, self.residual_i, self.commentary.strip())

    def values(self) -> dict[str, Any]:
        return {
            "reviewed_on": self.reviewed_on,
            "residual_l": self.residual_l,
            "residual_i": self.residual_i,
            "commentary": self.commentary,
            "outcome": self.outcome,
            "reviewer_id": self.reviewer_id,
        }


def from_cell(value: object, status: CountermeasureStatus, due_on: date | None) -> list[CountermeasureDraft]:
    drafts = []
    for item in split_items(value):
        title, description = title_and_description(item)
        drafts.append(CountermeasureDraft(title, DEFAULT_KIND, status, description, due_on=due_on))
    return drafts


def countermeasure(record: dict[str, Any], people: People) -> tuple[CountermeasureDraft | None, list[str]]:
    """One countermeasure from riskreg's own columns; (None, [why]) when it cannot be imported."""
    title = clean_text(record.get("title"))
    if not title:
        return None, ["A countermeasure without a title was left out"]
    name = one_line(title, 40)
    kind, kind_problem = read_enum(record.get("kind"), CountermeasureKind, "kind of countermeasure")
    status, status_problem = read_enum(record.get("status"), CountermeasureStatus, "countermeasure status")
    if kind_problem or status_problem:
        return None, [f"Countermeasure ‘{name}’ left out: {kind_problem or status_problem}"]
    problems = []
    dates = {}
    for key in ("due_on", "implemented_on"):
        dates[key], problem, _ = read_date(record.get(key))
        if problem:
            problems.append(f"Countermeasure ‘{name}’: {problem}, so the date was left empty")
    owner_id, owner_problem = None, None
    if clean_text(record.get("owner")) or clean_text(record.get("owner_email")):
        owner_id, owner_problem = people.owner(record.get("owner"), record.get("owner_email"))
    if owner_problem:
        problems.append(f"Countermeasure ‘{name}’: {owner_problem[0].lower()}{owner_problem[1:]}")
    title, description = title_and_description(title)
    description = clean_text(record.get("description")) or description
    draft = CountermeasureDraft(
        title,
        kind or DEFAULT_KIND,
        status or CountermeasureStatus.IN_PLACE,
        description,
        owner_id,
        owner_from_risk=False,
        **dates,
    )
    return draft, problems


def _rating(value: object) -> int | None:
    text = clean_text(value)
    return int(text) if text in {"1", "2", "3", "4", "5"} else None


def review(record: dict[str, Any], people: People) -> tuple[ReviewDraft | None, list[str]]:
    reviewed_on, problem, _ = read_date(record.get("reviewed_on"))
    if reviewed_on is None:
        return None, [f"A review left out: {problem or 'it has no date'}"]
    when = f"{reviewed_on:%-d %B %Y}"
    residual_l, residual_i = _rating(record.get("residual_l")), _rating(record.get("residual_i"))
    if residual_l is None or residual_i is None:
        return None, [f"The review of {when} left out: its residual scores must be whole numbers from 1 to 5"]
    outcome, outcome_problem = read_enum(record.get("outcome"), ReviewOutcome, "review outcome")
    if outcome_problem:
        return None, [f"The review of {when} left out: {outcome_problem}"]
    reviewer_id, reviewer_problem = people.reviewer(record.get("reviewer"), record.get("reviewer_email"))
    draft = ReviewDraft(
        reviewed_on,
        residual_l,
        residual_i,
        clean_text(record.get("commentary")),
        outcome or ReviewOutcome.CONTINUE,
        reviewer_id,
    )
    return draft, [f"The review of {when}: {reviewer_problem}"] if reviewer_problem else []


def nested(value: object) -> list[dict[str, Any]] | None:
    """The list of objects riskreg's JSON export nests in a risk, or None for an ordinary cell."""
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    return None


def sheet_records(table: Table, kind: str) -> dict[str, list[tuple[int, dict[str, Any]]]] | None:
    """riskreg's Countermeasures or Reviews sheet as {risk reference: [(row, record)]}; None if it is not ours."""
    columns = COUNTERMEASURE_COLUMNS if kind == "countermeasures" else REVIEW_COLUMNS
    if not table.rows or table.rows[0][0] != 1:
        return None
    header = [clean_text(cell) for cell in table.rows[0][1]]
    if header[: len(columns)] != [column.header for column in columns]:
        return None
    records: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for line, cells in table.rows[1:]:
        record = {column.field: cells[n] if n < len(cells) else None for n, column in enumerate(columns)}
        records.setdefault(clean_text(record.pop("ref")).upper(), []).append((line, record))
    return records
