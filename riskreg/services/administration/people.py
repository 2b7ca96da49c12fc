"""People: invitations by e-mail, deactivation and reactivation, and the roles they hold at units.

An invitation is a user without a password and a one-time link to choose one: the same link as a password
reset (riskreg.services.accounts: only its SHA-256 kept, used once), valid for longer, since the person
may not read the e-mail at once. Deactivated people cannot sign in, their sessions end and their API tokens
stop working (riskreg.services.users and tokens refuse inactive users).
"""

import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from riskreg.enums import ReminderKind, Role
from riskreg.extensions import db
from riskreg.models import RoleAssignment, Unit, User
from riskreg.rules import text as text_rules
from riskreg.services import NotFoundError, ServiceError, accounts, reminders, users
from riskreg.services.audit import trail as audit
from riskreg.services.registers import Page, page_within

INVITATION_LIFETIME = timedelta(days=7)


def list_users(page: int, size: int) -> Page:
    """Everyone, by name, a page at a time, with their roles (two queries)."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(User)) or 0
    page = page_within(page, total, size)
    items = db.session.scalars(sa.select(User).order_by(User.name, User.id).offset((page - 1) * size).limit(size)).all()
    return Page(list(items), total, page, size)


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id, options=[selectinload(User.roles)])
    if user is None:
        raise NotFoundError()
    return user


def get_assignment(user: User, assignment_id: int) -> RoleAssignment:
    """One of ``user``'s role assignments: anyone else's is not found."""
    assignment = db.session.get(RoleAssignment, assignment_id)
    if assignment is None or assignment.user_id != user.id:
        raise NotFoundError()
    return assignment


def invite(email: str, name: str, actor: User) -> tuple[User, str]:
    """A new person without a password, and the secret of the link with which they choose one."""
    email = users.checked_email(email)
    cleaned = text_rules.clean(name or "").strip()
    if not cleaned:
        raise ServiceError("Enter the person's name", field="name")
    if len(cleaned) > 120:
        raise ServiceError("The name must be 120 characters or fewer", field="name")
    if users.get_by_email(email) is not None:
        raise ServiceError(f"A user with the e-mail address {email} already exists", field="email")
    user = User(email=email, name=cleaned, password_hash="", session_token=secrets.token_hex(32))
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.invited", "user", user.id, {"email": email, "name": cleaned})
    return user, accounts.new_link(user, INVITATION_LIFETIME)


def reinvite(user: User, actor: User) -> str:
    """A new invitation link for someone who has not yet chosen a password (the earlier one stops working)."""
    if user.has_password:
        raise ServiceError(f"{user.name} has already accepted the invitation")
    if not user.is_active:
        raise ServiceError(f"{user.name} is deactivated: reactivate them first")
    secret = accounts.new_link(user, INVITATION_LIFETIME)
    audit.record(actor, "user.reinvited", "user", user.id, {"email": user.email})
    return secret


def invitation_message(user: User, link: str) -> reminders.Reminder:
    days = INVITATION_LIFETIME.days
    body = (
        f"Hello {user.name},\n\nYou have been given an account on riskreg, the risk and assurance register. "
        f"To choose your password and sign in, open this link within {days} days:\n\n{link}\n\n"
        "The link works once. If you were not expecting this e-mail, tell your administrator.\n"
    )
    return reminders.Reminder(user, ReminderKind.PASSWORD_RESET, "riskreg: your new account", body)


def send_invitation(user: User, link: str, config: dict[str, Any]) -> bool:
    """Sent at once, as a password reset link is (never kept in clear in the outbox). False when not sent."""
    return accounts.send_link(invitation_message(user, link), config)


def deactivate(user: User, actor: User) -> None:
    if user.id == actor.id:
        raise ServiceError("You cannot deactivate yourself: ask another administrator")
    if not user.is_active:
        raise ServiceError(f"{user.name} is already deactivated")
    user.is_active = False
    users.end_all_sessions(user)  # signed out everywhere; flushes
    audit.record(actor, "user.deactivated", "user", user.id, {"email": user.email})


def reactivate(user: User, actor: User) -> None:
    if user.is_active:
        raise ServiceError(f"{user.name} is already active")
    user.is_active = True
    db.session.flush()
    audit.record(actor, "user.reactivated", "user", user.id, {"email": user.email})


def add_role(user: User, role: Role, unit: Unit, actor: User) -> RoleAssignment:
    if unit.is_retired:
        raise ServiceError(f"{unit.name} is retired: choose another unit", field="unit")
    if any(held.role is role and held.unit_id == unit.id for held in user.roles):
        raise ServiceError(f"{user.name} is already {role.label.lower()} at {unit.name}", field="role")
    return users.assign_role(user, role, unit, actor)


def _admins_left_without(assignment: RoleAssignment) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(sa.distinct(RoleAssignment.user_id)))
        .join(User)
        .where(RoleAssignment.role == Role.ADMIN, RoleAssignment.id != assignment.id, User.is_active.is_(True))
    )


def remove_role(assignment: RoleAssignment, actor: User) -> None:
    if assignment.role is Role.ADMIN and not _admins_left_without(assignment):
        raise ServiceError("This is the last administrator's role: give someone else the role first")
    user, role, unit = assignment.user, assignment.role, assignment.unit
    user.roles.remove(assignment)
    db.session.flush()
    audit.record(actor, "role.removed", "user", user.id, {"role": role, "unit": unit.code})


def accept_invitation(secret: str, password: str) -> User:
    """Choose a password with an invitation's link (the same one-time link as a reset: riskreg.services.accounts)."""
    user = accounts.reset_password(secret, password)
    audit.record(user, "user.invitation_accepted", "user", user.id, {})
    return user
