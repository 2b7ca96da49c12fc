"""Every enumeration riskreg stores, in one place.

Values are what the database holds and what URLs and the API use; ``label`` is
what people read. Values never change once released: add, don't rename.
"""

from enum import StrEnum


class LabelledEnum(StrEnum):
    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


class UnitKind(LabelledEnum):
    HEADQUARTERS = "headquarters"
    AREA = "area"
    DIVISION = "division"
    UNIT = "unit"


class Role(LabelledEnum):
    VIEWER = "viewer"
    RISK_MANAGER = "risk_manager"
    UNIT_HEAD = "unit_head"
    HQ_RISK = "hq_risk"
    COMMITTEE = "committee"
    AUDITOR = "auditor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            Role.HQ_RISK: "HQ risk team",
            Role.COMMITTEE: "Audit and Risk Committee",
            Role.AUDITOR: "Internal audit",
        }.get(self, super().label)


class Category(LabelledEnum):
    """The Orange Book's example risk categories."""

    STRATEGY = "strategy"
    GOVERNANCE = "governance"
    OPERATIONS = "operations"
    LEGAL = "legal"
    PROPERTY = "property"
    FINANCIAL = "financial"
    COMMERCIAL = "commercial"
    PEOPLE = "people"
    TECHNOLOGY = "technology"
    INFORMATION = "information"
    SECURITY = "security"
    PROJECT = "project"
    REPUTATIONAL = "reputational"

    @property
    def label(self) -> str:
        return "Project or programme" if self is Category.PROJECT else super().label


class Objective(LabelledEnum):
    """Strategic objectives (inspection report annex B)."""

    PEOPLE = "people"
    QUALITY = "quality"
    EFFICIENCY = "efficiency"
    DIGITISATION = "digitisation"


class Influence(LabelledEnum):
    """How far the unit itself can change the risk."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class AppetiteLevel(LabelledEnum):
    AVERSE = "averse"
    MINIMAL = "minimal"
    CAUTIOUS = "cautious"
    OPEN = "open"
    EAGER = "eager"


class Band(LabelledEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"


class RiskStatus(LabelledEnum):
    OPEN = "open"
    CLOSED = "closed"


class CountermeasureKind(LabelledEnum):
    PREVENTIVE = "preventive"
    DETECTIVE = "detective"
    CORRECTIVE = "corrective"
    DIRECTIVE = "directive"


class CountermeasureStatus(LabelledEnum):
    PLANNED = "planned"
    IN_PLACE = "in_place"
    RETIRED = "retired"


class ReviewOutcome(LabelledEnum):
    CONTINUE = "continue"
    FURTHER_ACTION = "further_action"
    ESCALATE = "escalate"
    RECOMMEND_CLOSURE = "recommend_closure"

    @property
    def label(self) -> str:
        return {
            ReviewOutcome.CONTINUE: "Continue to monitor",
            ReviewOutcome.FURTHER_ACTION: "Further action needed",
            ReviewOutcome.ESCALATE: "Escalate",
            ReviewOutcome.RECOMMEND_CLOSURE: "Recommend closure",
        }[self]


LIKELIHOOD_LABELS = {1: "Rare", 2: "Unlikely", 3: "Possible", 4: "Likely", 5: "Almost certain"}
IMPACT_LABELS = {1: "Minimal", 2: "Minor", 3: "Moderate", 4: "Major", 5: "Severe"}


class SimilarityStage(LabelledEnum):
    """Which stage of duplicate detection found a pair (DESIGN rule 4.6)."""

    LEXICAL = "lexical"  # near-verbatim: the same characters
    SEMANTIC = "semantic"  # the same meaning in other words

    @property
    def label(self) -> str:
        return {SimilarityStage.LEXICAL: "Near-verbatim wording", SimilarityStage.SEMANTIC: "Similar meaning"}[self]
