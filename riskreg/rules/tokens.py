"""Personal access tokens: how a secret is recognised and stored, and how long a token may live."""

import hashlib
from datetime import date, timedelta

# Every secret starts with this, so one pasted into a chat or a commit is easy to recognise and scan for.
SECRET_PREFIX = "rr_"  # noqa: S105 - a public marker, not a secret
# Characters of the secret kept in clear, so people can tell their tokens apart.
DISPLAY_PREFIX_LENGTH = 10
# token_urlsafe(32): 32 random bytes (256 bits) as 43 URL-safe characters.
SECRET_BYTES = 32
SECRET_LENGTH = len(SECRET_PREFIX) + 43
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=365)


def hash_secret(secret: str) -> str:
    """SHA-256 is enough here: the secret is random and long, so there is nothing to guess or look up."""
    return hashlib.sha256(secret.encode()).hexdigest()


def display_prefix(secret: str) -> str:
    return secret[:DISPLAY_PREFIX_LENGTH]


def looks_like_secret(value: str) -> bool:
    """A cheap check before any database lookup."""
    return value.startswith(SECRET_PREFIX) and len(value) == SECRET_LENGTH


def default_expiry(today: date) -> date:
    return today + DEFAULT_LIFETIME


def latest_expiry(today: date) -> date:
    return today + MAX_LIFETIME


def expiry_problem(expires_on: date, today: date) -> str | None:
    """Why a token cannot be given this expiry date, or None when it can."""
    if expires_on <= today:
        return "The expiry date must be in the future"
    if expires_on > latest_expiry(today):
        return f"The expiry date must be no more than a year from today, {latest_expiry(today):%-d %B %Y} at the latest"
    return None
