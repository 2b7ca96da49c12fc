"""Journey (issue 20): HQ runs a full flag scan, and a risk manager imports a 20,000-row workbook through the
wizard; both are done by a real `riskreg worker` on Redis while the person watches each job's page show its
progress, as in production. Every page is checked with axe-core.

The app is served on a copy of the demo of its own: 20,000 imported risks would change what the other browser
journeys (which share the session's served demo) see.
"""

import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from riskreg import create_app
from riskreg.demo.spreadsheet import register_workbook
from riskreg.jobs import redis_queue
from tests import databases, served
from tests.browser.visitor import Visitor
from tests.jobs.conftest import kill_worker, production_environment, start_worker

pytestmark = pytest.mark.browser

ROWS = 20_000


@pytest.fixture
def queued_server(chromium, tmp_path, tmp_path_factory) -> Iterator[str]:
    """The demo served with its jobs sent to a Redis queue of its own, and one `riskreg worker` taking them."""
    redis = served.require_redis()
    queue = f"riskreg-test-{secrets.token_hex(6)}"
    database = databases.demo_sqlite(tmp_path_factory, tmp_path / "riskreg.sqlite")
    settings = {"RISKREG_REDIS_URL": redis, "RISKREG_JOBS_QUEUE": queue, "RISKREG_JOB_RETRIES": "0"}
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": database, "TESTING": False, "WTF_CSRF_ENABLED": True} | settings
    )
    worker = start_worker(production_environment(database, redis, queue, tmp_path), tmp_path / "worker.log")
    try:
        with served.serve(app) as url:
            yield url
    finally:
        # The follow-up job is still embedding (minutes of work): stop the worker and its work horse at once,
        # rather than RQ's warm shut-down, which waits for the job to finish.
        kill_worker(worker)
        with app.app_context():
            redis_queue.queue().delete(delete_jobs=True)


@pytest.fixture
def person(chromium, queued_server) -> Iterator[Visitor]:
    context = chromium.new_context(base_url=queued_server)
    # Reading and previewing 20,000 rows happens in the upload's request: minutes on a loaded 2-core machine.
    context.set_default_timeout(300_000)
    visitor = Visitor(context.new_page())
    yield visitor
    context.close()


def _watch(visitor: Visitor, until: str, timeout: float = 240) -> None:
    """Stay on the job's page, which fetches its own progress every 2 seconds, until ``until`` shows; then check
    the page as it is then."""
    expect(visitor.page.locator("[data-job-status]")).to_contain_text(until, timeout=timeout * 1000)
    assert "This job did not finish" not in visitor.page.inner_text("main")
    visitor.check()


def test_a_full_flag_scan_and_a_20000_row_import_run_as_jobs_with_progress(person, tmp_path):
    person.sign_in("hq.risk@example.org")
    person.follow("Flags")
    person.follow("Scan every register now", role="button", exact=False)
    assert person.heading() == "Full flag scan of every register"
    assert "% done" in person.page.inner_text("main")  # queued for the worker: the page says where it is
    _watch(person, "flags raised")
    person.follow("Go to the flags")

    workbook = tmp_path / "london-north-20000.xlsx"
    workbook.write_bytes(register_workbook(ROWS))
    person.page.context.clear_cookies()
    person.sign_in("risk.ln@example.org")
    person.goto("/registers/LN/import")
    person.page.get_by_label("Upload a register").set_input_files(str(workbook))
    person.follow("Upload and preview", role="button")
    assert person.heading() == "Check the import"
    assert f"{ROWS:,} new, 0 to update" in person.page.inner_text("main")
    person.page.get_by_role("button", name="Import", exact=False).last.click()
    person.page.wait_for_load_state()
    person.check()
    assert person.heading() == "Import of london-north-20000.xlsx into LN"
    _watch(person, "Risks imported")
    assert person.summary_value("Risks imported") == f"{ROWS:,}"

    # The imported risks' similar risks and flags follow as a job of their own, in batches, and its page shows
    # how far it has got. 20,000 embeddings take minutes on two cores: seeing it advance is enough here.
    person.follow("see that job’s progress")
    assert person.heading() == f"Similar risks and flags for {ROWS:,} imported risks"
    # "Similarity and flags computed for 500 of 20,000 risks", and the progress bar past 0
    _watch(person, f"of {ROWS:,} risks", timeout=120)
    assert int(person.page.locator("#job-progress").get_attribute("value")) > 0
