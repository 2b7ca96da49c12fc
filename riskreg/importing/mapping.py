"""Which column holds which field: proposed from headings (and, where a heading is ambiguous, from the
values under it), changed by the user, and saved as a reusable JSON mapping file.
"""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from riskreg.enums import Influence
from riskreg.importing.errors import ImportRefused
from riskreg.importing.fields import (
    DIMENSION_WORDS,
    ENTITY_FIELD_WORDS,
    ENTITY_WORDS,
    FIELD_BY_KEY,
    FIELDS,
    ID_WORDS,
    IGNORE,
    NAME_WORDS,
    SCORE_FIELDS,
    SCORE_FILLER_WORDS,
    STAGE_WORDS,
    norm_key,
)
from riskreg.importing.scores import SCALES, classify
from riskreg.importing.values import clean_text

MAPPING_FORMAT = 1
# Fields a mapping may give a value for rows without one: categories and objectives are the organisation's own
# (codes, checked when rows are read), influence is riskreg's.
DEFAULTABLE = ("category", "objective", "influence")
_CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")
SYNONYMS = {norm_key(word): f.key for f in FIELDS for word in (f.synonyms + (f.label,))}
# Found inside longer headings, longest first, so "next review date" wins over "review date". Single generic
# words are left out: "Area of risk" is not the risk title.
TOO_GENERIC = frozenset({"risk", "name", "number", "source", "theme", "total", "trend", "notes", "details"})
PHRASES = sorted((p for p in SYNONYMS if len(p) >= 5 and p not in TOO_GENERIC), key=len, reverse=True)
_SCALE_NOTE = re.compile(
    r"\(?\b(?:1\s*(?:-|–|to)\s*(?:10|[345])|out of (?:10|[345])|/\s*(?:10|[345]))\b\)?"
    r"|\((?:[hml]\s*/\s*){2}[hml]\)|\((?:vh|vl|[hml])(?:\s*/\s*(?:vh|vl|[hml])){2,4}\)",
    re.I,
)


def score_parts(heading: str) -> tuple[str | None, str] | None:
    """(stage or None, 'l' or 'i') when a heading names a likelihood or an impact, else None."""
    tokens = set(norm_key(_SCALE_NOTE.sub(" ", heading)).split())
    dims = [d for d, words in DIMENSION_WORDS.items() if tokens & set(words)]
    stages = [s for s, words in STAGE_WORDS.items() if tokens & set(words)]
    if len(dims) != 1 or len(stages) > 1:
        return None
    known = {w for words in (*DIMENSION_WORDS.values(), *STAGE_WORDS.values()) for w in words}
    if tokens - known - set(SCORE_FILLER_WORDS):
        return None
    return (stages[0] if stages else None), ("l" if dims[0] == "likelihood" else "i")


def recognise(heading: str) -> str | None:
    """The field a heading names, or None."""
    key = norm_key(_SCALE_NOTE.sub(" ", heading))
    if not key:
        return None
    if key in SYNONYMS:
        return SYNONYMS[key]
    if parts := score_parts(heading):
        return f"{parts[0] or 'residual'}_{parts[1]}"
    if named := _id_or_name(key.split()):
        return named
    padded = f" {key} "
    for phrase in PHRASES:
        if f" {phrase} " in padded:
            return SYNONYMS[phrase]
    return None


def _id_or_name(tokens: list[str]) -> str | None:
    """'Hazard ID', 'issue_no', 'ID risk'-style pairs as the reference; 'hazard_name' as the title."""
    if len(tokens) != 2:
        return None
    if tokens[1] in ("ref", "id"):
        return "ref"  # "BAF ref", "CR id": whatever the prefix
    entity = [t for t in tokens if t in ENTITY_WORDS]
    other = [t for t in tokens if t not in ENTITY_WORDS]
    if len(entity) != 1 or len(other) != 1:
        return None
    if other[0] in ID_WORDS:
        return "ref"
    if other[0] in ENTITY_FIELD_WORDS:
        return ENTITY_FIELD_WORDS[other[0]]
    return "title" if other[0] in NAME_WORDS else None


def _share_score_like(samples: Sequence[object]) -> float:
    filled = [s for s in samples if clean_text(s)]
    if not filled:
        return 0.0
    return sum(classify(s).kind in ("number", "percent", "word") for s in filled) / len(filled)


def _average_length(samples: Sequence[object]) -> float:
    filled = [clean_text(s) for s in samples if clean_text(s)]
    return sum(map(len, filled)) / len(filled) if filled else 0.0


