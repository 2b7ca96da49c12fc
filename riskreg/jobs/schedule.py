"""Scheduled work, run by RQ's own cron scheduler (`riskreg cron`, RQ 2.12's CronScheduler): it puts each job on
the queue when due, and the workers run it like any other (a row in the job table, retries, the same code as
the commands). Times are the server's UTC. Run ONE `riskreg cron` per installation: two would queue each job
twice (harmless, as every scheduled task is idempotent, but wasted work). A scheduler that was stopped when a
job was due does not catch up: the next run comes at the next due time (see docs/operations.md).
"""

from rq.cron import CronScheduler

from riskreg.jobs import redis_queue

# kind -> cron expression (minute hour day-of-month month day-of-week), UTC.
SCHEDULE = {
    "flag_scan": "15 5 * * *",  # every night: possible duplicates, staleness and register health for the day
    "send_reminders": "30 6 * * 1-5",  # weekday mornings, after the scan
    "audit_checkpoint": "0 * * * *",  # hourly: a signed checkpoint of the audit trail
}


def run_scheduled(kind: str) -> None:
    """What the scheduler queues: a job of ``kind`` asked for by nobody, run here in the worker."""
    from flask import current_app, has_app_context

    from riskreg import jobs
    from riskreg.extensions import db

    app = current_app._get_current_object() if has_app_context() else redis_queue._create_app()
    with app.app_context():
        redis_queue.fresh_connections()
        jobs.enqueue(kind)
        db.session.commit()
        jobs.run_here()


def scheduler() -> CronScheduler:
    cron = CronScheduler(connection=redis_queue.connection())
    for kind, expression in SCHEDULE.items():
        cron.register(run_scheduled, redis_queue.queue_name(), args=(kind,), cron=expression, name=f"riskreg-{kind}")
    return cron
