"""Who may do what: the one place riskreg answers that question.

Routes, templates and the API all ask ``can()``; nothing else decides access.
A role held at a unit applies to the unit's whole subtree (DESIGN §5).
"""

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from werkzeug.exceptions import Forbidden, NotFound

from riskreg.enums import AssuranceLine, Role
from riskreg.models import (
    Certificate,
    ControlTest,
    Countermeasure,
    Evidence,
    Flag,
    Job,
    Measure,
    QprAction,
    Recommendation,
    Register,
    Risk,
    RiskLink,
    Unit,
    User,
)

# Roles that can read every register, including restricted risks, wherever they are held.
READ_EVERYTHING = frozenset({Role.HQ_RISK, Role.COMMITTEE, Role.AUDITOR, Role.ADMIN})
ADMINS = frozenset({Role.ADMIN})
EDITORS = frozenset({Role.RISK_MANAGER, Role.UNIT_HEAD})
# The Audit and Risk Committee's view and pack (DESIGN §5), and who may comment on risks there.
COMMITTEE_READERS = frozenset({Role.COMMITTEE, Role.HQ_RISK, Role.AUDITOR})
COMMENTERS = frozenset({Role.COMMITTEE, Role.HQ_RISK})


class Action(StrEnum):
    READ_REGISTER = "read_register"
    READ_RISK = "read_risk"
    READ_RESTRICTED = "read_restricted"  # see a register's restricted risks
    EDIT_REGISTER = "edit_register"  # create and edit risks, countermeasures, reviews
    RECORD_REVIEW = "record_review"  # target: a Risk; its register's editors and its owner, whatever their role
    UPDATE_COUNTERMEASURE = "update_countermeasure"  # status, progress and due date; target: a Countermeasure
    VIEW_AUDIT_TRAIL = "view_audit_trail"
    ADMINISTER = "administer"
    LINK_RISKS = "link_risks"  # target: the risk the link starts from
    REMOVE_LINK = "remove_link"  # target: the RiskLink
    ESCALATE = "escalate"  # create a corporate risk from a local one; target: the corporate register
    CASCADE = "cascade"  # create a local instance of a risk; target: the register it goes into, or the risk
    VIEW_COMMITTEE = "view_committee"
    COMMENT = "comment"  # target: the risk
    READ_COMMENTS = "read_comments"  # target: the risk
    RECORD_CONTROL_TEST = "record_control_test"  # target: a Risk; some line of assurance (see assurance_lines)
    ADD_EVIDENCE = "add_evidence"  # target: a ControlTest
    DELETE_EVIDENCE = "delete_evidence"  # target: an Evidence item
    READ_EVIDENCE = "read_evidence"  # target: an Evidence item (download it)
    VIEW_FLAGS = "view_flags"  # HQ's ranked queue of flags and the register health table
    MANAGE_FLAGS = "manage_flags"  # raise, acknowledge, resolve and dismiss flags, run scans; target: a Flag or none
    READ_FLAG = "read_flag"  # target: a Flag
    REPLY_FLAG = "reply_flag"  # comment on a flag: HQ's feedback, the owners' replies; target: a Flag
    READ_CERTIFICATE = "read_certificate"  # target: a Certificate, or a Unit (its certificates)
    PREPARE_CERTIFICATE = "prepare_certificate"  # target: a Unit or a Certificate (draft, submit, withdraw, correct)
    SIGN_CERTIFICATE = "sign_certificate"  # target: a Certificate
    VALIDATE_CERTIFICATE = "validate_certificate"  # target: a Certificate
    VIEW_CERTIFICATE_ROLLUP = "view_certificate_rollup"
    CHALLENGE_LINK = "challenge_link"  # target: a Certificate (one of its assertion <-> countermeasure links)
    ANSWER_CHALLENGE = "answer_challenge"  # target: a Certificate
    MANAGE_MEASURES = "manage_measures"  # define measures and record their values; target: a Unit or a Measure
    READ_QPR = "read_qpr"  # a unit's quarterly performance review pack; target: a Unit
    MANAGE_QPR_ACTIONS = "manage_qpr_actions"  # record and close actions agreed at a QPR; target: a Unit or QprAction
    READ_RECOMMENDATIONS = "read_recommendations"  # the tracker, one recommendation and its evidence
    MANAGE_RECOMMENDATIONS = "manage_recommendations"  # record and edit recommendations; target: one or none
    UPDATE_RECOMMENDATION = "update_recommendation"  # its status and evidence; target: a Recommendation
    MANAGE_COMMITTEE_ACTIONS = "manage_committee_actions"  # raise, change and close the committee's actions
    READ_JOB = "read_job"  # a background job's page and result; target: a Job


