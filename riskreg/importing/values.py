"""One cell to one value: text, dates, enumerations, yes/no, and lists of controls.

Every reader returns the value or a problem message; nothing is guessed silently. Scores have their
own module (``scores``) because their scale is decided per column from the data.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from riskreg.enums import (
    CountermeasureKind,
    CountermeasureStatus,
    Influence,
    ReviewOutcome,
    RiskStatus,
)
from riskreg.importing.fields import norm_key
from riskreg.rules import text as text_rules
from riskreg.rules.vocabulary import Terms

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EMPTY_WORDS = frozenset({"", "n a", "na", "none", "nil", "tbc", "tbd", "not applicable", "n/a"})


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_text(value: object) -> str:
    """A cell as text: numbers without a needless '.0', dates as ISO, spacing tidied, export escapes undone."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    # Control characters never reach a risk (they broke the XLSX export); invisible-only text is a blank cell.
    text = text_rules.clean(str(value))
    if "\r" in text or "\u00a0" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = text.strip()
    # riskreg's CSV export writes a leading apostrophe before text a spreadsheet would run as a formula.
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        text = text[1:]
    return text


def spreadsheet_text(value: object) -> str:
    """Text for a CSV cell that a spreadsheet shows as text: a leading apostrophe before anything it would run
    as a formula (``clean_text`` above removes it again on import)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def article(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def one_line(value: object, limit: int = 60) -> str:
    text = " ".join(clean_text(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Dates ---------------------------------------------------------------------------------------------
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
EXCEL_EPOCH = date(1899, 12, 30)
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$")
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ -]([a-z]+)\.?,?[ -](\d{2}|\d{4})$")
_MONTH_NAME_DAY = re.compile(r"^([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$")
_MONTH_YEAR = re.compile(r"^([a-z]+)\.?[ -]'?(\d{2}|\d{4})$")
_NUMERIC_MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$")


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if year < 100 else year


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _date_from_text(text: str) -> tuple[date | None, str]:
    """(date, how it was read); how is '' for plain ISO and UK dates."""
    lowered = " ".join(text.lower().replace(",", " ").split()) if not _ISO.match(text) else text
    if match := _ISO.match(text):
        return _make_date(int(match[1]), int(match[2]), int(match[3])), ""
    if match := _DAY_FIRST.match(lowered):
        return _make_date(_year(match[3]), int(match[2]), int(match[1])), ""
    if (match := _DAY_MONTH_NAME.match(lowered)) and match[2] in MONTHS:
        return _make_date(_year(match[3]), MONTHS[match[2]], int(match[1])), ""
    if (match := _MONTH_NAME_DAY.match(lowered)) and match[1] in MONTHS:
        return _make_date(int(match[3]), MONTHS[match[1]], int(match[2])), ""
    if (match := _MONTH_YEAR.match(lowered)) and match[1] in MONTHS:
        found = _make_date(_year(match[2]), MONTHS[match[1]], 1)
        return found, f"a month only: read as {found:%-d %B %Y}" if found else ""
    if match := _NUMERIC_MONTH_YEAR.match(lowered):
        found = _make_date(int(match[2]), int(match[1]), 1)
        return found, f"a month only: read as {found:%-d %B %Y}" if found else ""
    return None, ""


def read_date(value: object) -> tuple[date | None, str | None, str]:
    """(date, problem, note). ISO, UK day-first, month names, month-year and Excel date cells."""
    if is_blank(value):
        return None, None, ""
    if isinstance(value, datetime):
        return value.date(), None, ""
    if isinstance(value, date):
        return value, None, ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date cell that lost its format on the way to CSV is Excel's day count.
        if 20_000 <= value <= 80_000:
            found = EXCEL_EPOCH + timedelta(days=int(value))
            return found, None, f"Excel day number {int(value)}: read as {found:%-d %B %Y}"
        return None, f"‘{clean_text(value)}’ is not a date", ""
    text = clean_text(value)
    found, note = _date_from_text(text)
    if found is None:
        return None, f"‘{one_line(text)}’ is not a date (use a date such as 31/05/2027 or 2027-05-31)", ""
    return found, None, note


# Enumerations --------------------------------------------------------------------------------------
def _words(enum: type[StrEnum], synonyms: dict[str, tuple[str, ...]]) -> dict[str, StrEnum]:
    table: dict[str, StrEnum] = {}
    for member in enum:
        table[norm_key(member.value)] = member
        table[norm_key(getattr(member, "label", member.value))] = member
    for value, words in synonyms.items():
        for word in words:
            table[norm_key(word)] = enum(value)
    return table


# Words registers use for the seeded categories and objectives, by code: read as that entry while the
# organisation has it active (an administrator may add, rename or retire entries; names and codes are read too).
CATEGORY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "strategy": ("strategic", "strategy and planning", "political"),
    "governance": ("corporate governance", "governance and assurance", "assurance", "accountability"),
    "operations": (
        "operational",
        "operation",
        "ops",
        "casework",
        "service delivery",
        "delivery",
        "business continuity",
        "performance",
        "operational delivery",
    ),
    "legal": ("legal and regulatory", "regulatory", "compliance", "law", "legislation", "legal compliance"),
    "property": (
        "estates",
        "estate",
        "accommodation",
        "buildings",
        "premises",
        "facilities",
        "property and estates",
    ),
    "financial": ("finance", "budget", "funding", "financial management", "money", "fraud"),
    "commercial": ("procurement", "contracts", "contract management", "suppliers", "supply chain"),
    "people": (
        "hr",
        "human resources",
        "workforce",
        "staff",
        "staffing",
        "capability",
        "wellbeing",
        "health and safety",
        "people and capability",
        "resourcing",
    ),
    "technology": ("it", "ict", "digital", "systems", "technology and digital", "it systems", "cyber"),
    "information": (
        "information governance",
        "data",
        "information management",
        "data protection",
        "records management",
        "information and data",
        "knowledge",
    ),
    "security": ("physical security", "protective security", "personnel security"),
    "project": (
        "programme",
        "projects",
        "programmes",
        "project programme",
        "change",
        "change programme",
        "transformation",
        "project and programme",
        "projects and programmes",
    ),
    "reputational": ("reputation", "public confidence", "media", "communications", "trust", "public trust"),
}
OBJECTIVE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "people": ("our people", "staff", "workforce"),
    "quality": ("casework quality", "quality of casework", "quality casework", "high quality casework"),
    "efficiency": ("value for money", "efficient", "efficiency and effectiveness", "productivity"),
    "digitisation": ("digital", "digitalisation", "digitization", "digital transformation", "digital working"),
}


@dataclass(frozen=True)
class TermWords:
    """The words an import reads as one of the organisation's vocabularies (categories or objectives)."""

    terms: Terms
    words: dict[str, str]  # norm_key(word) -> code

    def read(self, value: object, what: str) -> tuple[str | None, str | None]:
        """(code, problem), as ``read_enum``: blank gives (None, None)."""
        if is_blank(value):
            return None, None
        found = self.words.get(norm_key(clean_text(value)))
        if found is None:
            return None, f"‘{one_line(value)}’ is not {article(what)} riskreg knows"
        return found, None


