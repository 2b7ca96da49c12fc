"""What happens to each row in a given register: a new risk, an update of one matched by reference, or
nothing (a possible duplicate, a row with errors, a row that is not a risk).
"""

from dataclasses import dataclass, field
from typing import Any

from riskreg.importing.records import CountermeasureDraft, ReviewDraft
from riskreg.importing.rows import Draft, Problem

CREATE, UPDATE, UNCHANGED, DUPLICATE, ERROR, IGNORED = "create", "update", "unchanged", "duplicate", "error", "ignored"
WRITES = frozenset({CREATE, UPDATE})


@dataclass(frozen=True)
class Existing:
    id: int
    ref: str
    title: str


@dataclass
class Planned:
    draft: Draft
    action: str
    existing: Existing | None = None
    # Filled in by the service: what an update changes ({field: [old, new]}) and what it adds.
    changes: dict[str, list[Any]] = field(default_factory=dict)
    add_countermeasures: list[CountermeasureDraft] = field(default_factory=list)
    add_reviews: list[ReviewDraft] = field(default_factory=list)
    risk: Any = None  # the matched risk, loaded by the service


def title_key(title: str) -> str:
    return " ".join(title.casefold().split())


def _note(draft: Draft, level: str, message: str, about: str = "Reference") -> None:
    draft.problems.append(Problem(level, message, about))


def plan(drafts: list[Draft], register_code: str, existing: list[Existing]) -> list[Planned]:
    """Matched by reference when the file has this register's references; otherwise same-title rows are
    reported as possible duplicates and not imported again."""
    by_ref = {risk.ref: risk for risk in existing}
    by_title = {title_key(risk.title): risk for risk in existing}
    prefix = f"{register_code.upper()}-"
    seen_refs: dict[str, int] = {}
    seen_titles: dict[str, int] = {}
    planned = []
    for draft in drafts:
        if draft.ignored:
            planned.append(Planned(draft, IGNORED))
            continue
        if draft.ref and draft.ref in seen_refs:
            first = seen_refs[draft.ref]
            _note(draft, "error", f"{draft.ref} appears more than once in the file (first on row {first})")
        elif draft.ref:
            seen_refs[draft.ref] = draft.line
        if not draft.importable:
            planned.append(Planned(draft, ERROR))
            continue
        if draft.ref in by_ref:
            planned.append(Planned(draft, UPDATE, by_ref[draft.ref]))
            continue
        if draft.ref:
            # Worded without the row's own reference, so the preview can say it once for every row it applies to.
            whose = "Not in this register" if draft.ref.startswith(prefix) else "Not one of this register's references"
            _note(draft, "info", f"{whose}: the risk gets a new reference")
        key = title_key(draft.values["title"])
        if key in by_title:
            match = by_title[key]
            _note(
                draft,
                "warning",
                f"Possible duplicate: {match.ref} in this register has the same title, "
                "so this row is not imported again",
                "",
            )
            planned.append(Planned(draft, DUPLICATE, match))
            continue
        if key in seen_titles:
            _note(draft, "warning", f"Same title as row {seen_titles[key]}: check they are different risks", "")
        seen_titles.setdefault(key, draft.line)
        planned.append(Planned(draft, CREATE))
    return planned
