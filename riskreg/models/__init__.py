"""Typed models. Derived properties only: every query lives in riskreg.services."""

from riskreg.models.audit import AuditEvent
from riskreg.models.importing import ImportUpload
from riskreg.models.org import Register, RoleAssignment, Unit, User
from riskreg.models.risk import Countermeasure, Review, Risk

__all__ = ["AuditEvent", "Countermeasure", "Register", "Review", "Risk", "RoleAssignment", "Unit", "User"]
__all__ += ["ImportUpload"]
