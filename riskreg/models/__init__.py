"""Typed models. Derived properties only: every query lives in riskreg.services."""

from riskreg.models.account import PasswordReset, RecoveryCode
from riskreg.models.assurance import ControlTest, Evidence, EvidenceBlob, control_test_evidence
from riskreg.models.audit import AuditEvent
from riskreg.models.certificate import (
    Assertion,
    Certificate,
    CertificateIssue,
    CertificateSection,
    CertificateTemplate,
    TemplateAssertion,
    TemplateSection,
    assertion_countermeasure,
)
from riskreg.models.committee import CommitteeAction
from riskreg.models.figures import ContributorFigure, RegisterFigure
from riskreg.models.flag import DismissedPair, Flag, FlagComment, RegisterHealth
from riskreg.models.importing import ImportUpload
from riskreg.models.job import Job
from riskreg.models.link import Comment, RiskLink
from riskreg.models.measure import Measure, MeasureValue, measure_risk
from riskreg.models.org import Register, RoleAssignment, Unit, User
from riskreg.models.qpr import PartnerEvidence, QprAction
from riskreg.models.recommendation import (
    Recommendation,
    SourceReport,
    recommendation_countermeasure,
    recommendation_evidence,
    recommendation_risk,
)
from riskreg.models.reliance import Contradiction, LinkChallenge
from riskreg.models.reminder import ReminderOutbox
from riskreg.models.risk import Countermeasure, Review, Risk
from riskreg.models.scoring import AppetiteSetting, CadenceSetting, UnitAppetite
from riskreg.models.signer import SignerCertificate
from riskreg.models.similarity import RiskEmbedding, RiskEmbeddingVersion
from riskreg.models.token import ApiToken
from riskreg.models.vocabulary import RiskCategory, StrategicObjective

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Comment",
    "ControlTest",
    "ContributorFigure",
    "Countermeasure",
    "DismissedPair",
    "Evidence",
    "EvidenceBlob",
    "Flag",
    "FlagComment",
    "ImportUpload",
    "Register",
    "RegisterFigure",
    "RegisterHealth",
    "ReminderOutbox",
    "Review",
    "Risk",
    "RiskEmbedding",
    "RiskEmbeddingVersion",
    "RiskLink",
    "RoleAssignment",
    "Unit",
    "User",
    "control_test_evidence",
]
__all__ += ["Assertion", "Certificate", "CertificateSection", "CertificateTemplate", "TemplateAssertion"]
__all__ += ["TemplateSection", "assertion_countermeasure"]
__all__ += ["Contradiction", "LinkChallenge"]
__all__ += ["PasswordReset", "RecoveryCode"]
__all__ += ["AppetiteSetting", "CadenceSetting", "UnitAppetite"]
__all__ += ["Measure", "MeasureValue", "PartnerEvidence", "QprAction", "measure_risk"]
__all__ += ["SignerCertificate"]
__all__ += ["Recommendation", "SourceReport", "recommendation_countermeasure", "recommendation_evidence"]
__all__ += ["recommendation_risk"]
__all__ += ["CommitteeAction"]
__all__ += ["Job"]
__all__ += ["CertificateIssue"]
__all__ += ["RiskCategory", "StrategicObjective"]
