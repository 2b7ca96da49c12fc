"""A background job's page: what it is doing and how far it has got, then its result (riskreg/jobs)."""

import io
from pathlib import Path

from flask import Blueprint, Response, render_template, send_file

from riskreg.policy import Action
from riskreg.services import jobs
from riskreg.web.access import public, requires, signed_in

bp = Blueprint("jobs", __name__)
SCRIPT = Path(__file__).with_name("progress.mjs")


@bp.route("/jobs/<int:job_id>")
@signed_in
@requires(Action.READ_JOB, "job", refuse_with=404)
def show(job):
    follow_up = job.result.get("follow_up") if job.result else None
    return render_template("jobs/show.html", job=job, follow_up=follow_up)


@bp.route("/jobs/<int:job_id>/download")
@signed_in
@requires(Action.READ_JOB, "job", refuse_with=404)
def download(job):
    stored = jobs.file_of(job)
    return send_file(io.BytesIO(stored.data), mimetype=stored.mimetype, as_attachment=True, download_name=stored.name)


@bp.route("/jobs/progress.mjs")
@public
def script():
    """The job page's progressive enhancement, served beside its blueprint (not part of the built assets)."""
    response = Response(SCRIPT.read_text(encoding="utf-8"), mimetype="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
