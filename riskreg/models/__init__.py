"""Typed models. Derived properties only: every query lives in riskreg.services."""

from riskreg.models.audit import AuditEvent
from riskreg.models.org import Register, RoleAssignment, Unit, User
from riskreg.models.risk import Countermeasure, Review, Risk
from riskreg.models.token import ApiToken

__all__ = ["ApiToken", "AuditEvent", "Countermeasure", "Register", "Review", "Risk", "RoleAssignment", "Unit", "User"]
