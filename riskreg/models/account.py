"""Password reset links and second-factor recovery codes (issue 17). Only the SHA-256 of each secret is kept,
as for API tokens: they are random and long, so there is nothing to guess."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from riskreg.clock import utcnow
from riskreg.extensions import db
from riskreg.models.org import User


class PasswordReset(db.Model):
    """One e-mailed link to set a new password: it works once, until ``expires_at``."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]  # used, or replaced by a later link

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """One of the codes a person keeps for when they lose their authenticator app; each works once."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