def roles_at(user: User, unit: Unit) -> set[Role]:
    """The roles that apply to ``unit`` because they are held there or above it."""
    return {assignment.role for assignment in user.roles if unit.is_within(assignment.unit)}


def holds_anywhere(user: User, roles: frozenset[Role]) -> bool:
    return any(assignment.role in roles for assignment in user.roles)


def _is_member(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _can_read_risk(user: User, risk: Risk) -> bool:
    return not risk.restricted or can(user, Action.READ_RESTRICTED, risk.register)


def _can_edit_register(user: User, register: Register) -> bool:
    return bool(roles_at(user, register.unit) & EDITORS)


def can(user: Any, action: Action, target: Any = None) -> bool:
    """The answer in ``RULES`` (at the end of this module) for a signed-in, active member; no for anyone else."""
    return _is_member(user) and RULES[action](user, target)


def _can_read_restricted(user: User, register: Register) -> bool:
    return reads_restricted_at(user, register.unit.path)


def reads_restricted_at(user: User, unit_path: str) -> bool:
    """READ_RESTRICTED for the register of the unit at ``unit_path``, for pages that list many registers as plain
    rows (the registers index) rather than objects."""
    return restricted_reader(user)(unit_path)


def restricted_reader(user: Any) -> Callable[[str], bool]:
    """``reads_restricted_at`` for one user and many units: where the user may read is worked out once, then each
    unit path is one test (the registers index asks it of every register)."""
    under = restricted_readable_under(user)
    if under is None:
        return lambda _unit_path: True
    paths = tuple(unit.path for unit in under)
    return lambda unit_path: unit_path.startswith(paths)


def restricted_readable_under(user: Any) -> list[Unit] | None:
    """Where ``user`` may read restricted risks (Action.READ_RESTRICTED): None for every register (a role that
    reads everything), else the units at and below which they may (a role there or above; none for anyone who may
    not sign in). Queries use it as it is (search, issue 17); ``reads_restricted_at`` asks it of one unit."""
    if not _is_member(user):
        return []
    if holds_anywhere(user, READ_EVERYTHING):
        return None
    return [assignment.unit for assignment in user.roles]


def _can_edit(user: User, target: Risk | Register) -> bool:
    return _can_edit_register(user, target.register if isinstance(target, Risk) else target)


# Owners act on what they own (issue 17): a risk's owner records its reviews and a countermeasure's owner
# reports its progress, whatever role they hold at the unit (often "viewer": the business manager who owns it).
def _can_record_review(user: User, risk: Risk) -> bool:
    return _can_read_risk(user, risk) and (risk.owner_id == user.id or _can_edit(user, risk))


def _can_update_countermeasure(user: User, countermeasure: Countermeasure) -> bool:
    risk = countermeasure.risk
    return _can_read_risk(user, risk) and (countermeasure.owner_id == user.id or _can_edit(user, risk))


def _is_hq_risk(user: User) -> bool:
    return holds_anywhere(user, frozenset({Role.HQ_RISK}))


def _can_link(user: User, risk: Risk) -> bool:
    return _can_read_risk(user, risk) and (_can_edit_register(user, risk.register) or _is_hq_risk(user))


def _can_remove_link(user: User, link: RiskLink) -> bool:
    """Either end's editors may remove a link (the corporate risk's owners may disown a contributor)."""
    ends = (link.from_risk, link.to_risk)
    if not all(_can_read_risk(user, risk) for risk in ends):
        return False
    return _is_hq_risk(user) or any(_can_edit_register(user, risk.register) for risk in ends)


def _can_cascade(user: User, target: Risk | Register) -> bool:
    """Into a register: its editors or HQ risk. A risk: anyone who may cascade into some register below it."""
    if _is_hq_risk(user):
        return True
    if isinstance(target, Register):
        return _can_edit_register(user, target)
    unit = target.register.unit
    return any(
        assignment.role in EDITORS and (assignment.unit.is_within(unit) or unit.is_within(assignment.unit))
        for assignment in user.roles
    )


def _can_read_comments(user: User, risk: Risk) -> bool:
    """Comments are for the risk's owners (its owner and its register's editors) and the committee roles."""
    if not _can_read_risk(user, risk):
        return False
    return (
        risk.owner_id == user.id or _can_edit_register(user, risk.register) or holds_anywhere(user, COMMITTEE_READERS)
    )


def authorize(user: Any, action: Action, target: Any = None) -> None:
    """Raise 404 when the user may not know the target exists, 403 when they may see it but not act."""
    if isinstance(target, Risk) and not can(user, Action.READ_RISK, target):
        raise NotFound()
    if isinstance(target, Flag) and not _can_read_flag_risks(user, target):
        raise NotFound()
    if not can(user, action, target):
        raise Forbidden()


# Assurance (DESIGN §5): a unit's risk managers and unit heads assess their own controls
# (1st line); the HQ risk team records 2nd-line tests; internal audit records independent tests at any line
# beyond the first (2nd, 3rd, and external assurance's results).
INDEPENDENT_LINES = (AssuranceLine.SECOND, AssuranceLine.THIRD, AssuranceLine.FOURTH)


def assurance_lines(user: Any, risk: Risk) -> list[AssuranceLine]:
    """The lines of assurance at which ``user`` may test the countermeasures of ``risk``."""
    if not _is_member(user) or not _can_read_risk(user, risk):
        return []
    lines = [AssuranceLine.FIRST] if _can_edit_register(user, risk.register) else []
    if holds_anywhere(user, frozenset({Role.AUDITOR})):
        lines += INDEPENDENT_LINES
    elif holds_anywhere(user, frozenset({Role.HQ_RISK})):
        lines.append(AssuranceLine.SECOND)
    return lines


def _can_add_evidence(user: User, test: ControlTest) -> bool:
    return test.line in assurance_lines(user, test.countermeasure.risk)


def _can_read_evidence(user: User, evidence: Evidence) -> bool:
    """Evidence is as confidential as every risk whose tests rely on it."""
    return bool(evidence.control_tests) and all(
        _can_read_risk(user, test.countermeasure.risk) for test in evidence.control_tests
    )


def _can_delete_evidence(user: User, evidence: Evidence) -> bool:
    """Whoever could have added it to every test that relies on it."""
    return bool(evidence.control_tests) and all(_can_add_evidence(user, test) for test in evidence.control_tests)


# HQ quality flags (DESIGN §5): the HQ risk team raises, resolves and dismisses them and runs scans; the
# committee and internal audit read them; a flagged risk's owners (its owner and its register's editors)
# see the flags on their risks and reply to HQ's feedback. Nobody else sees flags.
FLAG_READERS = frozenset({Role.HQ_RISK, Role.COMMITTEE, Role.AUDITOR})


def _flag_risks(flag: Flag) -> list[Risk]:
    return [risk for risk in (flag.risk, flag.other_risk) if risk is not None]


def _can_read_flag_risks(user: User, flag: Flag) -> bool:
    return _is_member(user) and all(_can_read_risk(user, risk) for risk in _flag_risks(flag))


def owns_flag(user: User, flag: Flag) -> bool:
    """The flag is on a risk the user owns, or in a register they edit (either risk of a duplicate)."""
    return any(risk.owner_id == user.id or _can_edit_register(user, risk.register) for risk in _flag_risks(flag))


def _can_manage_flags(user: User, flag: Flag | None) -> bool:
    return _is_hq_risk(user) and (flag is None or _can_read_flag_risks(user, flag))


def _can_read_flag(user: User, flag: Flag) -> bool:
    return _can_read_flag_risks(user, flag) and (holds_anywhere(user, FLAG_READERS) or owns_flag(user, flag))


def _can_reply_flag(user: User, flag: Flag) -> bool:
    return _can_read_flag_risks(user, flag) and (_is_hq_risk(user) or owns_flag(user, flag))


# Certificates of assurance (DESIGN capability 6, §5). Anyone who may read the unit's register may read its
# certificates. Risk managers and unit heads prepare them; only a unit head holding the role AT the unit itself
# (not above it) signs; internal audit validates or challenges.
def _can_prepare_certificate(user: User, target: Unit | Certificate) -> bool:
    unit = target.unit if isinstance(target, Certificate) else target
    return bool(roles_at(user, unit) & EDITORS)


def _can_sign_certificate(user: User, certificate: Certificate) -> bool:
    return any(
        assignment.role is Role.UNIT_HEAD and assignment.unit_id == certificate.unit_id for assignment in user.roles
    )


# Measures and quarterly performance reviews (issue 19): every member reads a unit's measures, as its register;
# its risk managers and unit heads define measures, record values and the actions their reviews agree. The pack
# shows restricted risks and flags, so it is for those who may see the unit's restricted risks.
def _unit_of(target: Unit | Measure | QprAction) -> Unit:
    return target if isinstance(target, Unit) else target.unit


def _can_manage_unit(user: User, target: Unit | Measure | QprAction) -> bool:
    return bool(roles_at(user, _unit_of(target)) & EDITORS)


def _can_read_qpr(user: User, unit: Unit) -> bool:
    return bool(roles_at(user, unit)) or holds_anywhere(user, READ_EVERYTHING)


# Recommendations (DESIGN capability 15): every member reads the tracker; the HQ risk team and internal audit
# record and edit recommendations; a recommendation's owner moves its status and adds evidence of implementation.
RECOMMENDATION_MANAGERS = frozenset({Role.HQ_RISK, Role.AUDITOR})


def _can_update_recommendation(user: User, recommendation: Recommendation) -> bool:
    return recommendation.owner_id == user.id or holds_anywhere(user, RECOMMENDATION_MANAGERS)


def _can_read_job(user: User, job: Job) -> bool:
    return (job.requested_by_id is not None and job.requested_by_id == user.id) or holds_anywhere(user, ADMINS)


def _anyone(_user: User, _target: Any) -> bool:
    return True


def _holding(roles: frozenset[Role]):
    """A rule met by holding one of ``roles`` at any unit, whatever the target."""
    return lambda user, _target: holds_anywhere(user, roles)


# Every action's rule, ``rule(user, target) -> bool``, asked only for an active, signed-in member.
# tests/test_policy.py fails when an Action has no rule here.
RULES: dict[Action, Callable[[User, Any], bool]] = {
    Action.READ_REGISTER: _anyone,
    Action.READ_RISK: _can_read_risk,
    Action.READ_RESTRICTED: _can_read_restricted,  # target: a Register
    Action.EDIT_REGISTER: _can_edit,  # target: a Register or a Risk (its register)
    Action.RECORD_REVIEW: _can_record_review,
    Action.UPDATE_COUNTERMEASURE: _can_update_countermeasure,
    Action.VIEW_AUDIT_TRAIL: _can_read_risk,
    Action.ADMINISTER: _holding(ADMINS),
    # Links (DESIGN §5): a new corporate risk is the HQ risk team's or a corporate risk manager's to confirm.
    Action.LINK_RISKS: _can_link,
    Action.REMOVE_LINK: _can_remove_link,
    Action.ESCALATE: lambda user, register: _can_edit_register(user, register) or _is_hq_risk(user),
    Action.CASCADE: _can_cascade,
    # The Audit and Risk Committee.
    Action.VIEW_COMMITTEE: _holding(COMMITTEE_READERS),
    Action.COMMENT: lambda user, risk: _can_read_risk(user, risk) and holds_anywhere(user, COMMENTERS),
    Action.READ_COMMENTS: _can_read_comments,
    # Assurance.
    Action.RECORD_CONTROL_TEST: lambda user, risk: bool(assurance_lines(user, risk)),
    Action.ADD_EVIDENCE: _can_add_evidence,
    Action.DELETE_EVIDENCE: _can_delete_evidence,
    Action.READ_EVIDENCE: _can_read_evidence,
    # HQ quality flags.
    Action.VIEW_FLAGS: _holding(FLAG_READERS),
    Action.MANAGE_FLAGS: _can_manage_flags,
    Action.READ_FLAG: _can_read_flag,
    Action.REPLY_FLAG: _can_reply_flag,
    # Certificates: anyone who may read the unit's register may read its certificates.
    Action.READ_CERTIFICATE: _anyone,
    Action.PREPARE_CERTIFICATE: _can_prepare_certificate,
    Action.SIGN_CERTIFICATE: _can_sign_certificate,
    Action.VALIDATE_CERTIFICATE: _holding(frozenset({Role.AUDITOR})),
    Action.VIEW_CERTIFICATE_ROLLUP: _holding(READ_EVERYTHING),
    # Internal audit and the HQ risk team doubt a link; the unit that made it answers.
    Action.CHALLENGE_LINK: _holding(frozenset({Role.AUDITOR, Role.HQ_RISK})),
    Action.ANSWER_CHALLENGE: _can_prepare_certificate,
    # Measures and quarterly performance reviews.
    Action.MANAGE_MEASURES: _can_manage_unit,
    Action.READ_QPR: _can_read_qpr,
    Action.MANAGE_QPR_ACTIONS: _can_manage_unit,
    Action.READ_RECOMMENDATIONS: _anyone,
    Action.MANAGE_RECOMMENDATIONS: _holding(RECOMMENDATION_MANAGERS),
    Action.UPDATE_RECOMMENDATION: _can_update_recommendation,
    # The committee's action log: its members and the HQ risk team keep it; its readers read it.
    Action.MANAGE_COMMITTEE_ACTIONS: _holding(COMMENTERS),
    # A background job (a committee pack, an import) is its requester's; administrators see every job.
    Action.READ_JOB: _can_read_job,
}