def _by_values(heading: str, proposed: str | None, samples: Sequence[object]) -> str | None:
    """Headings that mean text in one register and a score in another ('Consequence', 'Impact', 'Risk')."""
    parts = score_parts(heading)
    if proposed in ("consequence",) and parts and _share_score_like(samples) >= 0.8:
        return f"{parts[0] or 'residual'}_{parts[1]}"
    if proposed in SCORE_FIELDS and _share_score_like(samples) < 0.5 and _average_length(samples) > 25:
        return "consequence" if proposed.endswith("_i") else None
    if proposed == "title" and _average_length(samples) > 120:
        return "event"
    return proposed


@dataclass
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)  # column name -> field key
    scales: dict[str, int] = field(default_factory=dict)  # likelihood / impact -> 3, 4, 5 or 10
    defaults: dict[str, str] = field(default_factory=dict)  # category / objective / influence -> value
    sheet: str | None = None
    header_row: int | None = None

    def field_of(self, column: str) -> str:
        return self.columns.get(column, IGNORE)

    def columns_for(self, key: str) -> list[str]:
        return [name for name, target in self.columns.items() if target == key]

    def as_dict(self) -> dict:
        return {
            "riskreg_mapping": MAPPING_FORMAT,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "columns": dict(self.columns),
            "scales": dict(self.scales),
            "defaults": dict(self.defaults),
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: object) -> "Mapping":
        if not isinstance(data, dict) or not isinstance(data.get("columns", {}), dict):
            raise ImportRefused('The mapping file is not a riskreg mapping: it needs a "columns" object.')
        columns = {str(name): str(target) for name, target in data.get("columns", {}).items()}
        unknown = sorted({target for target in columns.values() if target not in FIELD_BY_KEY})
        if unknown:
            raise ImportRefused(f"The mapping file names fields riskreg does not have: {', '.join(unknown)}.")
        return cls(
            columns,
            _scales(data.get("scales") or {}),
            _defaults(data.get("defaults") or {}),
            _optional_str(data.get("sheet")),
            _optional_row(data.get("header_row")),
        )

    @classmethod
    def from_json(cls, text: str) -> "Mapping":
        try:
            return cls.from_dict(json.loads(text))
        except (ValueError, RecursionError) as error:
            raise ImportRefused("The mapping file is not valid JSON.") from error


def _scales(data: object) -> dict[str, int]:
    # isinstance first: a list or an object where a number belongs cannot even be looked up (unhashable).
    if not isinstance(data, dict) or any(
        key not in ("likelihood", "impact") or not isinstance(value, int) or value not in SCALES
        for key, value in data.items()
    ):
        raise ImportRefused("The mapping file's scales must be likelihood or impact, each 3, 4, 5 or 10.")
    return dict(data)


def _defaults(data: object) -> dict[str, str]:
    if not isinstance(data, dict) or any(
        key not in DEFAULTABLE
        or not isinstance(value, str)
        or not (value in Influence._value2member_map_ if key == "influence" else _CODE.fullmatch(value))
        for key, value in data.items()
    ):
        raise ImportRefused("The mapping file's defaults must be a category, objective or influence riskreg knows.")
    return dict(data)


def parse_defaults(pairs: Sequence[str], vocabularies: dict) -> dict[str, str]:
    """``category=operations`` and the like (any word riskreg reads for that field) as mapping defaults;
    ``vocabularies`` the organisation's categories and objectives (riskreg.importing.values.TermWords)."""
    from riskreg.importing.values import read_enum

    defaults = {}
    for pair in pairs:
        key, _, word = pair.partition("=")
        key = key.strip().lower()
        if key not in DEFAULTABLE:
            raise ImportRefused(
                f"‘{pair}’: a default is for category, objective or influence (e.g. category=operations)."
            )
        if key == "influence":
            member, problem = read_enum(word, Influence, key)
            choices = ", ".join(m.value for m in Influence)
        else:
            member, problem = vocabularies[key].read(word, key)
            choices = ", ".join(term.code for term in vocabularies[key].terms.active)
        if member is None:
            raise ImportRefused(f"‘{pair}’: {problem or 'no value given'}; choose one of {choices}.")
        defaults[key] = str(member)
    return defaults


def _optional_str(value: object) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    raise ImportRefused("The mapping file's sheet must be a sheet's name.")


def _optional_row(value: object) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ImportRefused("The mapping file's header_row must be a row number.")


@dataclass(frozen=True)
class Heading:
    """A column's heading: its own text, and the text of a merged group cell above it ("Inherent risk")."""

    name: str  # unique within the file; what a saved mapping names
    text: str
    group: str = ""

    @property
    def full(self) -> str:
        return f"{self.group} {self.text}".strip() if self.group and self.group != self.text else self.text


