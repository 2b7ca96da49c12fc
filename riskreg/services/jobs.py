"""The job table (riskreg/models/job.py): creating jobs, claiming one to run, recording its progress and end.

riskreg/jobs decides where a job runs (an RQ worker, or here in the process) and calls these; pages read
progress and results from here whatever the backend. Services flush; the job runner commits each step.
"""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from riskreg.clock import utcnow
from riskreg.enums import JobStatus
from riskreg.extensions import db
from riskreg.models import Job, User
from riskreg.services import NotFoundError


@dataclass(frozen=True)
class StoredFile:
    """A file a job produced, kept in the job's row so that every app server can offer it."""

    name: str
    mimetype: str
    data: bytes


def create(kind: str, title: str, params: dict[str, Any], requested_by: User | None) -> Job:
    job = Job(kind=kind, title=title[:200], params=params, requested_by=requested_by, state={}, result={})
    db.session.add(job)
    db.session.flush()
    return job


def get_job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFoundError()
    return job


def claim(job_id: int) -> Job | None:
    """Mark the job running for one more attempt; None when it has finished already (or never was): running a
    job twice, as a retry after a worker's restart may, then does nothing."""
    job = db.session.get(Job, job_id, with_for_update=True)
    if job is None or job.status is JobStatus.DONE:
        return None
    job.status, job.attempts, job.error = JobStatus.RUNNING, job.attempts + 1, None
    job.started_at = utcnow()
    db.session.flush()
    return job


def record_progress(job: Job, percent: int, doing: str, state: dict[str, Any] | None = None) -> None:
    job.percent, job.doing = max(0, min(100, int(percent))), doing[:200]
    if state is not None:
        job.state = state
    db.session.flush()


def finish(job: Job, result: dict[str, Any], file: StoredFile | None = None) -> None:
    job.status, job.percent, job.doing, job.result, job.error = JobStatus.DONE, 100, "Done", result, None
    if file is not None:
        job.file_name, job.file_type, job.file_data = file.name[:200], file.mimetype, file.data
    job.finished_at = utcnow()
    db.session.flush()


def fail(job_id: int, message: str, final: bool) -> None:
    """Record why an attempt failed: failed for good, or queued again when the queue will retry it."""
    job = db.session.get(Job, job_id)
    if job is None or job.status is JobStatus.DONE:
        return
    job.error = message
    job.status = JobStatus.FAILED if final else JobStatus.QUEUED
    job.doing = "Stopped by an error" if final else "Waiting to be tried again"
    job.finished_at = utcnow() if final else None
    db.session.flush()


def file_of(job: Job) -> StoredFile:
    if not job.has_file or job.status is not JobStatus.DONE:
        raise NotFoundError()
    data = db.session.scalar(sa.select(Job.file_data).where(Job.id == job.id))
    return StoredFile(job.file_name or "download", job.file_type or "application/octet-stream", data or b"")


def waiting() -> list[Job]:
    """Jobs not finished: queued, or running when their worker stopped (``riskreg worker --requeue``)."""
    return list(db.session.scalars(sa.select(Job).where(Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))))
