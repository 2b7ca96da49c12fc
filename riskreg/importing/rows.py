"""A mapped table to risks as they will be stored, each row with every one of its problems.

A problem is an *error* (the row cannot be imported), a *warning* (it is imported with a stated default or
without a value that could not be read) or *info* (how a value was read). Defaults are used only where the
design allows one: a missing target score is the residual score, a missing owner is the importing user, a
missing next review date follows the review cadence. A category, objective or influence word riskreg does
not know is an error, never a guess; a default for blank cells is used only when the user chose one.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from riskreg.enums import CountermeasureStatus, Influence, RiskStatus
from riskreg.importing.fields import DIMENSIONS, FIELD_BY_KEY, IGNORE, SCORE_FIELDS
from riskreg.importing.layout import Layout
from riskreg.importing.mapping import Mapping
from riskreg.importing.people import People
from riskreg.importing.records import CountermeasureDraft, ReviewDraft, from_cell, nested
from riskreg.importing.records import countermeasure as countermeasure_record
from riskreg.importing.records import review as review_record
from riskreg.importing.scores import PERCENT_BANDS, ScaleDecision, decide, scale_hint
from riskreg.importing.values import (
    TermWords,
    clean_text,
    is_blank,
    one_line,
    read_date,
    read_days,
    read_enum,
    read_yes_no,
    split_statement,
    title_and_description,
    title_from,
)
from riskreg.rules import scoring
from riskreg.rules.vocabulary import Terms

# The organisation's own vocabularies (Context.vocabularies) and riskreg's fixed enumeration: what each is called.
CHOICE_FIELDS = {"category": "category", "objective": "strategic objective", "influence": "degree of local influence"}
ENUM_FIELDS = {"influence": Influence}
# A line under the table that lands in the title column: "Total risks: 16", "Key: 1 = low", "Source: …".
_SUMMARY_ROW = re.compile(
    r"^\s*(?:totals?|count|key|notes?|source|last updated|updated|prepared by|version|"
    r"number of risks)\b",
    re.I,
)
NO_TERMS = TermWords(Terms(()), {})
CLOSED_WITHOUT_REASON = "Closed before the register was imported into riskreg"
NOT_YET_SET = "not yet set (HQ's checks flag the risk as incomplete until someone sets it)"


@dataclass(frozen=True)
class Problem:
    level: str  # error | warning | info
    message: str
    field: str = ""

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@dataclass
class Draft:
    line: int
    ref: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    given: set[str] = field(default_factory=set)  # read from the file; the rest are defaults
    owner_text: str = ""
    countermeasures: list[CountermeasureDraft] = field(default_factory=list)
    reviews: list[ReviewDraft] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored: str = ""  # why the row is not a risk at all (a note under the table)

    @property
    def importable(self) -> bool:
        return not self.ignored and not any(p.level == "error" for p in self.problems)

    def problem(self, level: str, message: str, key: str = "") -> None:
        self.problems.append(Problem(level, message, field_name(key) if key else ""))


@dataclass
class Context:
    people: People
    today: date
    rules: scoring.ScoringRules = scoring.DEFAULT_RULES
    percent_bands: tuple[float, ...] = PERCENT_BANDS
    # riskreg's own Countermeasures and Reviews sheets, by risk reference.
    linked: dict[str, dict[str, list[tuple[int, dict[str, Any]]]]] = field(default_factory=dict)
    # The organisation's categories and objectives as words (riskreg.services.vocabulary): "category", "objective".
    vocabularies: dict[str, TermWords] = field(default_factory=dict)


@dataclass
class Built:
    drafts: list[Draft]
    notes: list[str]
    decisions: dict[str, ScaleDecision]


def field_name(key: str) -> str:
    """A field's label without its explanation: "Risk owner", not "Risk owner (name or e-mail)"."""
    return FIELD_BY_KEY[key].label.split(" (")[0]


def _cell(cells: list[Any], index: int) -> Any:
    return cells[index] if index < len(cells) else None