def recognise_heading(heading: Heading) -> str | None:
    bare = recognise(heading.text) or recognise(heading.name)
    if heading.full != heading.text:
        parts = score_parts(heading.full)
        if parts and (bare is None or bare in SCORE_FIELDS):
            return f"{parts[0] or 'residual'}_{parts[1]}"
        if bare is None:
            return recognise(heading.full)
    return bare


def _assign_score_stages(headings: dict[str, Heading], proposed: dict[str, str], notes: list[str]) -> None:
    """Several unlabelled 'Likelihood' columns run inherent, residual, target, as registers lay them out."""
    for dim in ("l", "i"):
        explicit, unstaged = set(), []
        for name, target in proposed.items():
            if target in SCORE_FIELDS and target.endswith(dim):
                parts = score_parts(headings[name].full)
                if parts and parts[0] is None:
                    unstaged.append(name)
                else:
                    explicit.add(target.split("_")[0])
        if len(unstaged) < 2 and not (unstaged and "residual" in explicit):
            continue
        order = ("inherent", "residual", "target") if len(unstaged) > 1 else ("residual", "inherent", "target")
        free = [stage for stage in order if stage not in explicit]
        for name in unstaged:
            proposed[name] = f"{free.pop(0)}_{dim}" if free else IGNORE
        if len(unstaged) > 1:
            notes.append(
                f"Several columns are headed like ‘{headings[unstaged[0]].text}’: read in order as "
                + ", ".join(FIELD_BY_KEY[proposed[n]].label.lower() for n in unstaged)
                + "."
            )


def _current_and_residual(headings: dict[str, Heading], proposed: dict[str, str], notes: list[str]) -> None:
    """Some tools export 'Current' (where the risk is now) beside 'Residual' (where it will be once the planned
    actions are done): then current is the residual score and residual the target."""
    for dim in ("l", "i"):
        if f"target_{dim}" in proposed.values():
            continue
        words = {
            name: set(norm_key(headings[name].full).split())
            for name, target in proposed.items()
            if target == f"residual_{dim}"
        }
        current = [name for name, tokens in words.items() if "current" in tokens]
        residual = [name for name, tokens in words.items() if "residual" in tokens and "current" not in tokens]
        if current and residual:
            for name in residual:
                proposed[name] = f"target_{dim}"
            notes.append(
                f"‘{residual[0]}’ read as the target {'likelihood' if dim == 'l' else 'impact'}: beside "
                f"‘{current[0]}’, as some tools export them, current is where the risk is now (residual) "
                "and residual where the planned actions should bring it (target)."
            )


def _one_column_each(proposed: dict[str, str], notes: list[str]) -> None:
    seen: dict[str, str] = {}
    for name, target in proposed.items():
        if target == IGNORE or FIELD_BY_KEY[target].many:
            continue
        if target in seen:
            proposed[name] = IGNORE
            notes.append(
                f"‘{name}’ also looks like {FIELD_BY_KEY[target].label.lower()}; only ‘{seen[target]}’ is used."
            )
        else:
            seen[target] = name


def propose(headings: list[Heading], samples: dict[str, list[object]]) -> tuple[Mapping, list[str]]:
    """A mapping for the columns, with the notes that explain its choices."""
    notes: list[str] = []
    by_name = {heading.name: heading for heading in headings}
    proposed = {}
    for heading in headings:
        target = recognise_heading(heading)
        proposed[heading.name] = _by_values(heading.full, target, samples.get(heading.name, [])) or IGNORE
    _assign_score_stages(by_name, proposed, notes)
    _current_and_residual(by_name, proposed, notes)
    _one_column_each(proposed, notes)
    return Mapping(proposed), notes


def resolve(
    headings: list[Heading], samples: dict[str, list[object]], saved: Mapping | None
) -> tuple[Mapping, list[str]]:
    """The proposal, with a saved mapping's choices laid over it for the columns it names."""
    mapping, notes = propose(headings, samples)
    if saved is None:
        return mapping, notes
    names = {heading.name for heading in headings}
    for name, target in saved.columns.items():
        if name in names:
            mapping.columns[name] = target
    missing = [name for name in saved.columns if name not in names]
    if missing:
        notes.append("The mapping names columns this file does not have: " + ", ".join(f"‘{m}’" for m in missing))
    mapping.scales, mapping.defaults = dict(saved.scales), dict(saved.defaults)
    mapping.sheet, mapping.header_row = saved.sheet, saved.header_row
    return mapping, notes
