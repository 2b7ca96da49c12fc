from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from riskreg.clock import utcnow
from riskreg.extensions import db
from riskreg.models.org import User


class ApiToken(db.Model):
    """A personal access token for the JSON API.

    Only the SHA-256 of the secret is kept: a copy of the database cannot be
    used to call the API. ``prefix`` is the secret's first characters, enough
    for its owner to tell tokens apart.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The first day on which the token no longer works.
    expires_on: Mapped[date]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, today: date) -> bool:
        return today >= self.expires_on

    def is_usable(self, today: date) -> bool:
        return not self.is_revoked and not self.is_expired(today)

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… of user {self.user_id}>"
