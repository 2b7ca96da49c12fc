"""Jobs on Redis with real RQ workers (`riskreg worker`, in other processes) against a database of their own.

A job is queued by the app, done by a worker, and survives the worker being killed in the middle of it: RQ
finds the abandoned attempt (once its heartbeat lapses; here we move the clock on for it), tries it again,
and the new attempt carries on from what the first committed.
"""

import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from rq.registry import StartedJobRegistry

from riskreg import jobs
from riskreg.clock import today
from riskreg.enums import JobStatus, Role
from riskreg.extensions import db
from riskreg.jobs import redis_queue
from riskreg.models import Job, RiskEmbedding
from riskreg.services import risks
from tests import factories, served
from tests.jobs.conftest import kill_worker, production_environment, start_worker


@pytest.fixture(autouse=True)
def _transaction():
    """The worker needs committed data: this module's app has its own database, not the rolled-back one."""
    yield


@pytest.fixture
def setup(app, tmp_path, redis_url, queue_name):
    overrides = {"RISKREG_REDIS_URL": redis_url, "RISKREG_JOBS_QUEUE": queue_name, "RISKREG_JOB_RETRIES": "0"}
    flask_app = served.fresh_app(tmp_path, "riskreg_jobs_worker", overrides)
    environment = production_environment(
        flask_app.config["SQLALCHEMY_DATABASE_URI"], redis_url, queue_name, tmp_path / "instance"
    )
    with flask_app.app_context():
        yield flask_app, environment, tmp_path / "worker.log"
        db.session.remove()
        queue = redis_queue.queue()
        queue.empty()
        queue.delete(delete_jobs=True)
        db.engine.dispose()


def _now(job_id: int) -> tuple[JobStatus, int, int]:
    """The job's status, percent and attempts, read in a transaction ended at once: on SQLite, an open one
    would hold the write lock (riskreg/database.py) that the worker needs."""
    job = db.session.get(Job, job_id, populate_existing=True)
    now = (job.status, job.percent, job.attempts)
    db.session.rollback()
    return now


def _wait(worker, timeout: float = 60) -> int:
    try:
        return worker.wait(timeout=timeout)
    finally:
        if worker.poll() is None:
            kill_worker(worker)


def test_a_job_queued_by_the_app_is_done_by_a_worker(setup):
    _app, environment, log = setup
    committee = factories.user_with_role(Role.COMMITTEE, factories.UnitFactory(code="HQ", name="Headquarters"))
    job = jobs.enqueue("committee_pack", requested_by=committee, meeting=date(2026, 6, 5).isoformat())
    db.session.commit()
    jobs.dispatch()  # as the request's commit does
    assert redis_queue.queue().job_ids == [redis_queue.rq_job_id(job.id)]
    assert _now(job.id) == (JobStatus.QUEUED, 0, 0)  # nothing ran here
    assert _wait(start_worker(environment, log, burst=True)) == 0, log.read_text()
    db.session.expire_all()
    done = db.session.get(Job, job.id)
    assert (done.status, done.attempts, done.file_name) == (JobStatus.DONE, 1, "committee-pack-2026-06-05.pdf")


def _risks_without_embeddings(count: int) -> None:
    register = factories.UnitFactory(code="LN", name="London North").register
    values = {"cause": "a cause", "consequence": "a consequence", "status": "open", "review_frequency_days": 90}
    values |= {f"{kind}_{axis}": 3 for kind in ("inherent", "residual", "target") for axis in "li"}
    values["next_review_on"] = today() + timedelta(days=30)
    rows = [values | {"title": f"Risk {n} about topic {n * 7919 % 1000}", "event": f"event {n}"} for n in range(count)]
    risks.insert_risks(register, rows)
    db.session.commit()


def test_a_job_interrupted_by_a_killed_worker_is_tried_again_and_carries_on(setup):
    _app, environment, log = setup
    _risks_without_embeddings(600)  # three batches of embeddings, each committed with its step
    job = jobs.enqueue("similarity_reindex")
    db.session.commit()
    jobs.dispatch()
    db.session.rollback()
    worker = start_worker(environment, log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status, percent, _attempts = _now(job.id)
        if status is JobStatus.RUNNING and percent > 2:  # a batch is committed
            break
        assert worker.poll() is None, log.read_text()
        time.sleep(0.1)
    kill_worker(worker)  # mid-job, with its work horse
    kept = db.session.scalar(sa.select(sa.func.count()).select_from(RiskEmbedding))
    assert _now(job.id)[0] is JobStatus.RUNNING and 0 < kept < 600
    # RQ's maintenance finds the attempt abandoned once its heartbeat has lapsed (a minute or more): move on.
    StartedJobRegistry(queue=redis_queue.queue()).cleanup(timestamp=time.time() + 3600)
    assert _now(job.id)[0] is JobStatus.QUEUED  # "the worker running this job stopped", queued again
    assert _wait(start_worker(environment, log, burst=True), 180) == 0, log.read_text()
    db.session.expire_all()
    retried = db.session.get(Job, job.id)
    assert (retried.status, retried.attempts) == (JobStatus.DONE, 2), retried.error
    assert retried.result == {"checked": 600, "computed": 600 - kept}  # what the first attempt kept stood
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskEmbedding)) == 600


def test_scheduled_work_is_queued_by_rqs_cron_scheduler_and_done_by_a_worker(setup):
    from datetime import UTC, datetime

    from riskreg.jobs import schedule

    _app, environment, log = setup
    cron = schedule.scheduler()
    assert {job.name for job in cron.get_jobs()} == {f"riskreg-{kind}" for kind in schedule.SCHEDULE}
    nightly = next(job for job in cron.get_jobs() if job.name == "riskreg-flag_scan")
    nightly.next_enqueue_time = datetime.now(UTC) - timedelta(seconds=1)  # as when 05:15 comes
    assert cron.enqueue_jobs() == [nightly]
    db.session.rollback()
    assert _wait(start_worker(environment, log, burst=True)) == 0, log.read_text()
    scan = db.session.scalar(sa.select(Job).where(Job.kind == "flag_scan"))
    assert (scan.status, scan.requested_by_id, scan.result["raised"]) == (JobStatus.DONE, None, 0)


def test_jobs_the_queue_lost_are_put_back_by_a_worker_started_with_requeue(setup):
    _app, environment, log = setup
    job = jobs.enqueue("flag_scan")
    db.session.commit()
    jobs.discard()  # never reached Redis (or Redis was restored from an older copy)
    db.session.rollback()
    command_log = log.with_name("requeue.log")
    worker = start_worker(environment, command_log, burst=True, extra=["--requeue"])
    assert _wait(worker) == 0, command_log.read_text()
    assert "1 unfinished jobs put back on the queue" in command_log.read_text()
    assert _now(job.id)[0] is JobStatus.DONE
