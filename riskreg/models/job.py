"""Background jobs (riskreg/jobs): what was asked, by whom, how far it has got and what it produced.

Kept in our database whatever runs the job (an RQ worker, or the app process itself without Redis), so that
every app server reads a job's progress and result the same way, and a backup holds them with the rest.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from riskreg.clock import utcnow
from riskreg.enums import JobStatus
from riskreg.extensions import db
from riskreg.models.org import User
from riskreg.models.types import enum_column_type


class Job(db.Model):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    title: Mapped[str] = mapped_column(sa.String(200))  # what people see: "Committee pack for 5 June 2026"
    status: Mapped[JobStatus] = mapped_column(enum_column_type(JobStatus), default=JobStatus.QUEUED, index=True)
    percent: Mapped[int] = mapped_column(default=0)
    doing: Mapped[str] = mapped_column(sa.String(200), default="Waiting to start")
    # Where a job that works in steps has got to (committed with each step), so a retry carries on from there.
    state: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # e.g. {"register": "LN", "created": 20}
    file_name: Mapped[str | None] = mapped_column(sa.String(200))
    file_type: Mapped[str | None] = mapped_column(sa.String(100))
    file_data: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    error: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    requested_by: Mapped[User | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def has_file(self) -> bool:
        return self.file_name is not None
