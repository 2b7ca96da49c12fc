from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from riskreg.clock import utcnow
from riskreg.extensions import db
from riskreg.models.org import Register, User


class ImportUpload(db.Model):
    """A file between the steps of the import wizard, and the choices made about it so far.

    Kept in the database, not on a worker's disk: any worker on any machine can serve the next step.
    Found by an unguessable token and only for the user who uploaded it; deleted when imported or stale.
    """

    __tablename__ = "import_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    register_id: Mapped[int] = mapped_column(sa.ForeignKey("register.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    # The sheet, heading row and column mapping chosen so far (a mapping file's JSON).
    options: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    register: Mapped[Register] = relationship()
    user: Mapped[User] = relationship()
