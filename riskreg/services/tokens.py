"""Personal access tokens for the JSON API: issuing, revoking and recognising them. Issuing and revoking are audited."""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from riskreg.clock import today, utcnow
from riskreg.extensions import db
from riskreg.models import ApiToken, User
from riskreg.rules import tokens as token_rules
from riskreg.services import NotFoundError, ServiceError
from riskreg.services.audit import trail as audit

NAME_MAX_LENGTH = 100
# last_used_at is refreshed at most this often, so reading the API is not a write on every request.
USE_RECORDING_INTERVAL = timedelta(minutes=5)


def create_token(user: User, name: str, expires_on: date, actor: User | None = None) -> tuple[ApiToken, str]:
    """A new token and its secret. The secret is returned once, here, and never stored."""
    name = name.strip()
    if not name:
        raise ServiceError("Enter a name for the token", field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise ServiceError(f"The name must be {NAME_MAX_LENGTH} characters or fewer", field="name")
    problem = token_rules.expiry_problem(expires_on, today())
    if problem:
        raise ServiceError(problem, field="expires_on")
    secret = token_rules.SECRET_PREFIX + secrets.token_urlsafe(token_rules.SECRET_BYTES)
    token = ApiToken(
        user=user,
        name=name,
        token_hash=token_rules.hash_secret(secret),
        prefix=token_rules.display_prefix(secret),
        expires_on=expires_on,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor or user,
        "api_token.created",
        "api_token",
        token.id,
        {"user": user.email, "name": name, "prefix": token.prefix, "expires_on": expires_on},
    )
    return token, secret


def revoke_token(token: ApiToken, actor: User) -> ApiToken:
    if token.is_revoked:
        raise ServiceError("This token has already been revoked")
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        "api_token.revoked",
        "api_token",
        token.id,
        {"user": token.user.email, "name": token.name, "prefix": token.prefix},
    )
    return token


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def token_of(user: User, token_id: int) -> ApiToken:
    """One of the user's own tokens: anyone else's is not found."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFoundError()
    return token


@dataclass(frozen=True)
class TokenCheck:
    token: ApiToken | None
    problem: str = ""


def authenticate(secret: str) -> TokenCheck:
    """The token a request presents, or why it cannot be used."""
    if not token_rules.looks_like_secret(secret):
        return TokenCheck(None, "The token is not recognised")
    token = db.session.scalar(
        sa.select(ApiToken)
        .where(ApiToken.token_hash == token_rules.hash_secret(secret))
        .options(joinedload(ApiToken.user))
    )
    if token is None or not token.user.is_active:
        return TokenCheck(None, "The token is not recognised")
    if token.is_revoked:
        return TokenCheck(None, "The token has been revoked")
    if token.is_expired(today()):
        return TokenCheck(None, f"The token expired on {token.expires_on:%-d %B %Y}")
    _note_use(token)
    return TokenCheck(token)


def _note_use(token: ApiToken) -> None:
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < USE_RECORDING_INTERVAL:
        return
    try:
        with db.session.begin_nested():
            token.last_used_at = now
    except sa.exc.OperationalError:
        # Best effort: a read-only request on SQLite may find another writer got in first (its snapshot is
        # stale and cannot become a write). The request still succeeds; a later one records the use.
        pass
