"""The fields a column can be mapped to, the headings people use for them, and riskreg's own export columns.

Headings are compared after ``norm_key`` (lower case, punctuation as spaces), so "Risk Owner:" and
"risk-owner" are the same heading.
"""

import re
from dataclasses import dataclass

IGNORE = "ignore"


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    # Several columns may feed a list field (controls in two columns); every other field takes one column.
    many: bool = False


def norm_key(text: object) -> str:
    """A heading or a word as compared: lower case, '&' as 'and', punctuation and spacing collapsed."""
    # camelCase and snake_case as words: "riskId" and "risk_id" are "risk id".
    value = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(text or "")).replace("&", " and ").replace("’", "'").lower()
    value = re.sub(r"[^a-z0-9#%+]+", " ", value)
    return " ".join(value.split())


FIELDS: tuple[Field, ...] = (
    Field("ref", "Reference", ("ref", "reference", "ref no", "risk ref", "risk reference", "risk id", "id",
                               "risk no", "risk number", "risk #", "no", "#", "number", "ref #", "risk code")),
    Field("title", "Risk title", ("title", "risk title", "risk name", "name", "short title", "risk summary",
                                  "summary", "headline", "risk headline", "short name", "risk", "scenario",
                                  "risk scenario", "scenario title", "hazard", "hazard title", "threat",
                                  "risk item", "item", "raid item", "risk or issue", "principal risk",
                                  "key risk", "strategic risk")),
    Field("cause", "Cause (because of…)", ("cause", "causes", "because of", "risk cause", "root cause",
                                           "root causes", "source", "source of risk", "trigger", "triggers",
                                           "drivers", "risk drivers", "due to", "threat source",
                                           "threat sources", "risk source", "vulnerability")),
    Field("event", "Risk event (there is a risk that…)", (
        "event", "risk event", "there is a risk that", "risk description", "description", "risk statement",
        "description of risk", "risk details", "details", "the risk", "risk detail",
        "hazard description", "scenario description", "description of hazard", "threat description",
        "item description", "risk or issue description")),
    Field("consequence", "Consequence (which would lead to…)", (
        "consequence", "consequences", "effect", "effects", "which would lead to", "leading to",
        "resulting in", "impact description", "potential impact", "potential consequences", "risk effect")),
    Field("category", "Category", ("category", "risk category", "type", "risk type", "theme", "risk theme",
                                   "orange book category", "risk area", "category of risk")),
    Field("objective", "Strategic objective", ("objective", "objectives", "strategic objective",
                                               "strategic objectives", "strategic aim", "aim", "strategic priority",
                                               "corporate objective", "business objective", "linked objective")),
    Field("owner", "Risk owner (name or e-mail)", (
        "owner", "risk owner", "sro", "senior responsible owner", "responsible officer", "risk lead", "lead",
        "accountable officer", "accountable", "responsible", "owned by", "owner name", "risk manager",
        "responsible owner", "lead officer", "executive lead", "lead executive", "lead director",
        "executive owner", "assignee", "assigned to", "director", "accountable director", "who")),
    Field("owner_email", "Risk owner's e-mail", ("owner e mail", "owner email", "risk owner e mail",
                                                 "risk owner email", "owner's e mail", "owner s e mail")),
    Field("influence", "Local influence", ("influence", "local influence", "degree of influence",
                                           "degree of local influence", "level of influence", "influence level",
                                           "control over risk", "ability to influence")),
    Field("inherent_l", "Inherent likelihood"),
    Field("inherent_i", "Inherent impact"),
    Field("residual_l", "Residual likelihood"),
    Field("residual_i", "Residual impact"),
    Field("target_l", "Target likelihood"),
    Field("target_i", "Target impact"),
    Field("status", "Status (open or closed)", ("status", "risk status", "open closed", "open or closed",
                                                "state", "live closed")),
    Field("closed_reason", "Why it was closed", ("closed reason", "closure reason", "reason closed",
                                                 "reason for closure", "why closed")),
    Field("restricted", "Restricted (yes or no)", ("restricted", "sensitive", "restricted risk",
                                                   "confidential")),
    Field("review_frequency_days", "Review frequency (days)", ("review frequency days", "review frequency",
                                                               "review cycle", "frequency of review",
                                                               "review interval")),
    Field("next_review_on", "Next review date", (
        "next review", "review date", "next review date", "next review on", "date of next review", "review by",
        "review due",
        "due for review", "next review due", "review due date", "date for review", "review")),
    Field("last_reviewed_on", "Date last reviewed", (
        "last reviewed", "last review", "last review date", "date last reviewed", "date reviewed",
        "reviewed on", "last updated", "date of last review", "last reviewed on")),
    Field("controls", "Existing controls (in place)", (
        "controls", "existing controls", "current controls", "controls in place", "key controls", "control",
        "mitigations", "mitigation", "existing mitigations", "current mitigations", "countermeasures",
        "existing countermeasures", "mitigating controls", "internal controls", "what are we doing",
        "controls and mitigations", "existing controls and mitigations", "security measures", "measures",
        "existing measures", "safeguards", "what we do about it", "what are we doing about it",
        "current mitigation", "completed remediations"), many=True),
    Field("actions", "Planned actions", (
        "actions", "further actions", "planned actions", "additional controls", "further controls",
        "further mitigations", "planned mitigations", "additional actions", "action plan", "actions planned",
        "mitigating actions", "next steps", "treatment", "treatment plan", "further action required",
        "further actions required", "what more should we do", "actions required", "planned controls",
        "further action", "response", "risk response", "response plan", "responses", "remediation",
        "remediation plan", "planned remediation", "planned remediations"),
        many=True),
    Field("reviews", "Review history (riskreg files)", ("reviews", "review history")),
    Field("action_due_on", "Due date of the planned actions", (
        "action due date", "due date", "target date", "by when", "action date", "completion date",
        "action deadline", "deadline", "date due", "due", "due by")),
    Field(IGNORE, "Do not import", (
        "score", "risk score", "rating", "risk rating", "rag", "rag status", "total", "l x i", "lxi", "l*i",
        "overall score", "overall rating", "priority score", "inherent score", "residual score",
        "target score", "current score", "net score", "gross score", "inherent risk score",
        "residual risk score", "target risk score", "register", "direction of travel", "trend",
        "movement", "comments", "notes", "appetite", "risk appetite", "proximity", "date raised",
        "date identified", "date added", "row", "line", "priority", "gaps in control", "gaps in controls",
        "gaps in assurance", "sources of assurance", "assurance", "raised by", "reporter", "created", "updated",
        "issue type", "type of item", "item type", "overall", "portfolio", "directorate", "response owner",
        "action owner", "threat level")),
)  # fmt: skip