def term_words(terms: Terms, synonyms: dict[str, tuple[str, ...]]) -> TermWords:
    """Active entries by code and name, then the usual words for those still active (a name always wins)."""
    words: dict[str, str] = {}
    for term in terms.active:
        words[norm_key(term.code)] = term.code
        words[norm_key(term.label)] = term.code
    active = {term.code for term in terms.active}
    for code, synonyms_of_code in synonyms.items():
        if code in active:
            for word in synonyms_of_code:
                words.setdefault(norm_key(word), code)
    return TermWords(terms, words)


ENUM_WORDS: dict[type[StrEnum], dict[str, StrEnum]] = {
    Influence: _words(
        Influence,
        {
            "high": ("h", "full", "direct", "significant", "strong", "great"),
            "medium": ("m", "med", "moderate", "partial", "some", "shared"),
            "low": ("l", "none", "little", "limited", "minimal", "external", "no influence", "indirect"),
        },
    ),
    RiskStatus: _words(
        RiskStatus,
        {
            # The words registers, RAID logs and tools use; the four Ts (treat, tolerate, transfer, terminate) too.
            "open": (
                "active",
                "live",
                "current",
                "ongoing",
                "new",
                "opened",
                "escalated",
                "monitor",
                "monitoring",
                "in progress",
                "not started",
                "treat",
                "treating",
                "tolerate",
                "tolerated",
                "transfer",
                "transferred",
                "to do",
                "todo",
                "backlog",
                "in review",
                "blocked",
                "reopened",
                "investigating",
                "remediating",
                "deviation requested",
                "deviation approved",
                "risk accepted",
                "mitigating",
                "mitigate",
                "mitigation in progress",
                "under review",
                "accepted",
                "accept",
                "identified",
                "proposed",
                "draft",
                "pending",
                "on hold",
                "managed",
                "assessed",
                "analysing",
                "analyzing",
                "planned",
                "watch",
                "watching",
                "red",
                "amber",
                "green",
                "increasing",
                "decreasing",
                "static",
                "stable",
            ),
            "closed": (
                "retired",
                "archived",
                "inactive",
                "resolved",
                "closed down",
                "no longer a risk",
                "deactivated",
                "terminated",
                "terminate",
                "complete",
                "completed",
                "done",
                "expired",
                "occurred",
                "withdrawn",
                "cancelled",
                "canceled",
                "obsolete",
                "superseded",
                "mitigated",
                "removed",
                "closed resolved",
                "archive",
            ),
        },
    ),
    CountermeasureKind: _words(
        CountermeasureKind,
        {
            "preventive": ("preventative", "prevent", "prevention"),
            "detective": ("detect", "detection"),
            "corrective": ("correct", "correction", "recovery"),
            "directive": ("direct", "direction", "policy", "guidance"),
        },
    ),
    CountermeasureStatus: _words(
        CountermeasureStatus,
        {
            "planned": ("proposed", "not started", "in progress", "underway", "to do", "open", "action", "pending"),
            "in_place": (
                "inplace",
                "implemented",
                "complete",
                "completed",
                "done",
                "existing",
                "in operation",
                "operating",
                "live",
                "embedded",
            ),
            "retired": ("withdrawn", "removed", "superseded", "closed", "dropped", "cancelled", "canceled"),
        },
    ),
    ReviewOutcome: _words(
        ReviewOutcome,
        {
            "continue": ("continue", "no change", "monitor", "tolerate", "treat", "continue monitoring"),
            "further_action": ("further action", "action needed", "more action", "action required"),
            "escalate": ("escalated", "escalation"),
            "recommend_closure": ("close", "closure", "recommend close", "closure recommended"),
        },
    ),
}


