"""Importing a register file: a preview of exactly what would be written, then an all-or-nothing commit.

The reading is pure code in ``riskreg.importing``; this module adds what needs the database: the people
who can own risks, the register's existing risks (re-imports update by reference instead of duplicating),
the writes in bulk (a constant number of statements for any number of new risks) and the audit events:
one per created or updated risk and one summary. Services flush; the request or command commits.
"""

import hashlib
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from riskreg.clock import today, utcnow
from riskreg.config import settings
from riskreg.extensions import db
from riskreg.importing import ImportRefused, readers, records, rows
from riskreg.importing import layout as layouts
from riskreg.importing import plan as plans
from riskreg.importing.fields import SHEET_COUNTERMEASURES, SHEET_REVIEWS
from riskreg.importing.mapping import Mapping, resolve
from riskreg.importing.people import People, Person
from riskreg.importing.values import CATEGORY_SYNONYMS, OBJECTIVE_SYNONYMS, TermWords, one_line, term_words
from riskreg.models import Countermeasure, ImportUpload, Register, Review, Risk, User
from riskreg.services import NotFoundError, ServiceError, users, vocabulary
from riskreg.services import risks as risks_service
from riskreg.services.audit import trail as audit
from riskreg.services.registers import rules, touch
from riskreg.services.risks import RISK_FIELDS

UPDATABLE = (*RISK_FIELDS, "next_review_on", "review_frequency_days")
UPLOAD_LIFETIME = timedelta(hours=24)
_EMAIL = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[a-z]{2,}", re.I)

__all__ = ["ImportRefused", "ImportOptions", "Preview", "preview", "commit", "import_file"]


def vocabularies() -> dict[str, TermWords]:
    """The organisation's active categories and objectives as the words an import reads (name, code or a usual
    word for a seeded one)."""
    return {
        "category": term_words(vocabulary.categories(), CATEGORY_SYNONYMS),
        "objective": term_words(vocabulary.objectives(), OBJECTIVE_SYNONYMS),
    }


def limits() -> readers.Limits:
    config = settings()
    return readers.Limits(
        max_bytes=config.import_max_bytes,
        max_unpacked_bytes=config.import_max_unpacked_bytes,
        max_rows=config.import_max_rows,
    )


@dataclass
class ImportOptions:
    """The user's choices: a sheet, a heading row, and a mapping (or parts of one) laid over the proposal."""

    sheet: str | None = None
    header_row: int | None = None
    mapping: Mapping | None = None

    @classmethod
    def from_mapping(cls, mapping: Mapping | None) -> "ImportOptions":
        if mapping is None:
            return cls()
        return cls(mapping.sheet, mapping.header_row, mapping)


