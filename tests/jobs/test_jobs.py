"""Background jobs without Redis, as `make run` and the tests run them: each runs in the process right after the
request (or command) that created it commits, and its page shows its progress and result (riskreg/jobs)."""

import io

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from riskreg import jobs
from riskreg.enums import JobStatus
from riskreg.extensions import db
from riskreg.models import Flag, Job, Risk, RiskEmbedding
from tests.factories import RiskFactory
from tests.import_helpers import sample, sample_people


def _text(response) -> str:
    return " ".join(BeautifulSoup(response.data, "html.parser").get_text(" ", strip=True).split())


def _pack(client) -> str:
    response = client.post("/committee/pack", data={"meeting": ["5", "6", "2026"]})
    assert response.status_code == 302
    return response.headers["Location"]


def test_a_committee_pack_is_a_job_whose_page_offers_the_pdf_to_its_requester_only(client, org, sign_in, app):
    sign_in(org.committee)
    location = _pack(client)
    job = db.session.get(Job, int(location.rsplit("/", 1)[1]))
    assert (job.status, job.percent, job.attempts, job.requested_by) == (JobStatus.DONE, 100, 1, org.committee)
    page = _text(client.get(location))
    assert "Committee pack for 5 June 2026" in page and "Download committee-pack-2026-06-05.pdf" in page
    pdf = client.get(f"{location}/download")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    for who, status in (("hq_risk", 404), ("auditor", 404), ("admin", 200)):  # hq_risk may ask for packs too
        other = app.test_client()
        other.post("/sign-in", data={"email": getattr(org, who).email, "password": "correct horse battery staple"})
        assert other.get(location).status_code == status
        assert other.get(f"{location}/download").status_code == status
    assert app.test_client().get(location).status_code == 302  # to sign in


def test_a_finished_job_run_again_does_nothing(client, org, sign_in):
    sign_in(org.committee)
    job = db.session.get(Job, int(_pack(client).rsplit("/", 1)[1]))
    finished_at, attempts = job.finished_at, job.attempts
    assert jobs.run(job.id) is None
    db.session.refresh(job)
    assert (job.status, job.finished_at, job.attempts) == (JobStatus.DONE, finished_at, attempts)


def test_a_job_created_in_a_transaction_that_rolls_back_never_runs(org):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Job))
    jobs.enqueue("flag_scan", requested_by=org.hq_risk)
    db.session.rollback()
    jobs.discard()
    assert jobs.run_here() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == before


def test_work_in_steps_carries_on_from_where_an_interrupted_attempt_got_to(org):
    """As a retry after a worker died would: the first risks' work was committed with the step that recorded it."""
    first, second, third = (RiskFactory(register=org.ln.register) for _ in range(3))
    job = jobs.enqueue("saved_risks", risk_ids=[first.id, second.id, third.id], register="LN")
    job.state, job.status, job.attempts = {"done": 2}, JobStatus.RUNNING, 1
    db.session.commit()
    jobs.run_here()
    db.session.refresh(job)
    embedded = set(db.session.scalars(sa.select(RiskEmbedding.risk_id)))
    assert (job.status, job.attempts, job.state) == (JobStatus.DONE, 2, {"done": 3})
    assert third.id in embedded and not {first.id, second.id} & embedded


def _confirm_import(client, name: str) -> str:
    location = client.post(
        "/registers/LN/import", data={"file": (io.BytesIO(sample(name)), name)}, content_type="multipart/form-data"
    ).headers["Location"]
    preview = BeautifulSoup(client.get(location).data, "html.parser")
    response = client.post(location, data={"fingerprint": preview.select_one("input[name=fingerprint]")["value"]})
    assert response.status_code == 302
    return response.headers["Location"]


def test_a_large_import_is_a_job_and_similarity_and_flags_follow_in_another(client, org, sign_in, app, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_IMPORT_JOB_FROM_ROWS", 2)  # "large" from 2 rows here
    sample_people(org)
    sign_in(org.risk_ln)
    location = _confirm_import(client, "register.json")
    assert "/jobs/" in location
    page = client.get(location)
    soup = BeautifulSoup(page.data, "html.parser")
    assert "Risks imported" in _text(page) and soup.select_one("a[href='/registers/LN']")
    follow_up = soup.find("a", string="see that job’s progress")["href"]
    assert "Similar risks and flags for" in _text(client.get(follow_up)) and "Done" in _text(client.get(follow_up))
    imported = db.session.scalars(sa.select(Risk.id).where(Risk.register_id == org.ln.register.id)).all()
    assert imported
    assert set(imported) <= set(db.session.scalars(sa.select(RiskEmbedding.risk_id)))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Flag).where(Flag.risk_id.in_(imported)))


def test_an_import_job_refuses_a_file_whose_preview_changed_and_says_so(client, org, sign_in):
    sample_people(org)
    sign_in(org.risk_ln)
    job = jobs.enqueue(
        "import_register", requested_by=org.risk_ln, upload_id=0, fingerprint="x", register="LN", filename="gone.xlsx"
    )
    db.session.commit()
    jobs.run_here()
    page = _text(client.get(f"/jobs/{job.id}"))
    assert "This job did not finish" in page and "The uploaded file has gone" in page
    assert db.session.get(Job, job.id).status is JobStatus.FAILED


@pytest.mark.parametrize("kind", ["flag_scan", "similarity_reindex"])
def test_commands_run_their_job_here_with_a_progress_bar(app, org, kind):
    RiskFactory(register=org.ln.register)
    command = ["flags", "scan"] if kind == "flag_scan" else ["similar", "--reindex"]
    result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(Job).where(Job.kind == kind)).status is JobStatus.DONE


def test_a_running_jobs_page_shows_its_progress_and_enhances_itself(client, org, sign_in):
    job = jobs.enqueue("flag_scan", requested_by=org.hq_risk)
    job.status, job.percent, job.doing = JobStatus.RUNNING, 40, "Scanning every open risk"
    db.session.commit()
    jobs.discard()  # as if a worker had it
    sign_in(org.hq_risk)
    page = BeautifulSoup(client.get(f"/jobs/{job.id}").data, "html.parser")
    status = page.select_one("[data-job-status]")
    assert status["data-finished"] == "false" and page.select_one("progress")["value"] == "40"
    assert "40% done: Scanning every open risk" in status.get_text(" ", strip=True)
    assert page.find("a", string="Check progress")["href"] == f"/jobs/{job.id}"  # without JavaScript
    script = client.get(page.select("script[type=module]")[-1]["src"])
    assert script.status_code == 200 and script.mimetype == "text/javascript" and b"data-job-status" in script.data
