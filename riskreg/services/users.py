"""Users, sign-in and role assignments."""

import functools
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from riskreg.config import settings
from riskreg.enums import Role
from riskreg.extensions import db
from riskreg.models import RoleAssignment, Unit, User
from riskreg.rules import passwords
from riskreg.rules import text as text_rules
from riskreg.services import ServiceError
from riskreg.services.audit import trail as audit

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH


def hash_password(password: str) -> str:
    """A password's hash, by the configured method (scrypt; a cheap one in the test suite)."""
    return generate_password_hash(password, method=settings().password_hash)


@functools.cache
def _dummy_hash(method: str) -> str:
    """Compared against when the e-mail is unknown, so a miss takes as long as a wrong password. Made on first
    use: hashing takes a quarter of a second of CPU, which every start of the app would pay (issue 20)."""
    return generate_password_hash("riskreg-timing-equaliser", method=method)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def load_from_session(session_id: str) -> User | None:
    """Flask-Login's loader: the cookie holds "<id>:<session token>"."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    # Every request's first query: the user and their roles (which every permission check reads) in one.
    user = db.session.get(User, int(user_id), options=[joinedload(User.roles)])
    if user is None or not user.is_active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def authenticate(email: str, password: str) -> User | None:
    user = get_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(settings().password_hash), password)
        return None
    if not user.is_active or not check_password_hash(user.password_hash, password):
        return None
    return user


def end_all_sessions(user: User) -> None:
    """Sign the user out everywhere: every existing session cookie stops matching."""
    user.session_token = secrets.token_hex(32)
    db.session.flush()


def checked_email(email: str) -> str:
    from email_validator import EmailNotValidError, validate_email  # on first use: it is slow to import

    try:
        return normalise_email(validate_email(email.strip(), check_deliverability=False).normalized)
    except EmailNotValidError as error:
        raise ServiceError(
            "Enter an email address in the correct format, like name@example.com", field="email"
        ) from error


def check_password(password: str, email: str, name: str = "", field: str | None = None) -> None:
    """The one password policy (riskreg.rules.passwords) for every password riskreg sets."""
    problem = passwords.weakness(password, email, name)
    if problem:
        raise ServiceError(problem, field=field)


def create_user(email: str, name: str, password: str, actor: User | None = None) -> User:
    email = checked_email(email)
    if not text_rules.clean(name).strip():
        raise ServiceError("Enter the person's name")
    if len(name.strip()) > 120:
        raise ServiceError("The name must be 120 characters or fewer")
    check_password(password, email, name)
    if get_by_email(email) is not None:
        raise ServiceError(f"A user with the e-mail address {email} already exists")
    user = User(
        email=email,
        name=text_rules.clean(name).strip(),
        password_hash=hash_password(password),
        session_token=secrets.token_hex(32),
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", "user", user.id, {"email": email, "name": user.name})
    return user


def assign_role(user: User, role: Role, unit: Unit, actor: User | None = None) -> RoleAssignment:
    assignment = RoleAssignment(user=user, role=role, unit=unit)
    db.session.add(assignment)
    db.session.flush()
    audit.record(actor, "role.assigned", "user", user.id, {"role": role, "unit": unit.code})
    return assignment


OWNER_ROLES = (Role.VIEWER, Role.RISK_MANAGER, Role.UNIT_HEAD)


def owner_candidates(unit: Unit) -> list[User]:
    """People who can own a risk in this unit's register: members of the unit, above it or below it."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    ancestor_paths = ["/" + "/".join(str(i) for i in ids[: n + 1]) + "/" for n in range(len(ids))]
    related_units = sa.select(Unit.id).where(sa.or_(Unit.path.in_(ancestor_paths), Unit.path.startswith(unit.path)))
    return list(
        db.session.scalars(
            sa.select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                User.is_active.is_(True),
                RoleAssignment.role.in_(OWNER_ROLES),
                RoleAssignment.unit_id.in_(related_units),
            )
            .distinct()
            .order_by(User.name)
        )
    )