@dataclass
class Preview:
    filename: str
    kind: str
    layout: layouts.Layout
    mapping: Mapping
    notes: list[str]
    planned: list[plans.Planned]
    decisions: dict[str, Any] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # people's names by id, for showing owners

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(
            (plans.CREATE, plans.UPDATE, plans.UNCHANGED, plans.DUPLICATE, plans.ERROR, plans.IGNORED), 0
        )
        for item in self.planned:
            counts[item.action] += 1
        counts["countermeasures"] = sum(len(p.add_countermeasures) for p in self.planned if p.action in plans.WRITES)
        counts["reviews"] = sum(len(p.add_reviews) for p in self.planned if p.action in plans.WRITES)
        return counts

    @property
    def writes(self) -> int:
        return sum(1 for item in self.planned if item.action in plans.WRITES)

    @property
    def fingerprint(self) -> str:
        """Changes when what the commit would write changes (another edit to the register, a new mapping)."""
        summary = [(p.draft.line, p.action, p.existing.id if p.existing else None) for p in self.planned]
        body = json.dumps([self.mapping.as_dict(), summary], sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()[:32]

    def problems(self) -> list[tuple[int, rows.Problem]]:
        return [(p.draft.line, problem) for p in self.planned for problem in p.draft.problems]

    def problem_groups(self) -> list[tuple[list[int], rows.Problem]]:
        """Each distinct problem once with the rows it is on, errors first, then checks, then notes: a file of
        20,000 rows that all get new references is one line to read, not 20,000."""
        groups: dict[tuple[str, str], tuple[list[int], rows.Problem]] = {}
        for line, problem in self.problems():
            groups.setdefault((problem.level, str(problem)), ([], problem))[0].append(line)
        severity = {"error": 0, "warning": 1, "info": 2}
        return sorted(groups.values(), key=lambda group: (severity.get(group[1].level, 3), group[0][0]))


# Preview -------------------------------------------------------------------------------------------
def _read(data: bytes, filename: str, options: ImportOptions) -> tuple[str, layouts.Layout, dict]:
    source = readers.open_source(data, filename, limits())
    try:
        layout = layouts.locate(source, options.sheet, options.header_row)
        linked = _linked_sheets(source, layout)
        return source.kind, layout, linked
    finally:
        source.close()


def _linked_sheets(source: readers.Source, layout: layouts.Layout) -> dict:
    """riskreg's own Countermeasures and Reviews sheets, when the Risks sheet of an export is imported."""
    linked = {}
    names = source.sheet_names()
    for kind, sheet in (("countermeasures", SHEET_COUNTERMEASURES), ("reviews", SHEET_REVIEWS)):
        if source.kind == "xlsx" and sheet in names and sheet != layout.sheet:
            found = records.sheet_records(source.table(sheet), kind)
            if found is not None:
                linked[kind] = found
                layout.notes.append(f"{sum(map(len, found.values()))} {kind} read from the sheet ‘{sheet}’.")
    return linked


HEAD_SHOWN = (15, 8, 40)  # rows, columns and characters of a sheet shown when choosing its heading row


def survey(
    data: bytes, filename: str, sheet: str | None
) -> tuple[list[layouts.Candidate], list[tuple[int, list[str]]]]:
    """Every sheet with the row riskreg takes for its headings, and the first rows of the chosen sheet."""
    source = readers.open_source(data, filename, limits())
    try:
        candidates = layouts.survey(source)
        name = sheet if sheet in source.sheet_names() else candidates[0].sheet
        rows_shown, columns_shown, width = HEAD_SHOWN
        head = [
            (line, [one_line(cell, width) for cell in cells[:columns_shown]])
            for line, cells in source.head(name, rows_shown)
        ]
        return candidates, head
    finally:
        source.close()


def _emails(layout: layouts.Layout, linked: dict) -> set[str]:
    def walk(value: Any):
        if isinstance(value, str) and "@" in value:
            yield from (match.lower() for match in _EMAIL.findall(value))
        elif isinstance(value, list | tuple):
            for item in value:
                yield from walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                yield from walk(item)

    found = {email for _, cells in layout.rows for email in walk(cells)}
    for by_ref in linked.values():
        found.update(email for entries in by_ref.values() for _, record in entries for email in walk(record))
    return found


def _people(register: Register, actor: User | None, emails: set[str]) -> People:
    owners = [Person(u.id, u.name, u.email) for u in users.owner_candidates(register.unit)]
    everyone: dict[str, Person] = {}
    if emails:
        found = db.session.execute(sa.select(User.id, User.name, User.email).where(User.email.in_(sorted(emails))))
        everyone = {email.lower(): Person(user_id, name, email) for user_id, name, email in found}
    default = Person(actor.id, actor.name, actor.email) if actor is not None else None
    return People(owners, everyone, default)


def _existing(register: Register) -> list[plans.Existing]:
    result = db.session.execute(sa.select(Risk.id, Risk.ref, Risk.title).where(Risk.register_id == register.id))
    return [plans.Existing(*row) for row in result]


def preview(register: Register, data: bytes, filename: str, options: ImportOptions, actor: User | None) -> Preview:
    """Everything the commit would do, computed from the file alone; raises ImportRefused for a bad file."""
    kind, layout, linked = _read(data, filename, options)
    headings = [column.heading for column in layout.columns]
    samples = {column.name: column.samples for column in layout.columns}
    mapping, mapping_notes = resolve(headings, samples, options.mapping)
    mapping.sheet, mapping.header_row = layout.sheet, layout.header_line
    people = _people(register, actor, _emails(layout, linked))
    context = rows.Context(people, today(), rules(), settings().import_percent_bands, linked, vocabularies())
    built = rows.build(layout, mapping, context)
    planned = plans.plan(built.drafts, register.code, _existing(register))
    _compare_updates(planned)
    for item in planned:
        if item.action == plans.CREATE:
            item.add_countermeasures, item.add_reviews = item.draft.countermeasures, item.draft.reviews
    notes = layout.notes + mapping_notes + built.notes
    names = {p.id: p.name for p in [*people.owners, *people.everyone.values()]}
    if people.default_owner:
        names[people.default_owner.id] = people.default_owner.name
    return Preview(filename, kind, layout, mapping, notes, planned, built.decisions, names)


def _compare_updates(planned: list[plans.Planned]) -> None:
    """Which matched risks the file actually changes: a re-import of the same file changes nothing."""
    matched = {p.existing.id: p for p in planned if p.action == plans.UPDATE and p.existing}
    if not matched:
        return
    loaded = db.session.scalars(
        sa.select(Risk)
        .where(Risk.id.in_(matched))
        .options(selectinload(Risk.countermeasures), selectinload(Risk.reviews))
    )
    for risk in loaded:
        item = matched[risk.id]
        draft = item.draft
        item.changes = {
            key: [getattr(risk, key), draft.values[key]]
            for key in UPDATABLE
            if key in draft.given and key in draft.values and getattr(risk, key) != draft.values[key]
        }
        titles = {plans.title_key(c.title) for c in risk.countermeasures}
        item.add_countermeasures = [c for c in draft.countermeasures if plans.title_key(c.title) not in titles]
        keys = {(r.reviewed_on, r.residual_l, r.residual_i, r.commentary.strip()) for r in risk.reviews}
        item.add_reviews = [r for r in draft.reviews if r.key() not in keys]
        if "status" in draft.given and draft.values["status"] != risk.status:
            draft.problem(
                "warning",
                f"{draft.values['status'].label} in the file: importing does not open or close "
                "risks; do that on the risk's page",
                "status",
            )
        if not (item.changes or item.add_countermeasures or item.add_reviews):
            item.action = plans.UNCHANGED
        item.risk = risk


# Commit --------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    created: list[str]
    updated: list[str]
    counts: dict[str, int]
    saved_ids: list[int] = field(default_factory=list)  # the risks written, for after-save work left to a job


@dataclass(frozen=True)
class Written:
    id: int
    ref: str
    owner_id: int | None


def _create(register: Register, items: list[plans.Planned]) -> list[Written]:
    """Through the one save path for risks (services.risks): its reference allocator, in bulk."""
    made = risks_service.insert_risks(register, [item.draft.values for item in items])
    return [
        Written(risk_id, ref, item.draft.values.get("owner_id"))
        for (risk_id, ref), item in zip(made, items, strict=True)
    ]


def _add_children(pairs: list[tuple[Written, plans.Planned]]) -> None:
    now = utcnow()
    countermeasures = [
        {**c.values(risk.owner_id), "risk_id": risk.id, "created_at": now}
        for risk, item in pairs
        for c in item.add_countermeasures
    ]
    reviews = [{**r.values(), "risk_id": risk.id, "created_at": now} for risk, item in pairs for r in item.add_reviews]
    if countermeasures:
        db.session.execute(sa.insert(Countermeasure.__table__), countermeasures)
    if reviews:
        db.session.execute(sa.insert(Review.__table__), reviews)


def _update(items: list[plans.Planned]) -> None:
    now = utcnow()
    for item in items:
        risk = item.risk
        for key, (_old, new) in item.changes.items():
            setattr(risk, key, new)
        residual_changed = {"residual_l", "residual_i"} & set(item.changes)
        if residual_changed and "next_review_on" not in item.changes:
            risks_service.schedule(risk, risk.last_reviewed_on or risk.created_at.date())
        risk.updated_at = now
    db.session.flush()


def _audit_events(created: list[tuple[Written, plans.Planned]], updated: list[plans.Planned], source: str) -> list:
    events = []
    for risk, item in created:
        snapshot = {key: item.draft.values.get(key) for key in (*RISK_FIELDS, "owner_to_confirm")}
        snapshot.update(
            ref=risk.ref,
            source=source,
            row=item.draft.line,
            countermeasures=len(item.add_countermeasures),
            reviews=len(item.add_reviews),
        )
        events.append(("risk.imported", "risk", risk.id, snapshot, risk.id))
    for item in updated:
        changes: dict[str, Any] = {key: list(pair) for key, pair in item.changes.items()}
        changes.update(source=source, row=item.draft.line)
        if item.add_countermeasures:
            changes["countermeasures_added"] = [c.title for c in item.add_countermeasures]
        if item.add_reviews:
            changes["reviews_added"] = len(item.add_reviews)
        events.append(("risk.updated", "risk", item.risk.id, changes, item.risk.id))
    return events


def commit(
    register: Register,
    result: Preview,
    actor: User | None,
    sha256: str = "",
    progress: Callable[[int], None] | None = None,
    after_save: bool = True,
) -> Outcome:
    """Write the preview: every ready row or nothing. The caller's transaction commits or rolls back. The
    after-save work every saved risk gets (embedding, flag scan) runs in batches once all rows are written;
    ``progress`` is told how many risks each batch finished. ``after_save=False`` leaves that work to the
    caller, which runs it as a job over ``Outcome.saved_ids`` (the "saved_risks" task, riskreg/jobs/tasks.py):
    a large import's rows are then in the register at once, and similarity and flags catch up in the background."""
    creates = [p for p in result.planned if p.action == plans.CREATE]
    updates = [p for p in result.planned if p.action == plans.UPDATE]
    if not creates and not updates:
        raise ServiceError("There is nothing to import: every row is already in the register or cannot be imported")
    risks = _create(register, creates)
    created = list(zip(risks, creates, strict=True))
    _update(updates)
    _add_children(created + [(Written(p.risk.id, p.risk.ref, p.risk.owner_id), p) for p in updates])
    touch(register, utcnow())
    counts = result.counts
    summary = {
        "file": result.filename,
        "sha256": sha256,
        "sheet": result.layout.sheet,
        "header_row": result.layout.header_line,
        "mapping": result.mapping.columns,
        "created": len(creates),
        "updated": len(updates),
        "unchanged": counts[plans.UNCHANGED],
        "possible_duplicates": counts[plans.DUPLICATE],
        "left_out": counts[plans.ERROR],
    }
    events = _audit_events(created, updates, result.filename)
    events.append(("register.imported", "register", register.id, summary, None))
    audit.record_many(actor, events)
    saved_ids = [r.id for r in risks] + [p.risk.id for p in updates]
    if after_save:
        risks_service.saved_in_batches(saved_ids, actor, progress)
    return Outcome([r.ref for r in risks], [p.risk.ref for p in updates], counts, saved_ids)


def import_file(
    register: Register,
    data: bytes,
    filename: str,
    actor: User | None,
    options: ImportOptions | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> tuple[Preview, Outcome | None]:
    """Preview and (unless a dry run, or nothing would change) commit: the command's and benchmark's entry point."""
    result = preview(register, data, filename, options or ImportOptions(), actor)
    if dry_run or not result.writes:
        return result, None
    return result, commit(register, result, actor, hashlib.sha256(data).hexdigest(), progress)


# Uploads kept between the wizard's steps -----------------------------------------------------------
def store_upload(register: Register, actor: User, filename: str, data: bytes, options: ImportOptions) -> ImportUpload:
    """Keep a file that previewed without being refused, under a random token, for its uploader only."""
    db.session.execute(sa.delete(ImportUpload).where(ImportUpload.created_at < utcnow() - UPLOAD_LIFETIME))
    digest = hashlib.sha256(data).hexdigest()
    name = re.sub(r"[^\w .()-]+", "_", filename.replace("\\", "/").rsplit("/", 1)[-1])[:200] or "upload"
    upload = ImportUpload(
        token=secrets.token_urlsafe(32),
        register_id=register.id,
        user_id=actor.id,
        filename=name,
        size=len(data),
        sha256=digest,
        data=data,
        options=_options_dict(options),
    )
    db.session.add(upload)
    db.session.flush()
    audit.record(actor, "import.uploaded", "register", register.id, {"file": name, "size": len(data), "sha256": digest})
    return upload


def _options_dict(options: ImportOptions) -> dict[str, Any]:
    data = options.mapping.as_dict() if options.mapping else {"columns": {}}
    data.update(sheet=options.sheet, header_row=options.header_row)
    return data


def options_of(upload: ImportUpload) -> ImportOptions:
    mapping = Mapping.from_dict(upload.options or {"columns": {}})
    return ImportOptions(mapping.sheet, mapping.header_row, mapping if mapping.columns else None)


def get_upload(token: str, register: Register, actor: User) -> ImportUpload:
    """The user's own upload for this register; 404 for anything else, so tokens cannot be probed."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token or ""):
        raise NotFoundError()
    upload = db.session.scalar(sa.select(ImportUpload).where(ImportUpload.token == token))
    if (
        upload is None
        or upload.user_id != actor.id
        or upload.register_id != register.id
        or upload.created_at < utcnow() - UPLOAD_LIFETIME
    ):
        raise NotFoundError()
    return upload


def upload_by_id(upload_id: int, actor: User | None) -> ImportUpload:
    """An upload for an import job, which must be its uploader's; NotFoundError once it has gone."""
    upload = db.session.get(ImportUpload, upload_id)
    if upload is None or actor is None or upload.user_id != actor.id:
        raise NotFoundError()
    return upload


def save_options(upload: ImportUpload, options: ImportOptions) -> None:
    upload.options = _options_dict(options)
    db.session.flush()


def discard(upload: ImportUpload) -> None:
    db.session.delete(upload)
    db.session.flush()