E = TypeVar("E", bound=StrEnum)


def read_enum(value: object, enum: type[E], what: str) -> tuple[E | None, str | None]:
    """(member, problem). Blank gives (None, None): the caller decides whether a default applies."""
    if is_blank(value):
        return None, None
    key = norm_key(clean_text(value))
    found = ENUM_WORDS[enum].get(key)
    if found is None:
        return None, f"‘{one_line(value)}’ is not {article(what)} riskreg knows"
    return found, None  # type: ignore[return-value]


YES = frozenset({"yes", "y", "true", "1", "restricted", "x", "✓", "sensitive", "official sensitive"})
NO = frozenset({"no", "n", "false", "0", "not restricted", "unrestricted", "official"})


def read_yes_no(value: object, what: str) -> tuple[bool | None, str | None]:
    if is_blank(value):
        return None, None
    if isinstance(value, bool):
        return value, None
    key = norm_key(clean_text(value)) or clean_text(value)
    if key in YES:
        return True, None
    if key in NO:
        return False, None
    return None, f"‘{one_line(value)}’ is not yes or no ({what})"


FREQUENCY_WORDS = {
    "weekly": 7,
    "fortnightly": 14,
    "monthly": 30,
    "bi monthly": 60,
    "bimonthly": 60,
    "quarterly": 90,
    "six monthly": 180,
    "half yearly": 180,
    "biannually": 180,
    "annually": 365,
    "annual": 365,
    "yearly": 365,
}


