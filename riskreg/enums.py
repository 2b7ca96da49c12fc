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


class LinkKind(LabelledEnum):
    """How one risk relates to a risk in another register."""

    CONTRIBUTES_TO = "contributes_to"  # informs a risk in a register higher up the unit tree
    DUPLICATES = "duplicates"  # confirmed to be the same risk
    RELATED = "related"

    @property
    def symmetric(self) -> bool:
        """Whether A→B and B→A say the same thing."""
        return self is not LinkKind.CONTRIBUTES_TO


class DivergenceKind(LabelledEnum):
    """Ways a contributing risk and the risk it informs disagree (DESIGN capability 4)."""

    SCORED_ABOVE_PARENT = "scored_above_parent"
    PARENT_CLOSED = "parent_closed"
    ABOVE_APPETITE_PARENT_WITHIN = "above_appetite_parent_within"

    @property
    def label(self) -> str:
        return {
            DivergenceKind.SCORED_ABOVE_PARENT: "Scored above the risk it informs",
            DivergenceKind.PARENT_CLOSED: "Informs a closed risk",
            DivergenceKind.ABOVE_APPETITE_PARENT_WITHIN: "Above appetite while the risk it informs is within",
        }[self]


class AssuranceLine(LabelledEnum):
    """Who gave assurance on a control: the three lines of defence, and external assurance.

    External assurance (the inspectorate, the National Audit Office, external
    audit) is not a "4th line" (inspection report 3.2): it stands outside the
    organisation. Its stored value stays "4"; values never change.
    """

    FIRST = "1"
    SECOND = "2"
    THIRD = "3"
    FOURTH = "4"

    EXTERNAL = FOURTH  # the name that says what it is

    @property
    def number(self) -> int:
        return int(self.value)

    @property
    def short_label(self) -> str:
        return {"1": "1st line", "2": "2nd line", "3": "3rd line", "4": "external"}[self.value]

    @property
    def who(self) -> str:
        """Who tests at this line: "Internal audit"."""
        return {"1": "Management", "2": "HQ oversight", "3": "Internal audit", "4": "External assurance"}[self.value]

    @property
    def tester(self) -> str:
        """As the end of "tested effective by ...": "internal audit (3rd line)"."""
        if self is AssuranceLine.FOURTH:
            return "external assurance (inspectorate, NAO or external audit)"
        who = self.who if self is AssuranceLine.SECOND else self.who.lower()
        return f"{who} ({self.short_label})"

    @property
    def label(self) -> str:
        return {
            "1": "1st line: management self-assessment",
            "2": "2nd line: HQ risk team oversight and compliance",
            "3": "3rd line: internal audit",
            "4": "External: inspectorate, National Audit Office or external audit",
        }[self.value]

    @property
    def is_independent(self) -> bool:
        return self is not AssuranceLine.FIRST


class ControlTestMethod(LabelledEnum):
    """How a control was tested. Values are stored: the older ones stay, newer ones are added."""

    INQUIRY = "inquiry"
    OBSERVATION = "observation"
    INSPECTION = "inspection"
    SAMPLE_TEST = "sample_test"
    REPERFORMANCE = "reperformance"
    DATA_ANALYSIS = "data_analysis"
    WALKTHROUGH = "walkthrough"

    @property
    def label(self) -> str:
        return {
            ControlTestMethod.INQUIRY: "Inquiry (asking the people who run the control)",
            ControlTestMethod.OBSERVATION: "Observation",
            ControlTestMethod.INSPECTION: "Inspection of records",
            ControlTestMethod.SAMPLE_TEST: "Sample test of records",
            ControlTestMethod.REPERFORMANCE: "Re-performance",
            ControlTestMethod.DATA_ANALYSIS: "Data analytics",
            ControlTestMethod.WALKTHROUGH: "Walkthrough (tests design only)",
        }[self]


class TestNature(LabelledEnum):
    """Whether a test shows the control is well designed, or that it operated over a period."""

    __test__ = False  # not a pytest class, despite its name

    DESIGN = "design"
    OPERATING = "operating"

    @property
    def label(self) -> str:
        return {TestNature.DESIGN: "Design", TestNature.OPERATING: "Operating effectiveness"}[self]


class ControlFrequency(LabelledEnum):
    """How often a control operates: it decides the minimum sample a test needs (DESIGN rule 4.5)."""

    ANNUAL = "annual"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"
    WEEKLY = "weekly"
    DAILY = "daily"
    MANY_TIMES_A_DAY = "many_times_a_day"


class Conclusion(LabelledEnum):
    """What a control test concluded about the control."""

    EFFECTIVE = "effective"
    PARTIALLY_EFFECTIVE = "partially_effective"
    INEFFECTIVE = "ineffective"