FIELD_BY_KEY = {field.key: field for field in FIELDS}
# Identifier and name headings as people and tools write them: "Hazard ID", "risk_id", "IssueName".
ENTITY_WORDS = frozenset({"risk", "hazard", "issue", "item", "raid", "threat", "scenario", "entry", "record",
                          "finding", "opportunity", "log", "register", "poam", "weakness", "vulnerability"})
ID_WORDS = frozenset({"id", "ref", "reference", "no", "number", "code", "key", "identifier", "#", "uid", "num"})
NAME_WORDS = frozenset({"name", "title", "summary", "headline", "label"})
# "Hazard status", "Issue owner": the entity's field.
ENTITY_FIELD_WORDS = {"status": "status", "owner": "owner", "description": "event", "cause": "cause",
                      "category": "category", "type": "category"}
SCORE_FIELDS = ("inherent_l", "inherent_i", "residual_l", "residual_i", "target_l", "target_i")
TEXT_FIELDS = ("title", "cause", "event", "consequence", "closed_reason")
DATE_FIELDS = ("next_review_on", "last_reviewed_on", "action_due_on")
DIMENSIONS = {
    "likelihood": ("inherent_l", "residual_l", "target_l"),
    "impact": ("inherent_i", "residual_i", "target_i"),
}