def read_days(value: object) -> tuple[int | None, str | None]:
    if is_blank(value):
        return None, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 1 <= value <= 3660:
            return int(value), None
        return None, f"‘{clean_text(value)}’ is not a number of days"
    key = norm_key(clean_text(value))
    if key.isdigit() and 1 <= int(key) <= 3660:
        return int(key), None
    if key in FREQUENCY_WORDS:
        return FREQUENCY_WORDS[key], None
    return None, f"‘{one_line(value)}’ is not a review frequency (a number of days, or a word such as quarterly)"


# Lists of controls ---------------------------------------------------------------------------------
_BULLET = re.compile(r"^\s*(?:[•●◦▪▫■□➢➤►‣⁃∙·*>-]|–|—|\(?\d{1,2}[.)]|\(?[a-z][.)]|\(?[ivx]{1,4}[.)])\s+", re.I)
_INLINE_BULLET = re.compile(r"\s*[•●◦▪■➢➤►‣·]\s*")
_INLINE_NUMBER = re.compile(r"(?:^|\s)(\d{1,2})[.)]\s+")
TITLE_LIMIT = 200


def _inline_numbered(text: str) -> list[str] | None:
    """'1. A 2. B 3. C' on one line: only when the numbers run 1, 2, 3…, so '2.5 FTE' is not split."""
    marks = list(_INLINE_NUMBER.finditer(text))
    if len(marks) < 2 or [int(m[1]) for m in marks] != list(range(1, len(marks) + 1)) or marks[0].start() > 1:
        return None
    bounds = [m.start() for m in marks] + [len(text)]
    return [text[m.end() : bounds[n + 1]] for n, m in enumerate(marks)]


def split_items(value: object) -> list[str]:
    """Several controls in one cell, one per line or bullet, as separate items."""
    if isinstance(value, list | tuple):  # a JSON list of strings
        return [item for entry in value for item in split_items(entry)]
    text = clean_text(value)
    if norm_key(text) in EMPTY_WORDS or text in {"-", "–"}:
        return []
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) == 1:
        parts = _INLINE_BULLET.split(lines[0])
        if len([p for p in parts if p.strip()]) > 1:
            lines = parts
        elif numbered := _inline_numbered(lines[0]):
            lines = numbered
    bulleted = any(_BULLET.match(line) for line in lines)
    items: list[str] = []
    for line in lines:
        starts_item = not bulleted or _BULLET.match(line) or not items
        stripped = _BULLET.sub("", line, count=1).strip()
        if starts_item:
            items.append(stripped)
        else:
            items[-1] = f"{items[-1]} {stripped}"
    return [item.strip(" ;,") for item in items if item.strip(" ;,")]


def title_and_description(item: str) -> tuple[str, str]:
    """A countermeasure's title fits in 200 characters; longer text keeps its whole wording as the description."""
    if len(item) <= TITLE_LIMIT:
        return item, ""
    cut = item[: TITLE_LIMIT - 1].rsplit(" ", 1)[0]
    return cut + "…", item


# Risk statements -----------------------------------------------------------------------------------
_STATEMENT = re.compile(
    r"^\s*(?:because of|due to|as a result of|owing to)\s+(?P<cause>.+?),?\s+there is a risk that\s+"
    r"(?P<event>.+?)(?:,?\s+(?:which (?:would|could|may|will|might) (?:lead to|result in|mean)|"
    r"leading to|resulting in|causing)\s+(?P<consequence>.+?))?\.?\s*$",
    re.I | re.S,
)
_EVENT_ONLY = re.compile(
    r"^\s*there is a risk that\s+(?P<event>.+?)(?:,?\s+(?:which (?:would|could|may|will|might) "
    r"(?:lead to|result in|mean)|leading to|resulting in|caused by|because of|due to)\s+"
    r"(?P<rest>.+?))?\.?\s*$",
    re.I | re.S,
)


def split_statement(text: str) -> dict[str, str] | None:
    """'Because of X, there is a risk that Y, which would lead to Z' as its three parts."""
    if match := _STATEMENT.match(text):
        return {k: v.strip() for k, v in match.groupdict().items() if v}
    return None


def title_from(text: str) -> str:
    """A title made from a longer statement: its first sentence, within 200 characters."""
    first = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0].rstrip(".")
    if match := _EVENT_ONLY.match(first):
        first = match["event"]
    first = first[:1].upper() + first[1:]
    return title_and_description(first)[0]