class RowReader:
    """Reads every data row of one layout with one mapping (decisions about scales are made once)."""

    def __init__(self, layout: Layout, mapping: Mapping, context: Context) -> None:
        self.layout, self.mapping, self.context = layout, mapping, context
        self.index: dict[str, list[int]] = {}
        for column in layout.columns:
            target = mapping.field_of(column.name)
            if target != IGNORE:
                self.index.setdefault(target, []).append(column.index)
        self.decisions = {dimension: self._decide(dimension, keys) for dimension, keys in DIMENSIONS.items()}
        self.split_statements = 0

    def _decide(self, dimension: str, keys: tuple[str, ...]) -> ScaleDecision:
        indexes = [i for key in keys for i in self.index.get(key, [])]
        values = [_cell(cells, i) for _, cells in self.layout.rows for i in indexes]
        hints = [h for c in self.layout.columns if c.index in indexes if (h := scale_hint(c.heading.full))]
        return decide(dimension, values, self.mapping.scales.get(dimension), hints, self.context.percent_bands)

    def mapped(self, key: str) -> bool:
        return key in self.index

    def value(self, cells: list[Any], key: str) -> Any:
        indexes = self.index.get(key)
        return cells[indexes[0]] if indexes and indexes[0] < len(cells) else None

    def read(self, line: int, cells: list[Any]) -> Draft:
        draft = Draft(line)
        width = len(cells)
        filled = [
            key for key, indexes in self.index.items() if any(i < width and not is_blank(cells[i]) for i in indexes)
        ]
        first = next((clean_text(c) for c in cells if clean_text(c)), "")
        if not filled or (len(filled) == 1 and (filled[0] not in ("title", "event") or _SUMMARY_ROW.match(first))):
            draft.ignored = f"not a risk: nothing to import but ‘{one_line(first, 40)}’"
            return draft
        draft.ref = clean_text(self.value(cells, "ref")).upper()
        self._texts(draft, cells)
        self._enums(draft, cells)
        self._scores(draft, cells)
        self._owner(draft, cells)
        self._status(draft, cells)
        self._dates(draft, cells)
        self._countermeasures(draft, cells)
        self._reviews(draft, cells)
        return draft

    # Text ------------------------------------------------------------------------------------------
    def _texts(self, draft: Draft, cells: list[Any]) -> None:
        text = {key: clean_text(self.value(cells, key)) for key in ("title", "cause", "event", "consequence")}
        parts = split_statement(text["event"]) if not (text["cause"] or text["consequence"]) else None
        if parts:
            text.update(parts)
            self.split_statements += 1
        if not text["title"] and not text["event"]:
            draft.problem("error", "No risk title or description", "title")
            return
        if not text["title"]:
            text["title"] = title_from(text["event"])
            if self.mapped("title"):
                draft.problem("warning", "Empty: made from the risk event", "title")
        elif len(text["title"]) > 200:
            full = text["title"]
            text["title"] = title_and_description(full)[0]
            text["event"] = text["event"] or full
            draft.problem("warning", "Longer than 200 characters: shortened", "title")
        if not text["event"]:
            text["event"] = text["title"]
            if self.mapped("event"):
                draft.problem("warning", "Empty: the title is used as the risk event", "event")
        for key in ("cause", "consequence"):
            if not text[key] and self.mapped(key):
                draft.problem("warning", "Empty (HQ's checks will flag the description as unclear)", key)
        draft.values.update(text)
        draft.given.update(key for key in text if self.mapped(key))

    def _enums(self, draft: Draft, cells: list[Any]) -> None:
        """Import first, tidy later: a missing or unknown category, objective or influence never stops a row."""
        for key, what in CHOICE_FIELDS.items():
            member, problem = self.read_choice(self.value(cells, key), key, what)
            if member is not None:
                draft.values[key] = member
                draft.given.add(key)
                continue
            # A word riskreg does not know is left for a person to read, never replaced by a default.
            default = self.default(key) if not problem else None
            draft.values[key] = default
            outcome = f"set to {self.label(key, default)}, the default you chose" if default else NOT_YET_SET
            if problem:
                draft.problem("warning", f"{problem}: {outcome}", key)
            elif self.mapped(key):
                draft.problem("warning" if default is None else "info", f"Empty: {outcome}", key)

    def read_choice(self, value: Any, key: str, what: str) -> tuple[Any, str | None]:
        if key in ENUM_FIELDS:
            return read_enum(value, ENUM_FIELDS[key], what)
        # Without the organisation's list (a caller that gave none), no word is known.
        return self.context.vocabularies.get(key, NO_TERMS).read(value, what)

    def default(self, key: str) -> Any:
        """The value the user chose for rows without one; a category or objective retired since is none."""
        chosen = self.mapping.defaults.get(key)
        if chosen is None:
            return None
        if key in ENUM_FIELDS:
            return ENUM_FIELDS[key](chosen)
        vocabulary = self.context.vocabularies.get(key)
        return chosen if vocabulary and any(term.code == chosen for term in vocabulary.terms.active) else None

    def label(self, key: str, value: Any) -> str:
        if key in ENUM_FIELDS:
            return value.label
        return self.context.vocabularies[key].terms.label(value)

    # Scores ----------------------------------------------------------------------------------------
    def _scores(self, draft: Draft, cells: list[Any]) -> None:
        ratings: dict[str, int | None] = {}
        for key in SCORE_FIELDS:
            decision = self.decisions["likelihood" if key.endswith("_l") else "impact"]
            rating, problem, note = decision.rate(self.value(cells, key))
            if problem:
                draft.problem("error", problem, key)
            if note:
                draft.problem("info", note, key)
            ratings[key] = rating
            if rating is not None:
                draft.given.add(key)
        for dim in ("l", "i"):
            self._fill_scores(draft, ratings, dim)
        draft.values.update({k: v for k, v in ratings.items() if v is not None})

    def _fill_scores(self, draft: Draft, ratings: dict[str, int | None], dim: str) -> None:
        inherent, residual, target = (f"{stage}_{dim}" for stage in ("inherent", "residual", "target"))
        if any(
            p.field == field_name(k) and p.level == "error"
            for p in draft.problems
            for k in (inherent, residual, target)
        ):
            return
        if ratings[residual] is None and ratings[inherent] is None:
            draft.problem("error", "Empty, and there is no inherent score to use instead", residual)
            return
        for key, source, gap in (
            (residual, inherent, "inherent"),
            (inherent, residual, "residual"),
            (target, residual, "residual"),
        ):
            if ratings[key] is None:
                ratings[key] = ratings[source]
                if self.mapped(key):
                    draft.problem("warning", f"Empty: set to the {gap} score", key)

    # People, status and dates ----------------------------------------------------------------------
    def _owner(self, draft: Draft, cells: list[Any]) -> None:
        name, email = self.value(cells, "owner"), self.value(cells, "owner_email")
        draft.owner_text = clean_text(name) or clean_text(email)
        owner_id, problem = self.context.people.owner(name, email)
        draft.values["owner_id"], draft.values["owner_to_confirm"] = owner_id, None
        if problem and draft.owner_text:
            # Not silently dropped: the name stays on the risk for the register's manager to resolve.
            draft.values["owner_id"], draft.values["owner_to_confirm"] = None, draft.owner_text[:200]
            problem = f"{problem.split(':')[0]}: kept as ‘{one_line(draft.owner_text)}’, an owner to confirm"
        if problem and (self.mapped("owner") or self.mapped("owner_email")):
            draft.problem("warning", problem, "owner")
        if not problem:
            draft.given.add("owner_id")

    def _status(self, draft: Draft, cells: list[Any]) -> None:
        status, problem = read_enum(self.value(cells, "status"), RiskStatus, "risk status (open or closed)")
        if problem:
            draft.problem("error", problem, "status")
        draft.values["status"] = status or RiskStatus.OPEN
        draft.given.update({"status"} if status else set())
        reason = clean_text(self.value(cells, "closed_reason"))
        if draft.values["status"] is RiskStatus.CLOSED:
            if not reason:
                draft.problem("warning", f"Closed without a reason: recorded as ‘{CLOSED_WITHOUT_REASON}’", "status")
            draft.values["closed_reason"] = reason or CLOSED_WITHOUT_REASON
            draft.given.add("closed_reason")
        restricted, problem = read_yes_no(self.value(cells, "restricted"), "restricted")
        if problem:
            draft.problem("error", problem, "restricted")
        draft.values["restricted"] = bool(restricted)
        draft.given.update({"restricted"} if restricted is not None else set())

    def _date(self, draft: Draft, cells: list[Any], key: str) -> date | None:
        found, problem, note = read_date(self.value(cells, key))
        if problem:
            draft.problem("warning", f"{problem}: left out", key)
        elif note:
            draft.problem("info", note[0].upper() + note[1:], key)
        return found

    def _dates(self, draft: Draft, cells: list[Any]) -> None:
        last = self._date(draft, cells, "last_reviewed_on")
        if last and last > self.context.today:
            draft.problem("warning", f"{last:%-d %B %Y} is in the future: left out", "last_reviewed_on")
            last = None
        next_on = self._date(draft, cells, "next_review_on")
        days, problem = read_days(self.value(cells, "review_frequency_days"))
        if problem:
            draft.problem("warning", f"{problem}: the review cadence is used", "review_frequency_days")
        # The one schedule rule every save uses (form, API, import): from the last review, else from today.
        residual = draft.values.get("residual_l", 0) * draft.values.get("residual_i", 0)
        frequency, scheduled = scoring.review_schedule(
            residual or 9, last or self.context.today, self.context.rules, days
        )
        draft.values["review_frequency_days"] = frequency
        draft.values["last_reviewed_on"] = last
        draft.values["next_review_on"] = next_on or scheduled
        draft.given.update(
            key
            for key, value in (("last_reviewed_on", last), ("next_review_on", next_on), ("review_frequency_days", days))
            if value
        )

    # Countermeasures and reviews -------------------------------------------------------------------
    def _countermeasures(self, draft: Draft, cells: list[Any]) -> None:
        due, problem, _ = read_date(self.value(cells, "action_due_on"))
        if problem:
            draft.problem("warning", f"{problem}: the actions have no due date", "action_due_on")
        for key, status in (("controls", CountermeasureStatus.IN_PLACE), ("actions", CountermeasureStatus.PLANNED)):
            for index in self.index.get(key, []):
                value = _cell(cells, index)
                if (records := nested(value)) is not None:
                    self._records(draft, records, countermeasure_record, draft.countermeasures)
                else:
                    draft.countermeasures += from_cell(value, status, due if key == "actions" else None)
        self._records(
            draft,
            [r for _, r in self.context.linked.get("countermeasures", {}).get(draft.ref, [])],
            countermeasure_record,
            draft.countermeasures,
        )

    def _reviews(self, draft: Draft, cells: list[Any]) -> None:
        for index in self.index.get("reviews", []):
            value = _cell(cells, index)
            if (records := nested(value)) is not None:
                self._records(draft, records, review_record, draft.reviews)
            elif clean_text(value):
                draft.problem("warning", "Not a list of reviews from riskreg: left out", "reviews")
        self._records(
            draft,
            [r for _, r in self.context.linked.get("reviews", {}).get(draft.ref, [])],
            review_record,
            draft.reviews,
        )

    def _records(self, draft: Draft, records: list[dict[str, Any]], reader, into: list) -> None:
        for record in records:
            made, problems = reader({str(k): v for k, v in record.items()}, self.context.people)
            if made is not None:
                into.append(made)
            for message in problems:
                draft.problem("warning" if made is None else "info", message)


