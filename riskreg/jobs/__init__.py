"""Long work as background jobs: one interface, ``enqueue(kind, requested_by=…, **params)``, whatever runs it.

A job is a row in our database (riskreg/models/job.py, services/jobs.py) created in the caller's transaction,
and sent to be run only once that transaction commits (``dispatch``, called by the request's commit in
riskreg/web/hooks.py, by commands after theirs, and by a job after its own), so a worker never looks for a job
that was rolled back. With ``RISKREG_REDIS_URL`` set it goes to an RQ queue and ``riskreg worker`` runs it
(riskreg/jobs/redis_queue.py); without (``make run``, tests), it runs in this process right after the commit, before
the response is sent: slower for the one request, but correct with SQLite, which has one writer at a time.

What each kind does is a task in riskreg/jobs/tasks.py: a function taking a ``Context`` (progress, the
person who asked) and the job's parameters, returning ``Done``. Turning some render function into a job is a
task there and an ``enqueue`` in its route; docs/architecture.md ("Background jobs") shows how.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from riskreg.config import settings
from riskreg.extensions import db
from riskreg.models import Job, User
from riskreg.services import ServiceError
from riskreg.services import jobs as jobs_service
from riskreg.services.jobs import StoredFile

log = logging.getLogger(__name__)
PENDING = "riskreg.jobs.pending"  # in the session's info: jobs created in its transaction, not yet sent
UNEXPECTED = "Something went wrong while running this job. It was logged; try again, or ask an administrator."

__all__ = ["Context", "Done", "StoredFile", "enqueue", "dispatch", "discard", "run", "run_here", "task"]


@dataclass
class Done:
    """What a task produced: facts for its page (links, counts) and perhaps a file to download."""

    result: dict[str, Any] = field(default_factory=dict)
    file: StoredFile | None = None


class Refused(ServiceError):
    """A job that cannot do what was asked (the file changed, the register went): said to the person, not retried."""


@dataclass
class Context:
    """What a task sees of its job. ``step`` records progress and COMMITS: call it only where the work done so
    far may stand on its own (an all-or-nothing write reports before it starts, and finishes with the job)."""

    job: Job
    listener: Callable[[int, str], None] | None = None

    @property
    def actor(self) -> User | None:
        return self.job.requested_by

    @property
    def state(self) -> dict[str, Any]:
        return dict(self.job.state or {})

    def step(self, percent: int, doing: str, state: dict[str, Any] | None = None) -> None:
        jobs_service.record_progress(self.job, percent, doing, state)
        db.session.commit()
        if self.listener:
            self.listener(percent, doing)


@dataclass(frozen=True)
class Task:
    kind: str
    function: Callable[..., Done]
    title: Callable[[dict[str, Any]], str]
    timeout: int  # seconds an RQ worker lets one attempt run


TASKS: dict[str, Task] = {}


def task(kind: str, title: Callable[[dict[str, Any]], str], timeout: int = 3600):
    """Register a task (a decorator): ``@task("committee_pack", title=lambda p: f"Committee pack for …")``."""

    def register(function: Callable[..., Done]) -> Callable[..., Done]:
        TASKS[kind] = Task(kind, function, title, timeout)
        return function

    return register


def task_of(kind: str) -> Task:
    from riskreg.jobs import tasks  # noqa: F401 - registers the tasks; loaded on first use (it imports a lot)

    if kind not in TASKS:
        raise ValueError(f"no job of kind {kind!r}: register it in riskreg/jobs/tasks.py")
    return TASKS[kind]


def enqueue(kind: str, *, requested_by: User | None = None, **params: Any) -> Job:
    """Create a job (flushed in the caller's transaction) to run once that transaction commits. Parameters are
    stored as JSON: pass ids and ISO dates, not objects. Returns the job, whose id its page uses."""
    job = jobs_service.create(kind, task_of(kind).title(params), params, requested_by)
    db.session.info.setdefault(PENDING, []).append(job.id)
    return job


def uses_queue() -> bool:
    return bool(settings().redis_url)


def dispatch() -> None:
    """Send the jobs created in the transaction just committed: to RQ, or run them here and now, in order."""
    pending = db.session.info.pop(PENDING, [])
    if not pending:
        return
    if uses_queue():
        from redis.exceptions import RedisError

        from riskreg.jobs import redis_queue

        for job_id in pending:
            try:
                redis_queue.send(job_id, task_of(db.session.get(Job, job_id).kind).timeout)
            except RedisError:  # the job stays queued in the database: `riskreg worker --requeue` sends it
                log.exception("job %s could not be put on the queue", job_id)
        return
    app = current_app._get_current_object()
    for job_id in pending:
        # A context of its own: a session of its own, which the job commits step by step.
        with app.app_context():
            try:
                run(job_id)
            except Exception:  # noqa: BLE001 - run() recorded the failure on the job's page; the request goes on
                log.exception("job %s failed", job_id)


def run_here(listener: Callable[[int, str], None] | None = None) -> list[Job]:
    """Run the jobs created in the transaction just committed here and now, whatever the backend: a command
    that waits for its work, showing a progress bar (``listener(percent, doing)``)."""
    pending = db.session.info.pop(PENDING, [])
    return [job for job in (run(job_id, listener) for job_id in pending) if job is not None]


def discard() -> None:
    """The transaction was rolled back: the jobs it created do not exist."""
    db.session.info.pop(PENDING, None)


def run(job_id: int, listener: Callable[[int, str], None] | None = None, retries_left: int = 0) -> Job | None:
    """Run one attempt of a job, here. A finished job is not run again (None). A refusal is final; any other error
    is recorded (final unless ``retries_left``) and raised again, so that RQ retries it."""
    job = jobs_service.claim(job_id)
    db.session.commit()
    if job is None:
        return None
    try:
        done = task_of(job.kind).function(Context(job, listener), **job.params)
        jobs_service.finish(job, done.result, done.file)
        db.session.commit()
    except ServiceError as error:
        _failed(job_id, str(error), final=True)
        return job
    except Exception:
        _failed(job_id, UNEXPECTED, final=retries_left <= 0)
        raise
    dispatch()  # follow-up jobs the task enqueued, now that they are committed
    return job


def _failed(job_id: int, message: str, final: bool) -> None:
    db.session.rollback()
    discard()
    jobs_service.fail(job_id, message, final)
    db.session.commit()
