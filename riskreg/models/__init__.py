"""Typed models. Derived properties only: every query lives in riskreg.services."""

from riskreg.models.assurance import ControlTest, Evidence, EvidenceBlob, control_test_evidence
from riskreg.models.audit import AuditEvent
from riskreg.models.importing import ImportUpload
from riskreg.models.link import Comment, RiskLink
from riskreg.models.org import Register, RoleAssignment, Unit, User
from riskreg.models.risk import Countermeasure, Review, Risk
from riskreg.models.similarity import RiskEmbedding, RiskEmbeddingVersion

__all__ = [
    "AuditEvent", "Comment", "ControlTest", "Countermeasure", "Evidence", "EvidenceBlob", "ImportUpload",
    "Register", "Review", "Risk", "RiskEmbedding", "RiskEmbeddingVersion", "RiskLink", "RoleAssignment", "Unit",
    "User", "control_test_evidence",
]  # fmt: skip
