"""The RQ backend: jobs on a Redis queue, run by ``riskreg worker`` (RQ's forking worker) on any machine.

RQ rather than Dramatiq: it needs nothing but the Redis we already run for sign-in throttling, its worker,
retries, abandoned-job handling and cron scheduler are built in, and a job is a plain function call we can
read in Redis. The queue only carries our job's id: what to do, its progress and its result are in our
database (riskreg/models/job.py), so a lost Redis loses no results, and pages read one table whatever runs.

Retries (``RISKREG_JOB_RETRIES``, delays in seconds): an attempt that raises, or that a dead worker left
behind (RQ moves it out of the started registry once its heartbeat lapses), is tried again after each delay;
``riskreg.jobs.run`` makes a retry of a finished job do nothing.
"""

import os

from flask import current_app, has_app_context
from redis import Redis
from rq import Callback, Queue, Retry, Worker
from rq.exceptions import AbandonedJobError

from riskreg.config import settings
from riskreg.extensions import db

JOB_PREFIX = "riskreg-job-"
_worker_pid: int | None = None  # the `riskreg worker` process; its forked work horses have another pid


def connection() -> Redis:
    return Redis.from_url(settings().redis_url)


def queue_name() -> str:
    return settings().jobs_queue


def queue(redis: Redis | None = None) -> Queue:
    return Queue(queue_name(), connection=redis or connection())


def rq_job_id(job_id: int) -> str:
    # The queue's name keeps installations that share one Redis apart.
    return f"{settings().jobs_queue}-{JOB_PREFIX}{job_id}"


def send(job_id: int, timeout: int) -> None:
    delays = list(settings().job_retries)
    queue().enqueue_call(
        "riskreg.jobs.redis_queue.perform",
        args=(job_id,),
        job_id=rq_job_id(job_id),
        timeout=timeout,
        result_ttl=24 * 3600,
        failure_ttl=7 * 24 * 3600,
        retry=Retry(max=len(delays), interval=delays) if delays else None,
        on_failure=Callback(failed),
    )


def perform(job_id: int) -> None:
    """What RQ runs (in a work horse forked from `riskreg worker`): one attempt of our job."""
    from rq import get_current_job

    from riskreg import jobs

    app = current_app._get_current_object() if has_app_context() else _create_app()
    with app.app_context():
        fresh_connections()
        current = get_current_job()
        jobs.run(job_id, retries_left=(current.retries_left or 0) if current else 0)


def fresh_connections() -> None:
    """In a work horse forked from `riskreg worker`: the pool's connections were opened by the parent, and the
    horse must not share their sockets."""
    if _worker_pid is not None and os.getpid() != _worker_pid:
        db.engine.dispose(close=False)


def failed(rq_job, _connection, _type, value, _traceback) -> None:
    """RQ's failure callback. An attempt that raised recorded itself (``jobs.run``); this records the attempts a
    dead worker abandoned, which RQ finds once their heartbeat lapses."""
    if not isinstance(value, AbandonedJobError):
        return
    from riskreg.services import jobs as jobs_service

    final = not (rq_job.retries_left and rq_job.retries_left > 0)
    message = "The worker running this job stopped" + (", and it will not be tried again" if final else "")
    app = current_app._get_current_object() if has_app_context() else _create_app()
    with app.app_context():
        jobs_service.fail(int(rq_job.args[0]), message, final)
        db.session.commit()


def _create_app():
    from riskreg import create_app

    return create_app()


def work(burst: bool = False) -> bool:
    """Run a worker on the queue until stopped (SIGTERM: it finishes the job in hand first)."""
    global _worker_pid
    _worker_pid = os.getpid()
    db.session.remove()
    db.engine.dispose()
    redis = connection()
    worker = Worker([queue(redis)], connection=redis, name=f"riskreg-{os.uname().nodename}-{os.getpid()}")
    # The scheduler puts retries with a delay back on the queue; one worker at a time holds its lock.
    return worker.work(burst=burst, with_scheduler=True)