# Words that make a heading a score column, and which score.
STAGE_WORDS = {
    "inherent": ("inherent", "gross", "raw", "untreated", "original", "pre", "before", "unmitigated",
                 "uncontrolled", "initial"),
    "residual": ("residual", "current", "net", "post", "after", "mitigated", "controlled", "revised",
                 "present", "now", "treated"),
    "target": ("target", "tolerable", "desired", "future", "acceptable", "goal", "aim", "planned"),
}  # fmt: skip
DIMENSION_WORDS = {
    "likelihood": ("likelihood", "l", "probability", "p", "prob", "proba", "chance", "likelyhood", "likeliness",
                   "frequency", "occurrence", "probabilities"),
    "impact": ("impact", "i", "severity", "s", "consequence", "c", "seriousness", "effect", "magnitude"),
}  # fmt: skip
SCORE_FILLER_WORDS = ("risk", "rating", "level", "score", "scores", "rated", "value", "rank", "ranking",
                      "points", "assessment", "occurring", "%", "percent", "percentage", "pct",
                      "1", "3", "4", "5", "10", "to", "of",
                      "out", "scale", "on", "a", "the", "custom", "field")


@dataclass(frozen=True)
class ExportColumn:
    header: str
    field: str  # an import field, or IGNORE for columns the importer does not read back
    width: int


RISK_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("Reference", "ref", 11),
    ExportColumn("Register", IGNORE, 10),
    ExportColumn("Title", "title", 40),
    ExportColumn("Cause", "cause", 50),
    ExportColumn("Risk event", "event", 50),
    ExportColumn("Consequence", "consequence", 50),
    ExportColumn("Category", "category", 20),
    ExportColumn("Strategic objective", "objective", 16),
    ExportColumn("Owner", "owner", 22),
    ExportColumn("Owner e-mail", "owner_email", 28),
    ExportColumn("Local influence", "influence", 12),
    ExportColumn("Inherent likelihood", "inherent_l", 11),
    ExportColumn("Inherent impact", "inherent_i", 11),
    ExportColumn("Residual likelihood", "residual_l", 11),
    ExportColumn("Residual impact", "residual_i", 11),
    ExportColumn("Target likelihood", "target_l", 11),
    ExportColumn("Target impact", "target_i", 11),
    ExportColumn("Status", "status", 9),
    ExportColumn("Closed reason", "closed_reason", 30),
    ExportColumn("Restricted", "restricted", 10),
    ExportColumn("Review frequency (days)", "review_frequency_days", 11),
    ExportColumn("Next review", "next_review_on", 12),
    ExportColumn("Last reviewed", "last_reviewed_on", 12),
)
# A CSV holds one table, so countermeasures travel as lists in two cells (their titles).
CSV_EXTRA_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("Controls", "controls", 50),
    ExportColumn("Actions", "actions", 50),
)
COUNTERMEASURE_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("Risk reference", "ref", 11),
    ExportColumn("Title", "title", 40),
    ExportColumn("Description", "description", 50),
    ExportColumn("Kind", "kind", 12),
    ExportColumn("Status", "status", 10),
    ExportColumn("Owner", "owner", 22),
    ExportColumn("Owner e-mail", "owner_email", 28),
    ExportColumn("Due", "due_on", 12),
    ExportColumn("Put in place", "implemented_on", 12),
)
REVIEW_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("Risk reference", "ref", 11),
    ExportColumn("Reviewed on", "reviewed_on", 12),
    ExportColumn("Reviewer", "reviewer", 22),
    ExportColumn("Reviewer e-mail", "reviewer_email", 28),
    ExportColumn("Residual likelihood", "residual_l", 11),
    ExportColumn("Residual impact", "residual_i", 11),
    ExportColumn("Commentary", "commentary", 60),
    ExportColumn("Outcome", "outcome", 20),
)
SHEET_RISKS, SHEET_COUNTERMEASURES, SHEET_REVIEWS = "Risks", "Countermeasures", "Reviews"