class ContradictionKind(LabelledEnum):
    """What happened after signing that contradicts an assertion signed as assured."""

    INEFFECTIVE_TEST = "ineffective_test"
    ABOVE_APPETITE = "above_appetite"
    INCIDENT = "incident"

    @property
    def label(self) -> str:
        return {
            ContradictionKind.INEFFECTIVE_TEST: "Relied-on control tested ineffective",
            ContradictionKind.ABOVE_APPETITE: "Relied-on risk rescored above appetite",
            ContradictionKind.INCIDENT: "Incident recorded on a relied-on risk",
        }[self]


class EvidenceKind(LabelledEnum):
    FILE = "file"
    LINK = "link"
    REFERENCE = "reference"


class EvidenceStrength(LabelledEnum):
    """How well a countermeasure's effectiveness is evidenced (DESIGN rule 4.5), strongest first."""

    STRONG = "strong"
    MODERATE = "moderate"
    LIMITED = "limited"
    WEAK = "weak"
    NONE = "none"

    @property
    def rank(self) -> int:
        """Higher is stronger: none 0 ... strong 4."""
        return len(EvidenceStrength) - 1 - list(EvidenceStrength).index(self)


class SimilarityStage(LabelledEnum):
    """Which stage of duplicate detection found a pair (DESIGN rule 4.6)."""

    LEXICAL = "lexical"  # near-verbatim: the same characters
    SEMANTIC = "semantic"  # the same meaning in other words

    @property
    def label(self) -> str:
        return {SimilarityStage.LEXICAL: "Near-verbatim wording", SimilarityStage.SEMANTIC: "Similar meaning"}[self]


class FlagKind(LabelledEnum):
    """What an HQ quality flag says about a risk (DESIGN capability 7)."""

    POSSIBLE_DUPLICATE = "possible_duplicate"  # a pair of risks in registers at the same level
    REPEATS_HIGHER = "repeats_higher"  # a pair: a risk restating one in a register above it, not linked
    REVIEW_OVERDUE = "review_overdue"
    STAGNANT_SCORE = "stagnant_score"
    NO_COUNTERMEASURES = "no_countermeasures"
    UNCLEAR_DESCRIPTION = "unclear_description"
    NOT_LINKED_UPWARDS = "not_linked_upwards"
    CONTROL_UNTESTED = "control_untested"
    ACTION_OVERDUE = "action_overdue"
    LINK_DIVERGENCE = "link_divergence"
    INCOMPLETE = "incomplete"
    MEASURE_BREACH = "measure_breach"  # a measure informing the risk is outside tolerance, not yet reviewed
    RECOMMENDATION_OVERDUE = "recommendation_overdue"  # an accepted recommendation about the risk is past due

    @property
    def label(self) -> str:
        return {
            FlagKind.POSSIBLE_DUPLICATE: "Possible duplicate",
            FlagKind.REPEATS_HIGHER: "Repeats a higher-level risk",
            FlagKind.REVIEW_OVERDUE: "Review overdue",
            FlagKind.STAGNANT_SCORE: "Score unchanged above appetite",
            FlagKind.NO_COUNTERMEASURES: "No countermeasures",
            FlagKind.UNCLEAR_DESCRIPTION: "Unclear description",
            FlagKind.NOT_LINKED_UPWARDS: "Low influence, not linked upwards",
            FlagKind.CONTROL_UNTESTED: "Control untested",
            FlagKind.ACTION_OVERDUE: "Action overdue",
            FlagKind.LINK_DIVERGENCE: "Link divergence",
            FlagKind.INCOMPLETE: "Incomplete (not yet set)",
            FlagKind.MEASURE_BREACH: "Measure outside tolerance",
            FlagKind.RECOMMENDATION_OVERDUE: "Recommendation overdue",
        }[self]

    @property
    def is_pair(self) -> bool:
        """About two risks (``Flag.other_risk``): resolved by linking them, dismissed pairs are remembered."""
        return self in (FlagKind.POSSIBLE_DUPLICATE, FlagKind.REPEATS_HIGHER)