def build(layout: Layout, mapping: Mapping, context: Context) -> Built:
    reader = RowReader(layout, mapping, context)
    drafts = [reader.read(line, cells) for line, cells in layout.rows]
    return Built(drafts, file_notes(reader), reader.decisions)


def file_notes(reader: RowReader) -> list[str]:
    """What happens to every row because of the mapping (said once, not on every row)."""
    notes = [
        f"{d.dimension.capitalize()}: {'; '.join(d.explanation)}." for d in reader.decisions.values() if d.explanation
    ]
    unmapped = {
        "title": "No title column: each title is made from the first sentence of the risk event.",
        "event": "No risk event column: each title is used as the risk event.",
        "cause": "No cause column: causes are left empty (HQ's checks flag such risks as unclear).",
        "consequence": "No consequence column: consequences are left empty (HQ's checks flag such risks).",
        "inherent_l": "No inherent likelihood column: the residual likelihood is used.",
        "inherent_i": "No inherent impact column: the residual impact is used.",
        "target_l": "No target likelihood column: the residual likelihood is used.",
        "target_i": "No target impact column: the residual impact is used.",
        "next_review_on": "No next review column: next reviews are due by the cadence for each residual score.",
    }
    notes += [note for key, note in unmapped.items() if not reader.mapped(key)]
    if not (reader.mapped("owner") or reader.mapped("owner_email")):
        who = reader.context.people.default_owner
        notes.append(f"No owner column: {'you are' if who else 'nobody is'} set as the owner of every risk.")
    for key in CHOICE_FIELDS:
        if (default := reader.default(key)) is not None:
            label = reader.label(key, default)
            notes.append(f"{FIELD_BY_KEY[key].label}: {label} for every row without one, as you chose.")
        elif not reader.mapped(key):
            notes.append(
                f"No {FIELD_BY_KEY[key].label.lower()} column: {NOT_YET_SET}; or choose a default for every row."
            )
    if reader.mapped("controls") or reader.mapped("actions"):
        notes.append(
            "Cells listing several controls or actions (one per line or bullet) become separate "
            "countermeasures: controls in place, actions planned, each ‘preventive’ and owned by the "
            "risk's owner. Check their kind after importing."
        )
    if reader.split_statements:
        notes.append(
            f"{reader.split_statements} risk descriptions written as ‘Because of…, there is a risk "
            "that…, which would lead to…’ were split into cause, event and consequence."
        )
    return notes
