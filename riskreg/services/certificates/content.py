"""What a head certifies, beyond the assertions: the statement of responsibility, the overall opinion and the
significant issues with their actions (issue 15). Each change is checked against the certificate's optimistic
lock and audited; a signed certificate refuses them all (and an ORM guard refuses any other path).
"""

from datetime import date

from riskreg.enums import Opinion
from riskreg.extensions import db
from riskreg.models import Certificate, CertificateIssue, User
from riskreg.rules import opinion as rules
from riskreg.services import NotFoundError, ServiceError
from riskreg.services.certificates import workflow

ISSUE_MAX = 2000
OWNER_MAX = 200


def set_opinion(
    certificate: Certificate,
    chosen: Opinion,
    reason: str,
    proposed: Opinion,
    actor: User,
    expected_version: int | None = None,
) -> None:
    """The head's overall opinion: the proposed one, or another with the reason for it."""
    workflow.check_editable(certificate, actor, expected_version)
    reason = reason.strip() if chosen is not proposed else ""
    problem = rules.opinion_problem(chosen, proposed, reason)
    if problem:
        raise ServiceError(problem, field="reason")
    if len(reason) > rules.REASON_MAX:
        raise ServiceError(f"The reason must be {rules.REASON_MAX} characters or fewer", field="reason")
    before = {"opinion": certificate.opinion, "reason": certificate.opinion_reason}
    certificate.opinion = None if chosen is proposed else chosen
    certificate.opinion_reason = reason
    workflow.touch(certificate)
    db.session.flush()
    workflow.record(
        actor,
        "opinion_set",
        certificate,
        {"before": before, "opinion": chosen, "proposed": proposed, "reason": reason},
    )


def _text(value: str, limit: int, required: str, what: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise ServiceError(required, field=field)
    if len(value) > limit:
        raise ServiceError(f"{what} must be {limit} characters or fewer", field=field)
    return value


def add_issue(
    certificate: Certificate,
    issue: str,
    action: str,
    owner: str,
    due_on: date,
    actor: User,
    expected_version: int | None = None,
) -> CertificateIssue:
    """A significant issue and the action on it, with who owns the action and by when."""
    workflow.check_editable(certificate, actor, expected_version)
    item = CertificateIssue(
        position=max((existing.position for existing in certificate.issues), default=0) + 1,
        issue=_text(issue, ISSUE_MAX, "Describe the issue", "The issue", "issue"),
        action=_text(action, ISSUE_MAX, "Say what action is being taken", "The action", "action"),
        owner=_text(owner, OWNER_MAX, "Enter who owns the action", "The owner", "owner"),
        due_on=due_on,
    )
    certificate.issues.append(item)
    workflow.touch(certificate)
    db.session.flush()
    details = {"issue_id": item.id, "issue": item.issue, "action": item.action, "owner": item.owner}
    workflow.record(actor, "issue_added", certificate, details | {"due_on": due_on.isoformat()})
    return item


def remove_issue(certificate: Certificate, issue_id: int, actor: User, expected_version: int | None = None) -> None:
    workflow.check_editable(certificate, actor, expected_version)
    item = next((existing for existing in certificate.issues if existing.id == issue_id), None)
    if item is None:
        raise NotFoundError()
    details = {"issue_id": item.id, "issue": item.issue, "owner": item.owner, "due_on": item.due_on.isoformat()}
    certificate.issues.remove(item)
    workflow.touch(certificate)
    db.session.flush()
    workflow.record(actor, "issue_removed", certificate, details)