class FlagStatus(LabelledEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"

    @property
    def is_live(self) -> bool:
        """Still waiting for a decision: open or acknowledged."""
        return self in (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)


class FlagResolution(LabelledEnum):
    """How a flag was closed."""

    LINKED = "linked"  # the pair was linked (any kind, by any route)
    DUPLICATE_CLOSED = "duplicate_closed"  # marked as duplicates and one of the two closed
    NOT_DUPLICATE = "not_duplicate"  # dismissed: the pair is remembered and never raised again
    DISMISSED = "dismissed"  # not a problem, with a reason
    FIXED = "fixed"  # resolved by the HQ risk team
    CLEARED = "cleared"  # a scan found the condition no longer holds

    @property
    def label(self) -> str:
        return {
            FlagResolution.LINKED: "The two risks were linked",
            FlagResolution.DUPLICATE_CLOSED: "Marked as duplicate, one risk closed",
            FlagResolution.NOT_DUPLICATE: "Not a duplicate",
            FlagResolution.DISMISSED: "Dismissed",
            FlagResolution.FIXED: "Resolved",
            FlagResolution.CLEARED: "Cleared: the condition no longer holds",
        }[self]


class ReminderKind(LabelledEnum):
    """What an e-mail reminder is about; at most one of each kind per person per day."""

    DUE_DIGEST = "due_digest"  # reviews and actions due within 14 days or overdue
    CERTIFICATES = "certificates"  # certificates awaiting the unit head's signature
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a kind of e-mail: a reset link, sent at once (services/accounts)


class CertificateStatus(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SIGNED = "signed"
    VALIDATED = "validated"
    CHALLENGED = "challenged"
    SUPERSEDED = "superseded"


class Declaration(LabelledEnum):
    ASSURED = "assured"
    ASSURED_WITH_EXCEPTIONS = "assured_with_exceptions"
    NOT_ASSURED = "not_assured"


class ValidationOutcome(LabelledEnum):
    """Internal audit's conclusion on a signed certificate (kept when a correction supersedes it)."""

    VALIDATED = "validated"
    CHALLENGED = "challenged"


class MeasureDirection(LabelledEnum):
    """Which way a measure gets better (issue 19)."""

    HIGHER_IS_BETTER = "higher_is_better"
    HIGHER_IS_WORSE = "higher_is_worse"


class MeasureFrequency(LabelledEnum):
    """How often a measure has a value: one per calendar month, or one per quarter of the financial year."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class Rating(LabelledEnum):
    """A measure's value against its tolerance: green within it, amber near its edge, red outside it."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"

    @property
    def label(self) -> str:
        return {
            Rating.GREEN: "Green: within tolerance",
            Rating.AMBER: "Amber: near the limit",
            Rating.RED: "Red: outside tolerance",
        }[self]


class MeasureVerdict(LabelledEnum):
    """What a measure a certificate assertion cites says of the certificate's year (riskreg.rules.measure_evidence),
    best first."""

    SUPPORTS = "supports"  # a value for every period, each within tolerance
    INCOMPLETE = "incomplete"  # within tolerance where measured, but periods without a value
    UNMEASURED = "unmeasured"  # no value for any period of the year
    CONTRADICTS = "contradicts"  # outside tolerance (red) in at least one period

    @property
    def label(self) -> str:
        return {
            MeasureVerdict.SUPPORTS: "Supports: within tolerance all year",
            MeasureVerdict.INCOMPLETE: "Incomplete: periods not measured",
            MeasureVerdict.UNMEASURED: "Not measured in the year",
            MeasureVerdict.CONTRADICTS: "Contradicts: outside tolerance",
        }[self]

    @property
    def rank(self) -> int:
        """Higher is better: contradicts 0 ... supports 3."""
        return len(MeasureVerdict) - 1 - list(MeasureVerdict).index(self)


class QprActionStatus(LabelledEnum):
    """An action agreed at a quarterly performance review: open until its exit criterion is met."""

    OPEN = "open"
    CLOSED = "closed"


class RecommendationSource(LabelledEnum):
    """Who made a recommendation (DESIGN capability 15): bodies outside the organisation, and internal audit."""

    INSPECTORATE = "inspectorate"
    NAO = "nao"
    INTERNAL_AUDIT = "internal_audit"

    @property
    def label(self) -> str:
        return {
            RecommendationSource.INSPECTORATE: "Inspectorate (HMCPSI)",
            RecommendationSource.NAO: "National Audit Office",
            RecommendationSource.INTERNAL_AUDIT: "Internal audit",
        }[self]


class RecommendationStatus(LabelledEnum):
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    NOT_ACCEPTED = "not_accepted"

    @property
    def is_open(self) -> bool:
        """Accepted and not yet implemented: it has a due date to meet."""
        return self in (RecommendationStatus.ACCEPTED, RecommendationStatus.IN_PROGRESS)


class CommitteeActionStatus(LabelledEnum):
    """A request the Audit and Risk Committee made at a meeting: carried from meeting to meeting while open."""

    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class JobStatus(LabelledEnum):
    """Where a background job is (riskreg/jobs): waiting for a worker, running, finished, or stopped by an error."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Opinion(LabelledEnum):
    """An overall opinion on the internal-audit scale, strongest first (the head's certificate, issue 15)."""

    SUBSTANTIAL = "substantial"
    REASONABLE = "reasonable"
    LIMITED = "limited"
    NO_ASSURANCE = "no_assurance"

    @property
    def rank(self) -> int:
        """Higher is stronger: no assurance 0 ... substantial 3."""
        return len(Opinion) - 1 - list(Opinion).index(self)

    @property
    def phrase(self) -> str:
        """ "Substantial assurance", "No assurance"."""
        return self.label if self is Opinion.NO_ASSURANCE else f"{self.label} assurance"
